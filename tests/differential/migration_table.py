"""The Zipline migration page, generated from this suite: every name of ``zipline.api``
marked "same as zipline" (naming the corpus strategies that check it against zipline),
"differs" (saying how) or "not supported" (saying why, as the name's own error does).

A name is "same as zipline" only when a strategy of the corpus uses it: the differential
tests then hold RustyBT to zipline's transactions and values with it. Regenerate the page
after changing the corpus or the API, and commit it::

    uv run python tests/differential/migration_table.py

``test_migration_table.py`` fails while the committed page differs, and while a supported
name is used by no strategy.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parents[1]
PAGE = REPO / "docs" / "zipline-migration.md"
STRATEGIES = sorted(
    [*(HERE / "strategies").glob("*.py"), *(HERE / "pipeline_strategies").glob("*.py")],
    key=lambda path: path.stem,
)

ZIPLINE_API = (
    "EODCancel", "FixedBasisPointsSlippage", "FixedSlippage", "HistoricalRestrictions",
    "NeverCancel", "RESTRICTION_STATES", "Restriction", "StaticRestrictions",
    "VolumeShareSlippage", "attach_pipeline", "batch_market_order", "calendars",
    "cancel_order", "cancel_policy", "commission", "continuous_future", "date_rules", "events",
    "execution", "fetch_csv", "future_symbol", "get_datetime", "get_environment",
    "get_open_orders", "get_order", "math_utils", "order", "order_percent", "order_target",
    "order_target_percent", "order_target_value", "order_value", "pipeline_output", "record",
    "schedule_function", "set_asset_restrictions", "set_benchmark", "set_cancel_policy",
    "set_commission", "set_do_not_order_list", "set_long_only", "set_max_leverage",
    "set_max_order_count", "set_max_order_size", "set_max_position_size", "set_min_leverage",
    "set_slippage", "set_symbol_lookup_date", "sid", "slippage", "symbol", "symbols",
    "time_rules",
)  # fmt: skip
"""``zipline.api.__all__`` of zipline-reloaded 3.2.1 (the suite checks it against the oracle)."""

DIFFERS: dict[str, str] = {
    "sid": "sids number the data source's symbols in sorted order from 0, as a zipline "
    "csvdir bundle does; other bundles number assets their own way",
    "set_symbol_lookup_date": "accepted and kept; RustyBT symbols do not change owner over "
    "time, so lookups give the same asset on every date",
    "get_environment": "`platform` is `rustybt`; the other fields are zipline's",
    "batch_market_order": "the orders pass the trading controls, as every order does; "
    "zipline's bypass them",
    "fetch_csv": "local paths and `file://` URLs as well as http(s); a row becomes visible at "
    "its own time (zipline rolls it to a session by a 4 pm New York cutoff, which agrees in "
    "`handle_data` with daily bars); fetched columns are read with `data.current`, not "
    "`data.history`; call it in `initialize`",
    "set_min_leverage": "checked after every bar (zipline: at each session's end); the same "
    "with daily bars",
    "calendars": "`US_EQUITIES` and `US_FUTURES` are accepted by `schedule_function`; a run "
    "follows its own trading calendar whichever is given",
    "events": "RustyBT's scheduling module (`rustybt.scheduling`): the same `date_rules` and "
    "`time_rules`; zipline's internal event classes are not there",
}
"""Names that work, but not exactly as in zipline: how they differ."""

DATA_DIFFERS: dict[str, str] = {
    "csvdir dividends": "a csvdir file's `dividend` column is paid in cash on its ex-date. "
    "zipline's csvdir ingest leaves the pay date empty and never pays the cash (the price "
    "still drops, and its history windows are still adjusted), so a dividend-paying stock "
    "loses value in zipline that it keeps in RustyBT. The suite compares against zipline "
    "with the pay date set to the ex-date (`test_corporate_actions.py`). Splits, the "
    "history adjustments and dividends with a pay date are zipline's",
    "ended assets": "a backtest closes the position in an asset whose data has ended at the "
    "end of the first session after its last bar, as zipline's auto-close does "
    "(`test_engine_lifetimes.py`); paper and live sessions never do, since the broker holds "
    "the positions and a feed may merely pause. Data ending on the run's last session counts "
    "as continuing. The closing transaction's commission is 0.0 (zipline's is None)",
    "positions order": "`context.portfolio.positions` is live, as zipline's is (the same "
    "dict and position objects from bar to bar, brought up to date when `context.portfolio` "
    "is read: `kept_portfolio_views`), but lists the held positions in the run's asset "
    "order, where zipline lists them in the order they were opened: a paper or live session "
    "restarted from its checkpoint must iterate its positions as the session it continues "
    "did, and its checkpoint keeps the positions in asset order",
    "Pipeline": "the output frames and the trades of pipeline strategies are zipline's "
    "(`test_pipeline.py`); around the engine (the research entry point, domains, the asset "
    "objects, a few inputs zipline crashes on) see [Pipeline](pipeline.md#differences-from-"
    "zipline)",
}
"""Behaviours, not of one API name, that differ from zipline on purpose."""


def unsupported_reason(name: str) -> str | None:
    """Why ``rustybt.api`` does not support ``name`` (None when it does)."""
    import rustybt.api

    value = getattr(rustybt.api, name, None)
    if value is None:
        return "missing from rustybt.api"
    return getattr(value, "unsupported_because", None)


FINANCE_MODULES = ("cancel_policy", "commission", "execution", "slippage")
"""``zipline.api`` names that are the ``zipline.finance`` modules of the same name."""


def names_used(strategy: Path) -> set[str]:
    """The ``zipline.api`` names a strategy uses: imported from ``zipline.api`` (or from the
    ``zipline.finance`` modules it re-exports), or called on ``context``."""
    tree = ast.parse(strategy.read_text())
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module in ("zipline.api", "zipline.finance"):
                used.update(alias.name for alias in node.names)
            elif node.module.startswith("zipline.finance."):
                used.add(node.module.rpartition(".")[2])
                used.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("context", "api"):
                used.add(node.attr)
            elif node.value.id in FINANCE_MODULES:
                used.update((node.value.id, node.attr))
    return used & set(ZIPLINE_API)


def rows() -> list[tuple[str, str, str]]:
    """(name, status, detail) for every ``zipline.api`` name, in zipline's order."""
    users: dict[str, list[str]] = {name: [] for name in ZIPLINE_API}
    for strategy in STRATEGIES:
        for name in names_used(strategy):
            users[name].append(strategy.stem)
    table = []
    for name in ZIPLINE_API:
        reason = unsupported_reason(name)
        checked = ", ".join(f"`{s}`" for s in users[name])
        if reason is not None:
            table.append((name, "not supported", reason))
        elif name in DIFFERS:
            table.append(
                (name, "differs", DIFFERS[name] + (f" (used by {checked})" if checked else ""))
            )
        else:
            table.append((name, "same as zipline", f"checked by {checked}" if checked else ""))
    return table


def unchecked() -> list[str]:
    """Supported names that no corpus strategy uses: the page would claim them unchecked."""
    return [name for name, status, detail in rows() if status == "same as zipline" and not detail]


def page() -> str:
    """The migration page's Markdown."""
    lines = [
        "# Migrating from Zipline",
        "",
        "<!-- Generated by tests/differential/migration_table.py: edit the suite, not this. -->",
        "",
        "Change `zipline` to `rustybt` on a strategy's import lines; nothing else. Every name of",
        "`zipline.api` (zipline-reloaded 3.2.1) imports from `rustybt.api`. This table is",
        "generated from the differential suite (`tests/differential/`, run by `.ci/run`): a",
        'name is "same as zipline" when the corpus strategies named beside it give zipline\'s',
        "transactions and daily portfolio values, to the cent, on the same data. A name not",
        "supported raises an error saying so and pointing here.",
        "",
        "| name | status | detail |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {status} | {detail} |" for name, status, detail in rows()]
    lines += [
        "",
        "Other behaviours that differ on purpose:",
        "",
        "| what | how it differs |",
        "|---|---|",
    ]
    lines += [f"| {what} | {how} |" for what, how in DATA_DIFFERS.items()]
    lines += [
        "",
        "More on writing strategies, and the semantics the suite pins: "
        "[Writing strategies](strategies.md#migrating-from-zipline).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    missing = unchecked()
    if missing:
        sys.exit(f"no corpus strategy uses {', '.join(missing)}: add one before generating")
    PAGE.write_text(page())
    print(f"wrote {PAGE.relative_to(REPO)}")
