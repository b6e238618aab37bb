"""Each strategy of the corpus does under RustyBT what it does under zipline-reloaded: the
same transactions (symbol, amount, time), each session's portfolio value and the final value
within a cent. A strategy marked ``KNOWN_DIVERGENCES`` is an open difference, named and
expected to fail until it is fixed (strict: fixing it fails the mark)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rustybt.backtest import run_algorithm

STRATEGIES = sorted((Path(__file__).parent / "strategies").glob("*.py"))

CENT = 0.01

KNOWN_DIVERGENCES: dict[str, str] = {}
"""Strategy name -> the zipline behaviour RustyBT does not match yet (issue #16)."""


def zipline_imports_as_rustybt(source: str) -> str:
    """``source`` with ``zipline`` replaced by ``rustybt`` on its import lines only."""
    return re.sub(r"^(\s*(?:from|import)\s+)zipline\b", r"\1rustybt", source, flags=re.M)


def run_with_rustybt(strategy: Path, data_dir: Path, window: tuple[str, str]) -> dict:
    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    code = compile(zipline_imports_as_rustybt(strategy.read_text()), str(strategy), "exec")
    exec(code, namespace)
    perf = run_algorithm(
        *window,
        initialize=namespace["initialize"],
        handle_data=namespace.get("handle_data"),
        before_trading_start=namespace.get("before_trading_start"),
        analyze=namespace.get("analyze"),
        capital_base=namespace.get("CAPITAL_BASE", 100_000),
        source="files",
        data_dir=data_dir,
    )
    return {
        "transactions": [
            {
                "symbol": t["symbol"],
                "amount": int(t["amount"]),
                "dt": pd.Timestamp(t["dt"]).isoformat(),
                "price": float(t["price"]),
                "commission": float(t["commission"]),
            }
            for day in perf["transactions"]
            for t in day
        ],
        "portfolio_value": {
            k.strftime("%Y-%m-%d"): float(v) for k, v in perf["portfolio_value"].items()
        },
    }


def trades(result: dict) -> list[tuple[str, int, str]]:
    return sorted((t["symbol"], t["amount"], t["dt"]) for t in result["transactions"])


@pytest.mark.parametrize(
    "strategy",
    [
        pytest.param(
            s,
            id=s.stem,
            marks=[pytest.mark.xfail(reason=KNOWN_DIVERGENCES[s.stem], strict=True)]
            if s.stem in KNOWN_DIVERGENCES
            else [],
        )
        for s in STRATEGIES
    ],
)
def test_the_strategy_does_what_it_does_under_zipline(
    strategy: Path, oracle: dict[str, dict], csvdir: Path, window: tuple[str, str]
) -> None:
    expected = oracle[strategy.stem]
    assert "error" not in expected, f"zipline itself failed: {expected.get('error')}"
    ours = run_with_rustybt(strategy, csvdir, window)
    assert trades(ours) == trades(expected)
    values = expected["portfolio_value"]
    assert set(ours["portfolio_value"]) == set(values)
    off = {
        day: (value, values[day])
        for day, value in ours["portfolio_value"].items()
        if abs(Decimal(str(value)) - Decimal(str(values[day]))) > Decimal("0.01")
    }
    assert not off, f"{len(off)} sessions differ by more than a cent, first: {min(off.items())}"
