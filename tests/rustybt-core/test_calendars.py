"""Trading calendars give hand-checked sessions, opens, closes and minutes in UTC."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from rustybt.calendars import TradingCalendar, get_calendar
from rustybt.errors import ConfigError


def utc(*stamps: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(stamps, tz="UTC").as_unit("ns")


@pytest.fixture
def nyse() -> TradingCalendar:
    return get_calendar("XNYS")


def test_january_2024_skips_new_year_and_martin_luther_king_day(nyse: TradingCalendar) -> None:
    sessions = nyse.sessions("2024-01-01", "2024-01-31")
    assert sessions[0] == pd.Timestamp("2024-01-02", tz="UTC")
    assert pd.Timestamp("2024-01-15", tz="UTC") not in sessions
    assert len(sessions) == 21  # 23 weekdays less 1 Jan and 15 Jan
    assert str(sessions.dtype) == "datetime64[ns, UTC]"
    assert (sessions == sessions.normalize()).all()


def test_sessions_reach_back_to_2000(nyse: TradingCalendar) -> None:
    assert nyse.sessions("2000-01-01", "2000-01-05").equals(
        utc("2000-01-03", "2000-01-04", "2000-01-05")
    )


def test_dates_outside_the_calendar_are_a_config_error(nyse: TradingCalendar) -> None:
    with pytest.raises(ConfigError, match="outside the XNYS calendar"):
        nyse.sessions("1980-01-01", "2000-01-01")


def test_is_session_uses_the_utc_date(nyse: TradingCalendar) -> None:
    assert not nyse.is_session("2024-01-15")
    assert nyse.is_session(pd.Timestamp("2024-01-16 15:00", tz="UTC"))
    # 20:00 in New York on the holiday is already 16 January in UTC.
    assert nyse.is_session(pd.Timestamp("2024-01-15 20:00", tz="America/New_York"))


def test_aliases_resolve_to_one_cached_calendar() -> None:
    assert get_calendar("NYSE") is get_calendar("XNYS") is get_calendar("xnys")
    assert get_calendar("NYSE").name == "XNYS"
    assert get_calendar("NYSE").periods_per_year == 252
    assert not get_calendar("NYSE").always_open


def test_unknown_calendar_names_valid_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown trading calendar 'MOON'.*XNYS.*'24/7'"):
        get_calendar("MOON")


def test_opens_and_closes_follow_daylight_saving_and_half_days(nyse: TradingCalendar) -> None:
    opens, closes = nyse.opens_and_closes(utc("2024-01-02", "2024-07-01", "2024-11-29"))
    assert opens.equals(
        utc("2024-01-02 14:30", "2024-07-01 13:30", "2024-11-29 14:30").rename("open")
    )
    assert closes.equals(
        utc("2024-01-02 21:00", "2024-07-01 20:00", "2024-11-29 18:00").rename("close")
    )


def test_early_closes_flags_the_day_after_thanksgiving(nyse: TradingCalendar) -> None:
    flags = nyse.early_closes(utc("2024-11-27", "2024-11-29", "2024-12-02"))
    assert flags.tolist() == [False, True, False]


def test_labels_in_another_zone_or_unit_name_the_same_sessions(nyse: TradingCalendar) -> None:
    labels = utc("2024-01-02", "2024-11-29")
    expected = nyse.opens_and_closes(labels)
    for variant in (labels.as_unit("s"), labels.tz_localize(None), labels.tz_convert("Asia/Tokyo")):
        opens, closes = nyse.opens_and_closes(variant)
        assert opens.equals(expected[0]) and closes.equals(expected[1])
        assert nyse.early_closes(variant).tolist() == [False, True]


def test_a_label_that_is_not_a_session_is_refused(nyse: TradingCalendar) -> None:
    with pytest.raises(ConfigError, match="not XNYS sessions, first 2024-01-15"):
        nyse.opens_and_closes(utc("2024-01-12", "2024-01-15"))


def test_minutes_are_labelled_by_their_open_time(nyse: TradingCalendar) -> None:
    minutes, session_index = nyse.minutes_and_session_index(utc("2024-01-02", "2024-07-01"))
    winter, summer = minutes[session_index == 0], minutes[session_index == 1]
    assert len(winter) == len(summer) == 390
    assert (winter[0], winter[-1]) == (
        pd.Timestamp("2024-01-02 14:30", tz="UTC"),
        pd.Timestamp("2024-01-02 20:59", tz="UTC"),
    )
    assert summer[0] == pd.Timestamp("2024-07-01 13:30", tz="UTC")
    assert (np.diff(session_index) >= 0).all()


def test_a_half_day_has_210_minutes(nyse: TradingCalendar) -> None:
    minutes, _ = nyse.minutes_and_session_index(utc("2024-11-29"))
    assert len(minutes) == 210
    assert minutes[-1] == pd.Timestamp("2024-11-29 17:59", tz="UTC")


def test_lunch_break_minutes_are_left_out() -> None:
    # Hong Kong trades 09:30-12:00 and 13:00-16:00 HKT, i.e. 01:30-04:00 and 05:00-08:00 UTC.
    minutes, _ = get_calendar("XHKG").minutes_and_session_index(utc("2024-01-02"))
    assert len(minutes) == 150 + 180
    assert pd.Timestamp("2024-01-02 03:59", tz="UTC") in minutes
    assert pd.Timestamp("2024-01-02 04:00", tz="UTC") not in minutes
    assert pd.Timestamp("2024-01-02 05:00", tz="UTC") in minutes


def test_a_year_of_minutes_builds_in_well_under_a_second(nyse: TradingCalendar) -> None:
    sessions = nyse.sessions("2024-01-01", "2024-12-31")
    started = time.perf_counter()
    minutes, session_index = nyse.minutes_and_session_index(sessions)
    assert time.perf_counter() - started < 0.5
    # 252 sessions, three of them half days of 210 minutes.
    assert len(minutes) == 249 * 390 + 3 * 210
    assert session_index[-1] == len(sessions) - 1


@pytest.mark.parametrize("name", ["24/7", "always_open", "CRYPTO"])
def test_always_open_names_select_one_calendar(name: str) -> None:
    calendar = get_calendar(name)
    assert calendar is get_calendar("24/7")
    assert calendar.always_open
    assert calendar.periods_per_year == 365


def test_always_open_sessions_are_whole_utc_days() -> None:
    always = get_calendar("24/7")
    assert len(always.sessions("2024-01-01", "2024-12-31")) == 366
    opens, closes = always.opens_and_closes(utc("2024-03-10"))
    assert (opens[0], closes[0]) == (
        pd.Timestamp("2024-03-10", tz="UTC"),
        pd.Timestamp("2024-03-11", tz="UTC"),
    )
    minutes, _ = always.minutes_and_session_index(utc("2024-03-10"))
    assert len(minutes) == 1440
    assert minutes[-1] == pd.Timestamp("2024-03-10 23:59", tz="UTC")
