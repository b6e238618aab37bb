"""A scheduled function runs at most once per zipline "day" (its ``OncePerDay`` rule): a day
lasts 24 hours from the bar that began it. In a daily run an early close less than 24 hours
after a session on which the function ran belongs to that session's day and does not run it;
in a minute run days begin at each session's first minute, so only a rule firing at every
minute loses bars."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import date_rules, get_datetime, schedule_function, symbol, time_rules
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar
from rustybt.scheduling import once_per_day

NYSE = get_calendar("XNYS")


def daily_runs(start: str, end: str) -> list[str]:
    """The sessions from ``start`` to ``end`` on which an every-day function runs in a daily
    run (its bars are the sessions' closes)."""
    sessions = NYSE.sessions(start, end)
    _, closes = NYSE.opens_and_closes(sessions)
    every_session = np.arange(len(sessions), dtype=np.int64)
    ran = once_per_day(every_session, closes.asi8, first_checked=0)
    return [f"{day:%Y-%m-%d}" for day in sessions[ran]]


def test_a_half_day_right_after_a_session_is_that_session_s_day() -> None:
    # 2012-07-03 closes at 13:00 New York, 21 hours after 2012-07-02's close.
    assert daily_runs("2012-07-02", "2012-07-06") == ["2012-07-02", "2012-07-05", "2012-07-06"]


def test_a_half_day_after_a_holiday_or_a_weekend_runs() -> None:
    assert daily_runs("2012-11-21", "2012-11-26") == ["2012-11-21", "2012-11-23", "2012-11-26"]
    assert daily_runs("2012-12-21", "2012-12-26") == ["2012-12-21", "2012-12-24", "2012-12-26"]


def test_a_half_day_runs_when_the_session_before_did_not_run_the_function() -> None:
    sessions = NYSE.sessions("2012-07-02", "2012-07-06")
    _, closes = NYSE.opens_and_closes(sessions)
    only_the_half_day = np.array([1], dtype=np.int64)

    assert once_per_day(only_the_half_day, closes.asi8, first_checked=0).tolist() == [1]


def minute_runs(rule_minutes: Callable[[pd.DatetimeIndex], np.ndarray]) -> list[str]:
    """The minute bars (their closes) at which a function runs over 2012-07-02..06, its
    rules picking the bars ``rule_minutes`` gives (of each session's minute closes)."""
    sessions = NYSE.sessions("2012-07-02", "2012-07-06")
    minutes, _ = NYSE.minutes_and_session_index(sessions)
    closes = minutes + pd.Timedelta(minutes=1)
    ran = once_per_day(rule_minutes(closes), closes.asi8, first_checked=0)
    return [f"{minute:%m-%d %H:%M}" for minute in closes[ran]]


def test_minute_rules_keep_their_one_bar_a_session_half_days_included() -> None:
    def before_close(closes: pd.DatetimeIndex) -> np.ndarray:
        _, session_closes = NYSE.opens_and_closes(NYSE.sessions("2012-07-02", "2012-07-06"))
        wanted = session_closes - pd.Timedelta(minutes=1)
        return np.flatnonzero(closes.isin(wanted)).astype(np.int64)

    assert minute_runs(before_close) == [
        "07-02 19:59",
        "07-03 16:59",
        "07-05 19:59",
        "07-06 19:59",
    ]


def test_a_rule_firing_every_minute_runs_once_a_session_at_its_first_minute() -> None:
    def every_minute(closes: pd.DatetimeIndex) -> np.ndarray:
        return np.arange(len(closes), dtype=np.int64)

    assert minute_runs(every_minute) == ["07-02 13:31", "07-03 13:31", "07-05 13:31", "07-06 13:31"]


def write_bars(folder: Path, sessions: pd.DatetimeIndex) -> Path:
    pd.DataFrame(
        {
            "date": sessions.strftime("%Y-%m-%d"),
            **dict.fromkeys(("open", "high", "low", "close"), 10.0),
            "volume": 1000,
        }
    ).to_csv(folder / "AAA.csv", index=False)
    return folder


def test_a_daily_backtest_skips_the_half_day_but_handle_data_sees_it(tmp_path: Path) -> None:
    scheduled: list[str] = []
    handled: list[str] = []

    def initialize(context: object) -> None:
        symbol("AAA")
        schedule_function(
            lambda context, data: scheduled.append(f"{get_datetime():%m-%d}"),
            date_rules.every_day(),
            time_rules.market_open(),
        )

    def handle_data(context: object, data: object) -> None:
        handled.append(f"{get_datetime():%m-%d}")

    run_backtest(
        TradingAlgorithm(initialize=initialize, handle_data=handle_data),
        start="2012-07-02",
        end="2012-07-06",
        source="files",
        data_dir=write_bars(tmp_path, NYSE.sessions("2012-06-01", "2012-07-06")),
    )

    assert handled == ["07-02", "07-03", "07-05", "07-06"]
    assert scheduled == ["07-02", "07-05", "07-06"]


def test_a_minute_backtest_runs_an_every_minute_function_once_a_session(tmp_path: Path) -> None:
    minutes, _ = NYSE.minutes_and_session_index(NYSE.sessions("2012-07-02", "2012-07-05"))
    pd.DataFrame(
        {
            "timestamp": minutes,
            **dict.fromkeys(("open", "high", "low", "close"), 10.0),
            "volume": 1000.0,
        }
    ).to_parquet(tmp_path / "AAA.parquet")
    ran: list[str] = []

    def initialize(context: object) -> None:
        symbol("AAA")
        schedule_function(
            lambda context, data: ran.append(f"{get_datetime():%m-%d %H:%M}"),
            date_rules.every_day(),
            time_rules.every_minute(),
        )

    run_backtest(
        TradingAlgorithm(initialize=initialize),
        start="2012-07-02",
        end="2012-07-05",
        data_frequency="minute",
        source="files",
        data_dir=tmp_path,
    )

    assert ran == ["07-02 13:31", "07-03 13:31", "07-05 13:31"]
