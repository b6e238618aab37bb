"""The yfinance source driving the real yfinance library over HTTP against the fake Yahoo."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from rustybt.data.actions import has_actions
from rustybt.data.schema import BAR_COLUMNS
from rustybt.data.source import NoBarsError
from rustybt.errors import DataError
from rustybt_yfinance.request_policy import RequestPolicy
from rustybt_yfinance.source import YFinanceSource
from rustybt_yfinance.testing import Fault, generated_bar

JAN_2 = pd.Timestamp("2024-01-02", tz="UTC")
JAN_31 = pd.Timestamp("2024-01-31", tz="UTC")


def recent_weekdays(count: int) -> pd.DatetimeIndex:
    """The last ``count`` complete weekdays (UTC dates), oldest first."""
    today = pd.Timestamp.now(tz="UTC").normalize()
    days = pd.bdate_range(end=today - pd.Timedelta(days=1), periods=count, tz="UTC")
    return days


def test_one_symbol_daily_bars_are_the_served_bars_in_the_canonical_schema(yahoo, fake_yahoo):
    bars = yahoo.fetch_bars(["AAPL"], JAN_2, JAN_31, "1d")

    assert tuple(bars.columns) == BAR_COLUMNS
    assert len(bars) == 22  # weekdays from Jan 2 to Jan 31, 2024
    assert bars["timestamp"].iloc[0] == JAN_2 and bars["timestamp"].iloc[-1] == JAN_31
    opens_at = int(pd.Timestamp("2024-01-02 09:30", tz="America/New_York").timestamp())
    served = generated_bar("AAPL", opens_at)  # no split since: the traded prices
    assert bars["close"].iloc[0] == pytest.approx(served["close"])
    assert bars["open"].iloc[0] == pytest.approx(served["open"])
    assert bars["volume"].iloc[0] == served["volume"]


def test_yahoo_unadjusted_prices_are_a_separate_source_without_actions(fake_yahoo, plugin_registry):
    raw = plugin_registry.data_source("yfinance-raw")
    bars = raw.fetch_bars(["AAPL"], JAN_2, JAN_2, "1d")

    opens_at = int(pd.Timestamp("2024-01-02 09:30", tz="America/New_York").timestamp())
    assert bars["close"].iloc[0] == pytest.approx(generated_bar("AAPL", opens_at)["close"])
    assert raw.name == "yfinance-raw" and not has_actions(raw)
    assert has_actions(plugin_registry.data_source("yfinance"))


def test_several_symbols_come_sorted_by_symbol_then_time(yahoo):
    bars = yahoo.fetch_bars(["SPY", "AAPL"], JAN_2, pd.Timestamp("2024-01-05", tz="UTC"), "1d")
    assert list(bars["symbol"]) == ["AAPL"] * 4 + ["SPY"] * 4
    assert bars.groupby("symbol")["timestamp"].is_monotonic_increasing.all()


def test_the_range_is_inclusive_and_requests_go_through_the_yahoo_hosts(yahoo, fake_yahoo):
    start, end = pd.Timestamp("2024-03-04", tz="UTC"), pd.Timestamp("2024-03-08", tz="UTC")
    bars = yahoo.fetch_bars(["MSFT"], start, end, "1d")

    assert list(bars["timestamp"]) == list(pd.date_range(start, end, tz="UTC"))
    hosts = {r.host for r in fake_yahoo.requests}
    assert {"fc.yahoo.com", "query1.finance.yahoo.com", "query2.finance.yahoo.com"} <= hosts
    assert all(r.query.get("crumb") == "fAkEcRuMb0x" for r in fake_yahoo.chart_requests())


def test_intraday_bars_are_stamped_in_utc_when_their_interval_opens(yahoo):
    day = recent_weekdays(2)[0]
    bars = yahoo.fetch_bars(["AAPL"], day, day + pd.Timedelta(hours=23), "5m")

    assert len(bars) == 78  # 09:30 to 15:55 New York time
    first = pd.Timestamp(f"{day.date()} 09:30", tz="America/New_York").tz_convert("UTC")
    assert bars["timestamp"].iloc[0] == first
    assert (bars["timestamp"].diff().dropna() == pd.Timedelta(minutes=5)).all()


def test_hourly_bars_and_their_history_limit(yahoo):
    day = recent_weekdays(1)[0]
    assert len(yahoo.fetch_bars(["SPY"], day, day + pd.Timedelta(hours=23), "1h")) == 7
    with pytest.raises(DataError, match="keeps 5m bars for the last 60 days only"):
        yahoo.fetch_bars(["SPY"], JAN_2, JAN_31, "5m")


def test_an_unsupported_frequency_is_a_data_error(yahoo):
    with pytest.raises(DataError, match="no 2h bars"):
        yahoo.fetch_bars(["SPY"], JAN_2, JAN_31, "2h")


def test_an_unknown_symbol_is_a_data_error_naming_it(yahoo):
    with pytest.raises(DataError, match="unknown symbol 'NOPE' on Yahoo Finance"):
        yahoo.fetch_bars(["NOPE"], JAN_2, JAN_31, "1d")


def test_a_range_without_bars_is_an_error_not_an_empty_frame(yahoo):
    saturday, sunday = pd.Timestamp("2024-01-06", tz="UTC"), pd.Timestamp("2024-01-07", tz="UTC")
    with pytest.raises(NoBarsError, match="no 1d bars of AAPL"):
        yahoo.fetch_bars(["AAPL"], saturday, sunday, "1d")


def test_rate_limiting_is_retried_then_succeeds(yahoo, fake_yahoo):
    fake_yahoo.fail_next(Fault.RATE_LIMIT, times=2)  # yfinance itself retries once

    bars = yahoo.fetch_bars(["AAPL"], JAN_2, JAN_31, "1d")

    assert len(bars) == 22
    assert [r.status for r in fake_yahoo.chart_requests()][:3] == [429, 429, 200]


def test_persistent_rate_limiting_fails_clearly_after_bounded_attempts(yahoo, fake_yahoo):
    fake_yahoo.fail_next(Fault.RATE_LIMIT, times=100)

    with pytest.raises(
        DataError, match=r"rate-limited the request for AAPL \(HTTP 429, 3 attempts\)"
    ):
        yahoo.fetch_bars(["AAPL"], JAN_2, JAN_31, "1d")

    assert len(fake_yahoo.chart_requests()) == 6  # 3 attempts, each retried once by yfinance


def test_a_hanging_server_times_out_within_the_configured_timeout(fake_yahoo):
    policy = RequestPolicy(timeout=0.5, attempts=2, backoff=0.01, max_backoff=0.01)
    fake_yahoo.fail_next(Fault.HANG, times=2)

    began = time.monotonic()
    with pytest.raises(DataError, match=r"did not answer the request for AAPL within 0.5 s"):
        YFinanceSource(policy=policy).fetch_bars(["AAPL"], JAN_2, JAN_31, "1d")

    assert time.monotonic() - began < 2 * 0.5 + 1.0
    assert [r.status for r in fake_yahoo.chart_requests()] == [0, 0]  # asked twice, no answer


def test_malformed_json_is_a_data_error_naming_the_symbol(yahoo, fake_yahoo):
    fake_yahoo.fail_next(Fault.MALFORMED)
    with pytest.raises(DataError, match="malformed data for MSFT"):
        yahoo.fetch_bars(["MSFT"], JAN_2, JAN_31, "1d")


def test_latest_bars_are_the_last_complete_bar_of_each_symbol(yahoo):
    bars = yahoo.latest_bars(["SPY", "AAPL"], "1d")

    assert list(bars["symbol"]) == ["AAPL", "SPY"]
    assert (bars["timestamp"] + pd.Timedelta(days=1) <= pd.Timestamp.now(tz="UTC")).all()
    assert (bars["timestamp"] == recent_weekdays(1)[0]).all()


def test_minute_bars_are_asked_for_a_week_at_a_time(yahoo, fake_yahoo):
    days = recent_weekdays(8)
    bars = yahoo.fetch_bars(["SPY"], days[0], days[-1] + pd.Timedelta(hours=23), "1m")

    assert len(bars) == 8 * 390 and bars["timestamp"].is_unique
    history = [r for r in fake_yahoo.chart_requests("SPY") if "period1" in r.query]
    minutes = [r for r in history if r.query["interval"] == "1m"]
    assert len(minutes) == 2
    # and one daily request, for the splits that Yahoo's prices are adjusted for
    assert [r.query["interval"] for r in history if r not in minutes] == ["1d"]
    for request in minutes:
        span = int(request.query["period2"]) - int(request.query["period1"])
        assert span <= 8 * 86_400  # Yahoo's limit for one request of 1m bars
