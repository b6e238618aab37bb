"""The ccxt data source against the fake Binance: pagination, retries, errors, async client."""

from __future__ import annotations

import pandas as pd
import pytest
from rustybt.errors import ConfigError, DataError
from rustybt.retry import RetryPolicy
from rustybt_ccxt.source import CcxtDataSource

pytestmark = pytest.mark.filterwarnings("error")

KLINES = "/api/v3/klines"
FAST_RETRIES = RetryPolicy(attempts=4, first_delay=0.01, max_delay=0.05)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_a_long_hourly_range_is_fetched_page_by_page(fake_exchange) -> None:
    bars = CcxtDataSource().fetch_bars(["BTC/USDT"], utc("2024-01-01"), utc("2024-03-01"), "1h")
    assert len(bars) == 60 * 24 + 1
    assert bars["timestamp"].iloc[0] == utc("2024-01-01")
    assert bars["timestamp"].iloc[-1] == utc("2024-03-01")
    assert bars["timestamp"].diff().dropna().eq(pd.Timedelta(hours=1)).all()
    pages = fake_exchange.requests_to("GET", KLINES)
    assert [p.params["startTime"] for p in pages] == [
        str(utc("2024-01-01").value // 10**6),
        str(utc("2024-01-01").value // 10**6 + 1000 * 3_600_000),
    ]


def test_three_rate_limit_answers_then_success_delivers_the_bars(fake_exchange) -> None:
    fake_exchange.inject("GET", KLINES, "429", times=3)
    source = CcxtDataSource(retry=FAST_RETRIES)
    bars = source.fetch_bars(["ETH/USDT"], utc("2024-01-01"), utc("2024-01-31"), "1d")
    assert len(bars) == 31
    assert [r.status for r in fake_exchange.requests_to("GET", KLINES)] == [429, 429, 429, 200]


def test_a_persistently_failing_exchange_is_a_data_error_after_bounded_retries(
    fake_exchange,
) -> None:
    fake_exchange.inject("GET", KLINES, "500", times=100)
    source = CcxtDataSource(retry=FAST_RETRIES)
    with pytest.raises(DataError, match=r"binance unreachable for BTC/USDT after 4 attempts"):
        source.fetch_bars(["BTC/USDT"], utc("2024-01-01"), utc("2024-01-31"), "1d")
    assert len(fake_exchange.requests_to("GET", KLINES)) == 4


def test_a_malformed_answer_is_a_data_error(fake_exchange) -> None:
    fake_exchange.inject("GET", KLINES, "malformed")
    with pytest.raises(DataError, match="malformed answer for BTC/USDT"):
        CcxtDataSource().fetch_bars(["BTC/USDT"], utc("2024-01-01"), utc("2024-01-31"), "1d")


def test_the_bar_still_forming_is_never_returned(fake_exchange) -> None:
    now = pd.Timestamp.now(tz="UTC")
    latest = CcxtDataSource().latest_bars(["BTC/USDT"], "1h")
    assert now - pd.Timedelta(hours=2) <= latest["timestamp"].iloc[0] <= now - pd.Timedelta(hours=1)


def test_an_unsupported_frequency_is_a_data_error_naming_what_exists(fake_exchange) -> None:
    with pytest.raises(DataError, match="no frequency '2h'"):
        CcxtDataSource().latest_bars(["BTC/USDT"], "2h")


def test_an_unknown_exchange_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ccxt has no exchange 'nosuchexchange'"):
        CcxtDataSource("nosuchexchange").latest_bars(["BTC/USDT"], "1d")
