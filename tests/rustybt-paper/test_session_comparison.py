"""A backtest set against a paper session of the same strategy over the same sessions:
equity session by session, fills pair by pair, the fills one made and the other did not."""

from __future__ import annotations

import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rustybt.backtest import run_backtest
from rustybt.engine.clock import ReplayClock
from rustybt.errors import ConfigError, DataError
from rustybt.live import run_trading_session
from rustybt.live.config import BrokerConfig, SlippageConfig, TradingConfig
from rustybt.live.journal import Journal
from rustybt.report.compare import SessionComparison, compare_session
from rustybt.report.load import BacktestResults, load_results, run_results

START, END = "2010-03-01", "2010-04-30"

STRATEGY = """
from rustybt.api import order_target_percent, symbol


def initialize(context):
    context.asset = symbol("MSFT")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    if context.days % 5 == 0:
        order_target_percent(context.asset, 0.5 if context.days % 10 else 0.1)
"""

SessionFiles = tuple[Path, Path]
"""A paper session's state file and event log."""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("comparison")
    (directory / "strategy.py").write_text(STRATEGY)
    return directory


@pytest.fixture(scope="module")
def backtest(workdir: Path) -> BacktestResults:
    """The backtest, with the backtest's costs: 5 bp of slippage, $0.001 a share."""
    return run_results(run_backtest(workdir / "strategy.py", start=START, end=END))


def paper(workdir: Path, name: str, config: TradingConfig) -> SessionFiles:
    state, log = workdir / f"{name}.sqlite", workdir / f"{name}.log"
    run_trading_session(
        workdir / "strategy.py",
        config=config,
        log_file=log,
        state_file=state,
        start=START,
        end=END,
        clock=ReplayClock(pd.Timestamp(START, tz="UTC").value),
    )
    return state, log


@pytest.fixture(scope="module")
def same_costs(workdir: Path) -> SessionFiles:
    """A paper session with the backtest's cost models."""
    return paper(workdir, "same", TradingConfig())


@pytest.fixture(scope="module")
def costlier(workdir: Path) -> SessionFiles:
    """A paper session whose broker slips 15 bp where the backtest models 5."""
    slippage = SlippageConfig(type="fixed_basis_points", basis_points=Decimal(15))
    return paper(workdir, "costlier", TradingConfig(broker=BrokerConfig(slippage=slippage)))


def test_a_paper_session_with_the_backtests_costs_matches_it_fill_for_fill(
    backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    comparison = compare_session(backtest, *same_costs)

    summary = comparison.summary
    assert (summary.matched, summary.missed, summary.extra) == (8, 0, 0)
    assert summary.sessions == len(backtest.frame) == 44
    assert summary.max_abs_price_difference == 0.0
    assert summary.max_abs_slippage_bps == 0.0
    assert summary.total_cost_difference == 0.0
    assert summary.max_abs_value_difference == 0.0
    assert comparison.equity["session"].tolist() == comparison.equity["backtest"].tolist()
    assert comparison.mode == "paper"
    assert [(p.backtest.dt, p.backtest.amount) for p in comparison.pairs] == [
        (p.session.dt, p.session.amount) for p in comparison.pairs
    ]


def test_the_results_file_compares_as_the_run_in_memory(
    workdir: Path, backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    written = run_backtest(workdir / "strategy.py", start=START, end=END)
    written.write_parquet(workdir / "results.parquet")

    from_file = compare_session(load_results(workdir / "results.parquet"), *same_costs)

    assert from_file.summary == compare_session(backtest, *same_costs).summary


def test_a_broker_slipping_10_bp_more_shows_it_on_every_fill(
    backtest: BacktestResults, costlier: SessionFiles
) -> None:
    comparison = compare_session(backtest, *costlier)

    assert (len(comparison.pairs), len(comparison.missed), len(comparison.extra)) == (8, 0, 0)
    for pair in comparison.pairs:
        side = pair.backtest.side
        close = pair.backtest.price / (1 + 0.0005 * side)  # the backtest's 5 bp taken off
        assert pair.session.price == pytest.approx(close * (1 + 0.0015 * side), rel=1e-9)
        assert pair.price_difference == pytest.approx(0.001 * close * side, rel=1e-6)
        assert pair.slippage_bps == pytest.approx(10 / (1 + 0.0005 * side), rel=1e-6)
    # The first buy: both sides order 50% of the untouched $100,000, at 28.644315 a share
    # in the backtest (the close, 28.63, plus 5 bp) and 28.673 (plus 15 bp).
    first = comparison.pairs[0]
    assert (first.backtest.amount, first.session.amount) == (1749, 1749)
    assert first.backtest.price == pytest.approx(28.63 * 1.0005)
    assert first.session.price == pytest.approx(28.63 * 1.0015)
    assert first.cost_difference == pytest.approx(1749 * 28.63 * 0.001)
    summary = comparison.summary
    assert summary.mean_abs_slippage_bps == pytest.approx(10, abs=0.01)
    assert summary.total_cost_difference == pytest.approx(
        sum(p.price_difference * p.session.amount for p in comparison.pairs)
        + sum(p.session.commission - p.backtest.commission for p in comparison.pairs)
    )
    assert summary.total_cost_difference > 0
    # Equal until the first fill; the costlier session ends poorer.
    first_fill_day = first.session.day
    before = comparison.equity.loc[comparison.equity.index < first_fill_day]
    assert (before["session"] == before["backtest"]).all()
    assert summary.final_value_difference is not None and summary.final_value_difference < 0


def test_a_fill_the_session_missed_and_one_it_added_are_listed(
    workdir: Path, backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    state, log = same_costs
    crafted = workdir / "crafted.sqlite"
    shutil.copy(state, crafted)
    with sqlite3.connect(crafted) as db:
        third = db.execute("SELECT fill_id, dt FROM fills ORDER BY bar LIMIT 1 OFFSET 2").fetchone()
        db.execute("DELETE FROM fills WHERE fill_id = ?", (third[0],))
        # A sale twelve days from the backtest's first.
        db.execute(
            "INSERT INTO fills VALUES ('extra-1', 'extra', 'MSFT', '-100', '28.5', '0.1',"
            " '2010-03-03T21:00:00+00:00', 402)"
        )

    comparison = compare_session(backtest, crafted, log)

    assert (len(comparison.pairs), len(comparison.missed), len(comparison.extra)) == (7, 1, 1)
    [missed], [extra] = comparison.missed, comparison.extra
    assert missed.dt == pd.Timestamp(third[1]) and missed.amount == 1364
    assert (extra.order_id, extra.amount, extra.price) == ("extra", -100, 28.5)
    assert extra.day == pd.Timestamp("2010-03-03", tz="UTC")
    assert comparison.summary.max_abs_price_difference == 0.0


def test_without_a_log_the_fills_are_compared_and_the_session_has_no_equity(
    backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    comparison = compare_session(backtest, same_costs[0])

    assert comparison.summary.matched == 8
    assert comparison.equity["session"].isna().all()
    assert comparison.summary.final_session_value is None
    assert comparison.mode is None


def test_a_file_that_is_not_a_state_file_is_refused(
    workdir: Path, backtest: BacktestResults
) -> None:
    text = workdir / "notes.sqlite"
    text.write_text("not a database\n" * 100)
    with pytest.raises(ConfigError, match=r"is not a RustyBT state file"):
        compare_session(backtest, text)
    with pytest.raises(ConfigError, match=r"state file .*missing.sqlite does not exist"):
        compare_session(backtest, workdir / "missing.sqlite")


def test_a_state_file_without_fills_and_without_a_log_is_refused(
    workdir: Path, backtest: BacktestResults
) -> None:
    Journal(workdir / "empty.sqlite").close()
    with pytest.raises(DataError, match=r"holds no fills and no event log was given"):
        compare_session(backtest, workdir / "empty.sqlite")


def test_a_fast_replay_logs_its_closes_a_checkpoint_at_a_time_each_session_once(
    backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    events = [json.loads(line) for line in same_costs[1].read_text().splitlines()]
    closes = [e for e in events if e["event"] in ("session_closed", "sessions_closed")]

    # The first session is checkpointed alone; the rest a checkpoint's worth at a time.
    assert closes[0]["event"] == "session_closed"
    assert {e["event"] for e in closes[1:]} == {"sessions_closed"}
    days = [closes[0]["session"]] + [day for batch in closes[1:] for day in batch["sessions"]]
    assert days == [f"{session:%Y-%m-%d}" for session in backtest.frame.index]
    ids = [closes[0]["event_id"]] + [i for batch in closes[1:] for i in batch["event_ids"]]
    assert ids == [f"session:{day}" for day in days]


def test_a_log_with_a_line_per_session_compares_as_one_with_batches(
    workdir: Path, backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    """A live session, or a paper one in real time, checkpoints every session and writes
    a session_closed line for each."""
    state, log = same_costs
    per_session = workdir / "per-session.log"
    with per_session.open("w") as out:
        for line in log.read_text().splitlines():
            event = json.loads(line)
            if event["event"] != "sessions_closed":
                out.write(line + "\n")
                continue
            for day, value, cash in zip(
                event["sessions"], event["portfolio_values"], event["cash"], strict=True
            ):
                single = {"ts": event["ts"], "level": "INFO", "event": "session_closed"}
                single |= {"event_id": f"session:{day}", "session": day}
                out.write(json.dumps(single | {"portfolio_value": value, "cash": cash}) + "\n")

    assert "sessions_closed" not in per_session.read_text()
    pd.testing.assert_frame_equal(
        compare_session(backtest, state, per_session).equity,
        compare_session(backtest, state, log).equity,
    )


def test_a_damaged_sessions_closed_line_is_refused_with_its_place(
    workdir: Path, backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    state, log = same_costs
    damaged = workdir / "damaged.log"
    lines = log.read_text().splitlines()
    at = next(k for k, line in enumerate(lines) if '"sessions_closed"' in line)
    event = json.loads(lines[at])
    lines[at] = json.dumps(event | {"portfolio_values": event["portfolio_values"][1:]})
    damaged.write_text("\n".join(lines) + "\n")

    with pytest.raises(
        DataError, match=rf"damaged.log, line {at + 1}: a sessions_closed event needs lists"
    ):
        compare_session(backtest, state, damaged)


def test_a_log_that_is_not_json_lines_is_refused(
    workdir: Path, backtest: BacktestResults, same_costs: SessionFiles
) -> None:
    log = workdir / "notes.log"
    log.write_text("started the session\nall went well\n")
    with pytest.raises(DataError, match=r"notes.log is not a session's event log"):
        compare_session(backtest, same_costs[0], log)


def test_a_session_outside_the_backtests_dates_is_refused(
    workdir: Path, same_costs: SessionFiles
) -> None:
    later = run_results(run_backtest(workdir / "strategy.py", start="2011-03-01", end="2011-03-31"))
    with pytest.raises(
        DataError,
        match=r"the session \(2010-03-01 to 2010-04-30\) does not overlap the backtest "
        r"\(2011-03-01 to 2011-03-31\)",
    ):
        compare_session(later, *same_costs)


def test_the_comparison_reads_only(backtest: BacktestResults, same_costs: SessionFiles) -> None:
    state, log = same_costs
    before = {path: path.read_bytes() for path in (state, log)}
    siblings = set(state.parent.iterdir())

    assert isinstance(compare_session(backtest, state, log), SessionComparison)
    assert {path: path.read_bytes() for path in (state, log)} == before
    assert set(state.parent.iterdir()) == siblings
