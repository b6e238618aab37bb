"""RUSTYBT_CCXT_BASE_URL redirects every URL of ccxt's tables, after sandbox mode."""

from __future__ import annotations

import pytest
from rustybt_ccxt.client import new_client, redirect_url

pytestmark = pytest.mark.filterwarnings("error")


def test_a_url_keeps_its_path_and_query_and_takes_the_base_host() -> None:
    assert (
        redirect_url(
            "https://api.binance.com/api/v3/klines?symbol=BTCUSDT", "http://127.0.0.1:8123"
        )
        == "http://127.0.0.1:8123/api/v3/klines?symbol=BTCUSDT"
    )


@pytest.mark.parametrize("testnet", [False, True])
def test_every_api_test_and_demo_url_points_at_the_override(monkeypatch, testnet) -> None:
    monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", "http://127.0.0.1:8123")
    client = new_client("binance", testnet=testnet)
    for table in ("api", "test", "demo"):
        for url in client.urls[table].values():
            assert url.startswith("http://127.0.0.1:8123/"), (table, url)
    assert client.urls["api"]["public"] == "http://127.0.0.1:8123/api/v3"
    assert client.urls["www"] == "https://www.binance.com"  # only the API tables move


def test_sandbox_mode_is_applied_before_the_rewrite(monkeypatch) -> None:
    monkeypatch.delenv("RUSTYBT_CCXT_BASE_URL", raising=False)
    assert (
        new_client("binance", testnet=True)
        .urls["api"]["public"]
        .startswith("https://testnet.binance.vision/")
    )


def test_the_client_is_ccxts_async_one_limited_to_spot_markets() -> None:
    import ccxt.async_support

    client = new_client("binance")
    assert isinstance(client, ccxt.async_support.Exchange)
    assert client.options["fetchMarkets"]["types"] == ["spot"]
    assert (client.options["fetchCurrencies"], client.options["fetchMargins"]) == (False, False)
    assert client.enableRateLimit
