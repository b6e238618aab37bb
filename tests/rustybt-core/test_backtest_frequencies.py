"""Minute bars and the 24/7 calendar run through the same engine as daily equities."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import (
    EODCancel,
    get_datetime,
    order,
    schedule_function,
    set_cancel_policy,
    symbol,
    time_rules,
)
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar
from rustybt.finance.order import ORDER_STATUS


def write_minutes(directory: Path, symbol_name: str, minutes: pd.DatetimeIndex) -> None:
    closes = 100 + np.arange(len(minutes)) * 0.01
    pd.DataFrame(
        {
            "timestamp": minutes,
            "open": closes,
            "high": closes + 0.05,
            "low": closes - 0.05,
            "close": closes,
            "volume": 1000.0,
        }
    ).to_parquet(directory / f"{symbol_name}.parquet")


def test_minute_bars_fill_on_the_next_minute_and_time_rules_pick_the_minute(tmp_path: Path) -> None:
    calendar = get_calendar("XNYS")
    sessions = calendar.sessions("2024-01-02", "2024-01-03")
    minutes, _ = calendar.minutes_and_session_index(sessions)
    write_minutes(tmp_path, "AAA", minutes)
    fired = []

    def initialize(context):
        context.asset = symbol("AAA")
        schedule_function(buy, time_rule=time_rules.market_open(minutes=30))

    def buy(context, data):
        fired.append(get_datetime())
        order(context.asset, 5)

    result = run_backtest(
        TradingAlgorithm(initialize=initialize),
        start="2024-01-02",
        end="2024-01-03",
        data_frequency="minute",
        source="files",
        data_dir=tmp_path,
    )
    # 30 minutes after the 14:30 UTC open; the algorithm's clock is the bar's close time.
    assert fired == [
        pd.Timestamp("2024-01-02 15:00", tz="UTC"),
        pd.Timestamp("2024-01-03 15:00", tz="UTC"),
    ]
    first = result.transactions[0]
    assert first.dt == pd.Timestamp("2024-01-02 15:01", tz="UTC")
    # The next minute bar (14:30 + 30) closes at 100 + 30 × 0.01; plus 5 bp of slippage.
    assert first.price == Decimal("100.30") * Decimal("1.0005")  # unrounded, as zipline
    assert len(result.frame) == 2


def test_a_crypto_pair_trades_every_day_on_the_24_7_calendar(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", "2024-01-10", tz="UTC")
    closes = np.linspace(40_000, 45_000, len(days))
    pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "open": closes,
            "high": closes * 1.01,
            "low": closes * 0.99,
            "close": closes,
            "volume": 1000.0,
        }
    ).to_csv(tmp_path / "BTC-USDT.csv", index=False)

    def initialize(context):
        context.pair = symbol("BTC/USDT")

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(context.pair, 0.123456789)

    result = run_backtest(
        TradingAlgorithm(initialize=initialize, handle_data=handle_data),
        start="2024-01-01",
        end="2024-01-10",
        source="files",
        data_dir=tmp_path,
        trading_calendar="24/7",
    )
    assert len(result.frame) == 10  # Saturday and Sunday included
    [fill] = result.transactions
    assert fill.amount == Decimal("0.12345678")  # rounded toward zero to the 1e-8 lot
    # Filled on the second day's bar, stamped with its close: midnight UTC ending the day.
    assert fill.dt == pd.Timestamp("2024-01-03", tz="UTC")


def test_eod_cancel_cancels_what_is_open_after_the_last_minute(tmp_path: Path) -> None:
    calendar = get_calendar("XNYS")
    minutes, _ = calendar.minutes_and_session_index(calendar.sessions("2024-01-02", "2024-01-03"))
    write_minutes(tmp_path, "AAA", minutes)

    def initialize(context):
        context.asset = symbol("AAA")
        set_cancel_policy(EODCancel())
        schedule_function(buy, time_rule=time_rules.market_close(minutes=1))

    def buy(context, data):
        if not context.portfolio.positions:
            order(context.asset, 5, limit_price=50)  # far below the market: never fills

    result = run_backtest(
        TradingAlgorithm(initialize=initialize),
        start="2024-01-02",
        end="2024-01-03",
        data_frequency="minute",
        source="files",
        data_dir=tmp_path,
    )
    statuses = [o["status"] for day in result.frame["orders"] for o in day]
    assert not result.transactions
    assert statuses.count(ORDER_STATUS.CANCELLED) == 2  # each day's order, at that day's close


def test_daily_history_in_a_minute_run_rolls_minutes_into_sessions(tmp_path: Path) -> None:
    calendar = get_calendar("XNYS")
    minutes, _ = calendar.minutes_and_session_index(calendar.sessions("2024-01-02", "2024-01-03"))
    write_minutes(tmp_path, "AAA", minutes)
    windows = []

    def initialize(context):
        context.asset = symbol("AAA")
        schedule_function(look, time_rule=time_rules.market_open(minutes=10))

    def look(context, data):
        windows.append(data.history(context.asset, ["open", "close", "volume"], 2, "1d"))

    run_backtest(
        TradingAlgorithm(initialize=initialize),
        start="2024-01-03",
        end="2024-01-03",
        data_frequency="minute",
        source="files",
        data_dir=tmp_path,
    )
    [window] = windows
    # 2024-01-02: 390 minutes, closes 100.00 .. 103.89; on 2024-01-03 the session so far is
    # its first 10 minutes (closes 103.90 .. 103.99).
    assert window["open"].round(2).tolist() == [100.0, 103.9]
    assert window["close"].round(2).tolist() == [103.89, 103.99]
    assert window["volume"].tolist() == [390_000, 10_000]
