"""Splits and dividends in a run's results, as zipline's perf frame shows them: a split
changes that session's positions and pays the cut-off fraction in ``capital_used`` and
``pnl``; a dividend is paid in ``capital_used`` and the session's ``starting_cash`` but in
no ``pnl``, and counts in ``returns``; the ``actions`` column lists both. A paper session
stopped between a dividend's ex-date and its pay date still pays it after a resume."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order, set_commission, set_slippage, symbol
from rustybt.backtest.run import backtest_engine
from rustybt.calendars import get_calendar
from rustybt.data.actions import ACTION_COLUMNS
from rustybt.data.file_source import FileDataSource
from rustybt.engine import BacktestConfig
from rustybt.engine.clock import ReplayClock
from rustybt.engine.results import BacktestResult
from rustybt.engine.simulated_execution import SimulatedExecution
from rustybt.finance import commission, slippage
from rustybt.live import SessionParts, SessionSettings, paper_session
from rustybt.live.journal import Journal
from rustybt.operations.event_log import EventLogWriter

DAYS = get_calendar("XNYS").sessions("2024-01-02", "2024-01-11")
"""2024-01-02 … 2024-01-11; the actions fall on the fifth, 2024-01-08 (row 4)."""
EX = 4


class FilesWithActions(FileDataSource):
    """The files source, telling the splits and dividends it is given."""

    def __init__(self, data_dir: Path, actions: list[dict]) -> None:
        super().__init__(data_dir=data_dir)
        self.actions = pd.DataFrame(actions, columns=ACTION_COLUMNS)

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        return self.actions[self.actions["symbol"].isin(list(symbols))]


def split(value: float, day: int = EX) -> dict:
    return {"symbol": "AAA", "ex_date": DAYS[day], "kind": "split", "value": value}


def dividend(per_share: float, day: int = EX, paid: int | None = None) -> dict:
    return {
        "symbol": "AAA",
        "ex_date": DAYS[day],
        "kind": "dividend",
        "value": per_share,
        "pay_date": None if paid is None else DAYS[paid],
    }


def source_of(tmp_path: Path, closes: list[float], actions: list[dict]) -> FilesWithActions:
    """AAA closing at ``closes`` each session from 2024-01-02, a million shares a day."""
    pd.DataFrame(
        {
            "date": DAYS[: len(closes)].strftime("%Y-%m-%d"),
            **dict.fromkeys(("open", "high", "low", "close"), closes),
            "volume": 1_000_000,
        }
    ).to_csv(tmp_path / "AAA.csv", index=False)
    return FilesWithActions(tmp_path, actions)


def trader(shares: int) -> TradingAlgorithm:
    """Orders ``shares`` of AAA on the first bar (filled at the second close), at no cost."""

    def initialize(context):
        context.asset = symbol("AAA")
        context.ordered = False
        set_slippage(slippage.NoSlippage())
        set_commission(commission.NoCommission())

    def handle_data(context, data):
        if not context.ordered:
            order(context.asset, shares)
            context.ordered = True

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


def backtest(source: FilesWithActions, shares: int, days: int = 8) -> BacktestResult:
    config = BacktestConfig(start=DAYS[0], end=DAYS[days - 1])
    return backtest_engine(trader(shares), source, config).run()


def test_a_split_resizes_the_position_and_pays_the_fraction_in_capital_used_and_pnl(
    tmp_path: Path,
) -> None:
    # 101 shares bought at 10; a 1-for-2 reverse split leaves 50 at a cost basis of 20 and
    # pays half a share at it; the price doubles and a bit.
    source = source_of(tmp_path, [10, 10, 10, 10, 21, 21, 21, 21], [split(0.5)])

    frame = backtest(source, 101).frame
    row = frame.iloc[EX]

    (held,) = row["positions"]
    assert (held["amount"], held["cost_basis"], held["last_sale_price"]) == (50, 20.0, 21.0)
    assert (row["capital_used"], row["starting_cash"], row["ending_cash"]) == (
        10.0,
        98_990.0,
        99_000.0,
    )
    assert (row["portfolio_value"], row["pnl"]) == (100_050.0, 50.0)
    assert row["returns"] == pytest.approx(50 / 100_000, rel=1e-15)
    assert (row["long_value"], row["ending_value"], row["longs_count"]) == (1050.0, 1050.0, 1)
    assert row["starting_value"] == 1010.0
    assert row["orders"] == [] and row["transactions"] == []
    (applied,) = row["actions"]
    assert applied == {
        "kind": "split",
        "sid": applied["sid"],
        "symbol": "AAA",
        "ex_date": DAYS[EX],
        "ratio": 2.0,
        "shares": 101,
        "new_shares": 50,
        "cash": 10.0,
    }
    assert [len(actions) for actions in frame["actions"]] == [0, 0, 0, 0, 1, 0, 0, 0]


def test_a_dividend_is_in_capital_used_starting_cash_and_returns_but_not_in_pnl(
    tmp_path: Path,
) -> None:
    source = source_of(tmp_path, [10] * 8, [dividend(0.25)])

    row = backtest(source, 100).frame.iloc[EX]

    assert (row["capital_used"], row["pnl"]) == (25.0, 0.0)
    assert (row["starting_cash"], row["ending_cash"]) == (99_025.0, 99_025.0)
    assert row["portfolio_value"] == 100_025.0
    assert row["returns"] == pytest.approx(25 / 100_000, rel=1e-15)
    assert row["actions"] == [
        {
            "kind": "dividend",
            "sid": row["actions"][0]["sid"],
            "symbol": "AAA",
            "ex_date": DAYS[EX],
            "pay_date": DAYS[EX],
            "amount": 0.25,
            "shares": 100,
            "cash": 25.0,
        }
    ]


def test_a_short_owes_a_dividend_on_its_pay_date_not_its_ex_date(tmp_path: Path) -> None:
    source = source_of(tmp_path, [10] * 8, [dividend(0.5, paid=EX + 2)])

    frame = backtest(source, -100).frame

    ex_date, paid = frame.iloc[EX], frame.iloc[EX + 2]
    assert (ex_date["capital_used"], ex_date["actions"]) == (0.0, [])
    assert (paid["capital_used"], paid["pnl"]) == (-50.0, 0.0)
    assert (paid["starting_cash"], paid["ending_cash"]) == (100_950.0, 100_950.0)
    assert paid["returns"] == pytest.approx(-50 / 100_000, rel=1e-15)
    assert [(a["shares"], a["cash"], a["pay_date"]) for a in paid["actions"]] == [
        (-100, -50.0, DAYS[EX + 2])
    ]


def test_the_results_file_and_json_list_the_actions_exactly(tmp_path: Path) -> None:
    source = source_of(tmp_path, [10, 10, 10, 10, 21, 21, 21, 21], [split(0.5), dividend(0.1)])
    result = backtest(source, 101)

    written = pd.read_parquet(result.write_parquet(tmp_path / "results.parquet"))

    (entries,) = [json.loads(text) for text in written["actions"] if text != "[]"]
    assert [(e["kind"], e["cash"]) for e in entries] == [("dividend", 10.1), ("split", 10.0)]
    assert result.to_dict()["actions"] == [
        {
            "kind": "dividend",
            "symbol": "AAA",
            "ex_date": "2024-01-08",
            "pay_date": "2024-01-08",
            "amount": "0.1",
            "shares": "101",
            "cash": "10.1",
        },
        {
            "kind": "split",
            "symbol": "AAA",
            "ex_date": "2024-01-08",
            "ratio": 2.0,
            "shares": "101",
            "new_shares": "50",
            "cash": "10.0",
        },
    ]
    assert result.ending_cash == Decimal(100_000) - 1010 + Decimal("10.1") + 10


def test_a_run_without_actions_has_an_empty_actions_column(tmp_path: Path) -> None:
    result = backtest(source_of(tmp_path, [10] * 8, []), 100)

    assert result.frame["actions"].map(len).sum() == 0
    assert result.to_dict()["actions"] == []
    frame = result.frame
    assert frame["starting_cash"].tolist() == [100_000.0, *frame["ending_cash"].iloc[:-1]]


def paper_run(tmp_path: Path, name: str, duration: pd.Timedelta | None = None) -> Decimal:
    """The cash a paper session over the eight days ends with (resuming ``name``'s state)."""
    source = source_of(tmp_path, [10] * 8, [dividend(0.5, paid=EX + 2)])
    journal = Journal(tmp_path / f"{name}.sqlite")
    events = EventLogWriter(tmp_path / f"{name}.log")
    try:
        session = paper_session(
            SessionParts(
                algorithm=trader(100),
                source=source,
                config=BacktestConfig(start=DAYS[0], end=DAYS[-1]),
                journal=journal,
                events=events,
                time=ReplayClock(DAYS[0].value),
                settings=SessionSettings(duration=duration),
            ),
            SimulatedExecution(),
        )
        return session.run().cash
    finally:
        journal.close()
        events.close()


def test_a_paper_session_stopped_before_a_pay_date_pays_the_dividend_after_resuming(
    tmp_path: Path,
) -> None:
    uninterrupted = paper_run(tmp_path, "clean")

    stopped = paper_run(tmp_path, "paper", duration=pd.Timedelta(days=7))
    resumed = paper_run(tmp_path, "paper")

    assert stopped == Decimal(100_000) - 1000
    assert resumed == uninterrupted == Decimal(100_000) - 1000 + 50
