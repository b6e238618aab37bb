"""A backtest closes the positions in an asset whose stored data ends before the run does, as
zipline closes them on a csvdir bundle's ``auto_close_date`` (the day after the last bar): at
the end of the first session after the last bar, at the last price, without an order or a
commission; that asset's open orders are cancelled then. A paper session, whose broker holds
the positions, closes nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import LimitOrder, get_open_orders, order, record, symbol
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar
from rustybt.data.file_source import FileDataSource
from rustybt.engine import BacktestConfig
from rustybt.engine.clock import ReplayClock
from rustybt.engine.simulated_execution import SimulatedExecution
from rustybt.live import SessionParts, SessionSettings, paper_session
from rustybt.live.journal import Journal
from rustybt.operations.event_log import EventLogWriter

DAYS = get_calendar("XNYS").sessions("2024-01-02", "2024-01-16")
"""Tuesday 2024-01-02 to Tuesday 2024-01-16 (Martin Luther King day closed)."""
GONE_CLOSES = [20.0, 20.5, 21.25, 21.0, 21.375]
"""GONE trades the first five sessions, up to Monday 2024-01-08."""
SHORT_CLOSES = [50.0, 49.5, 49.0, 48.5, 48.25, 48.125]
"""BYE trades one session longer, to Tuesday 2024-01-09."""


def trader(context: object, data: object) -> None:
    """Buys 10 GONE and shorts 4 BYE on the first bar, rests a limit buy of GONE far below
    the market on the second; records its open orders each bar."""
    gone, bye = symbol("GONE"), symbol("BYE")
    if not context.placed:  # type: ignore[attr-defined]
        order(gone, 10)
        order(bye, -4)
        context.placed = True  # type: ignore[attr-defined]
    elif not context.resting:  # type: ignore[attr-defined]
        context.resting = order(gone, 5, style=LimitOrder(1.0))  # type: ignore[attr-defined]
    record(open_orders=len(get_open_orders()))


def setup(context: object) -> None:
    context.placed = False  # type: ignore[attr-defined]
    context.resting = None  # type: ignore[attr-defined]
    symbol("GONE")
    symbol("BYE")
    symbol("KEEP")


@pytest.fixture
def data_dir(bar_dir: Callable[..., Path]) -> Path:
    bar_dir("GONE", GONE_CLOSES)
    bar_dir("BYE", SHORT_CLOSES)
    return bar_dir("KEEP", [10.0] * len(DAYS))


@pytest.fixture
def frame(data_dir: Path) -> pd.DataFrame:
    result = run_backtest(
        TradingAlgorithm(initialize=setup, handle_data=trader),
        start=DAYS[0],
        end=DAYS[-1],
        source="files",
        data_dir=data_dir,
    )
    return result.frame


def on(frame: pd.DataFrame, day: str, column: str) -> object:
    return frame[column].iloc[list(DAYS.strftime("%Y-%m-%d")).index(day)]


def held(frame: pd.DataFrame, day: str) -> dict[str, float]:
    return {p["symbol"]: p["amount"] for p in on(frame, day, "positions")}


def test_a_long_position_is_sold_at_the_last_close_the_session_after_the_last_bar(
    frame: pd.DataFrame,
) -> None:
    closing = [t for t in on(frame, "2024-01-09", "transactions") if t["symbol"] == "GONE"]

    assert closing == [
        {
            "sid": closing[0]["sid"],
            "symbol": "GONE",
            "amount": -10,
            "price": 21.375,
            "commission": 0.0,
            "dt": pd.Timestamp("2024-01-09 21:00", tz="UTC"),
            "order_id": None,
        }
    ]
    assert held(frame, "2024-01-08")["GONE"] == 10
    assert "GONE" not in held(frame, "2024-01-09")


def test_a_short_position_is_bought_back_after_its_own_last_bar(frame: pd.DataFrame) -> None:
    bought_back = [t for t in on(frame, "2024-01-10", "transactions") if t["symbol"] == "BYE"]

    assert [(t["amount"], t["price"], t["order_id"]) for t in bought_back] == [(4, 48.125, None)]
    assert held(frame, "2024-01-09")["BYE"] == -4
    assert held(frame, "2024-01-10") == {}


def test_the_close_moves_cash_by_its_value_and_leaves_the_portfolio_value_alone(
    frame: pd.DataFrame,
) -> None:
    assert on(frame, "2024-01-09", "capital_used") == 10 * 21.375
    assert on(frame, "2024-01-10", "capital_used") == -4 * 48.125
    # GONE is sold at the price it was valued at: only the short's last move is P&L.
    assert on(frame, "2024-01-09", "pnl") == pytest.approx(4 * (48.25 - 48.125))
    assert on(frame, "2024-01-10", "pnl") == 0.0
    for _, row in frame.iterrows():
        assert row["portfolio_value"] == pytest.approx(
            row["ending_cash"] + row["positions_value"], abs=1e-9
        )
    assert frame["positions_value"].iloc[-1] == 0.0


def test_the_ended_asset_s_open_orders_are_cancelled_with_the_close(frame: pd.DataFrame) -> None:
    cancelled = [o for o in on(frame, "2024-01-09", "orders") if o["symbol"] == "GONE"]

    assert [(o["amount"], o["limit"], o["status"]) for o in cancelled] == [(5, 1.0, 2)]
    assert on(frame, "2024-01-08", "open_orders") == 1
    assert on(frame, "2024-01-10", "open_orders") == 0


def test_an_asset_whose_data_lasts_the_run_is_never_closed(frame: pd.DataFrame) -> None:
    closes = [t for day in frame["transactions"] for t in day if t["order_id"] is None]

    assert sorted(t["symbol"] for t in closes) == ["BYE", "GONE"]


def test_a_paper_session_keeps_positions_whose_bars_stop(tmp_path: Path, data_dir: Path) -> None:
    journal = Journal(tmp_path / "paper.sqlite")
    events = EventLogWriter(tmp_path / "paper.log")
    try:
        session = paper_session(
            SessionParts(
                algorithm=TradingAlgorithm(initialize=setup, handle_data=trader),
                source=FileDataSource(data_dir=data_dir),
                config=BacktestConfig(start=DAYS[0], end=DAYS[-1]),
                journal=journal,
                events=events,
                time=ReplayClock(DAYS[0].value),
                settings=SessionSettings(),
            ),
            SimulatedExecution(),
        )
        summary = session.run()
    finally:
        journal.close()
        events.close()

    assert summary.positions == {"BYE": Decimal(-4), "GONE": Decimal(10)}


def test_on_a_24_7_calendar_the_close_comes_at_the_end_of_the_last_bar_s_own_day(
    tmp_path: Path,
) -> None:
    # Each 24/7 session closes at the midnight ending it, which is already the day after
    # the last bar: zipline's auto-close date. A pair trading to the run's end stays held.
    for pair, last in (("BTC-USDT", "2024-01-10"), ("ETH-USDT", "2024-01-05")):
        days = pd.date_range("2024-01-01", last)
        pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                **dict.fromkeys(("open", "high", "low", "close"), 100.0),
                "volume": 1000.0,
            }
        ).to_csv(tmp_path / f"{pair}.csv", index=False)

    def buy_once(context: object, data: object) -> None:
        if not context.portfolio.positions:  # type: ignore[attr-defined]
            order(symbol("BTC/USDT"), 1)
            order(symbol("ETH/USDT"), 1)

    result = run_backtest(
        TradingAlgorithm(handle_data=buy_once),
        start="2024-01-01",
        end="2024-01-10",
        source="files",
        data_dir=tmp_path,
        trading_calendar="24/7",
    )

    closes = [t for t in result.transactions if t.order_id is None]
    assert [(t.asset.symbol, t.amount, t.dt) for t in closes] == [
        ("ETH/USDT", -1, pd.Timestamp("2024-01-06", tz="UTC"))
    ]
    assert [p["symbol"] for p in result.frame["positions"].iloc[-1]] == ["BTC/USDT"]


def test_an_order_for_an_asset_past_its_last_bar_is_refused_with_a_warning(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    placed: dict[str, object] = {}

    def order_gone_every_day(context: object, data: object) -> None:
        day = str(data.current_session.date())  # type: ignore[attr-defined]
        placed[day] = order(symbol("GONE"), 1)

    with caplog.at_level("WARNING", logger="rustybt.algorithm"):
        run_backtest(
            TradingAlgorithm(initialize=setup, handle_data=order_gone_every_day),
            start=DAYS[0],
            end=DAYS[-1],
            source="files",
            data_dir=data_dir,
        )

    # GONE's last bar is Monday 2024-01-08: orders up to that session are placed, none after.
    assert all(placed[day] is not None for day in ("2024-01-02", "2024-01-08"))
    assert [day for day, order_id in placed.items() if order_id is None] == [
        d for d in DAYS.strftime("%Y-%m-%d") if d > "2024-01-08"
    ]
    assert "no order placed: the data of GONE ended on 2024-01-08" in caplog.text
