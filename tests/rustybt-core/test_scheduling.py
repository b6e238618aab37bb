"""Schedule rules pick the same sessions and times as Zipline's date_rules and time_rules."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pandas as pd
import pytest
from rustybt.calendars import get_calendar
from rustybt.scheduling import AfterOpen, BeforeClose, DateRule, date_rules, time_rules

NYSE = get_calendar("XNYS")


def fired(rule: DateRule, start: str, end: str) -> list[str]:
    sessions = NYSE.sessions(start, end)
    return [f"{day:%Y-%m-%d}" for day in sessions[rule.session_mask(sessions)]]


def test_every_day_fires_on_every_session() -> None:
    assert fired(date_rules.every_day(), "2024-01-12", "2024-01-17") == [
        "2024-01-12",
        "2024-01-16",
        "2024-01-17",
    ]


def test_week_start_counts_sessions_not_weekdays_after_a_monday_holiday() -> None:
    # 15 January 2024 (Martin Luther King day) is closed: the week starts on Tuesday.
    assert fired(date_rules.week_start(), "2024-01-15", "2024-01-19") == ["2024-01-16"]
    assert fired(date_rules.week_start(days_offset=1), "2024-01-15", "2024-01-19") == ["2024-01-17"]


def test_week_end_counts_back_from_the_last_session() -> None:
    # Thanksgiving week 2024: Thursday closed, Friday a half day.
    assert fired(date_rules.week_end(), "2024-11-25", "2024-11-29") == ["2024-11-29"]
    assert fired(date_rules.week_end(days_offset=1), "2024-11-25", "2024-11-29") == ["2024-11-27"]


def test_an_offset_beyond_a_short_week_skips_that_week() -> None:
    # 1-5 January 2024 has four sessions, so a fifth session never comes.
    assert fired(date_rules.week_start(days_offset=4), "2024-01-01", "2024-01-12") == ["2024-01-12"]


def test_a_week_spanning_new_year_is_one_week() -> None:
    # Monday 30 December 2024 to Friday 3 January 2025, with 1 January closed.
    assert fired(date_rules.week_start(days_offset=2), "2024-12-30", "2025-01-03") == ["2025-01-02"]


def test_month_end_with_offset_one_is_the_second_to_last_session() -> None:
    # March 2024 ends on Good Friday (closed), so its last session is Thursday the 28th.
    assert fired(date_rules.month_end(days_offset=1), "2024-01-01", "2024-03-31") == [
        "2024-01-30",
        "2024-02-28",
        "2024-03-27",
    ]


def test_month_start_skips_new_year() -> None:
    assert fired(date_rules.month_start(), "2024-01-01", "2024-02-29") == [
        "2024-01-02",
        "2024-02-01",
    ]


def test_periods_are_judged_by_the_sessions_given() -> None:
    # Starting on Wednesday 3 January, that Wednesday is the first session seen that week.
    assert fired(date_rules.week_start(), "2024-01-03", "2024-01-10") == [
        "2024-01-03",
        "2024-01-08",
    ]


@pytest.mark.parametrize(
    ("make_rule", "message"),
    [
        (lambda: date_rules.week_start(days_offset=5), "between 0 and 4 for week rules, got 5"),
        (lambda: date_rules.week_end(days_offset=-1), "between 0 and 4 for week rules, got -1"),
        (lambda: date_rules.month_end(days_offset=23), "between 0 and 22 for month rules"),
    ],
)
def test_offsets_outside_zipline_ranges_are_refused(
    make_rule: Callable[[], DateRule], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_rule()


def test_the_largest_month_offset_is_allowed() -> None:
    assert fired(date_rules.month_start(days_offset=22), "2024-01-01", "2024-01-31") == []


def fire_time(rule: AfterOpen | BeforeClose, session: str) -> pd.Timestamp:
    opens, closes = NYSE.opens_and_closes(pd.DatetimeIndex([session], tz="UTC"))
    return rule.fire_times(opens, closes)[0]


def test_market_open_defaults_to_the_close_of_the_first_bar() -> None:
    assert fire_time(time_rules.market_open(), "2024-01-02") == pd.Timestamp(
        "2024-01-02 14:31", tz="UTC"
    )


def test_market_open_one_hour_fires_an_hour_after_the_open() -> None:
    expected = pd.Timestamp("2024-07-01 14:30", tz="UTC")  # 10:30 in New York
    assert fire_time(time_rules.market_open(hours=1), "2024-07-01") == expected
    assert fire_time(time_rules.market_open(minutes=60), "2024-07-01") == expected
    assert (
        fire_time(time_rules.market_open(offset=datetime.timedelta(hours=1)), "2024-07-01")
        == expected
    )


def test_market_close_fires_one_minute_before_a_half_day_close() -> None:
    assert fire_time(time_rules.market_close(), "2024-11-29") == pd.Timestamp(
        "2024-11-29 17:59", tz="UTC"
    )
    assert fire_time(time_rules.market_close(minutes=5), "2024-01-02") == pd.Timestamp(
        "2024-01-02 20:55", tz="UTC"
    )


def test_fire_times_are_minute_bar_closes() -> None:
    minutes, _ = NYSE.minutes_and_session_index(pd.DatetimeIndex(["2024-01-02"], tz="UTC"))
    bar_closes = minutes + pd.Timedelta(minutes=1)
    for rule in (time_rules.market_open(), time_rules.market_close()):
        assert fire_time(rule, "2024-01-02") in bar_closes


def test_every_minute_is_flagged_for_the_engine() -> None:
    assert time_rules.every_minute().every_minute
    assert not time_rules.market_open().every_minute
    assert not time_rules.market_close().every_minute


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"offset": datetime.timedelta(minutes=5), "minutes": 5}, "not both"),
        ({"minutes": 0}, "positive whole number of minutes"),
        ({"offset": datetime.timedelta(seconds=90)}, "positive whole number of minutes"),
        ({"hours": -1}, "positive whole number of minutes"),
    ],
)
def test_bad_offsets_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        time_rules.market_open(**kwargs)
