"""The fake exchange speaks Binance's wire format: any HTTP client can stand in for ccxt."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from rustybt_ccxt.testing import FakeExchange, serve_fake_exchange

pytestmark = pytest.mark.filterwarnings("error")


def call(base_url: str, method: str, path: str, query: str = "") -> tuple[int, object]:
    request = urllib.request.Request(
        f"{base_url}{path}?{query}", method=method, headers={"X-MBX-APIKEY": "any"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_a_duplicate_client_order_id_is_refused_with_binances_code() -> None:
    with FakeExchange() as fake:
        order = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=20000&newClientOrderId=a"
        assert call(fake.base_url, "POST", "/api/v3/order", order)[0] == 200
        status, body = call(fake.base_url, "POST", "/api/v3/order", order)
    assert (status, body) == (400, {"code": -2010, "msg": "Duplicate order sent."})
    assert len(fake.orders) == 1


def test_a_resting_limit_order_locks_funds_and_fills_when_the_price_crosses() -> None:
    with FakeExchange() as fake:
        query = "symbol=ETHUSDT&side=BUY&type=LIMIT&quantity=1&price=2500&newClientOrderId=dip"
        status, body = call(fake.base_url, "POST", "/api/v3/order", query)
        assert (status, body["status"]) == (200, "NEW")
        assert fake.balance("USDT") == (Decimal(7500), Decimal(2500))
        fake.set_price("ETHUSDT", Decimal("2400"))
        _, found = call(fake.base_url, "GET", "/api/v3/order", "symbol=ETHUSDT&orderId=1000")
        assert (found["status"], found["executedQty"]) == ("FILLED", "1")
        assert fake.balance("ETH") == (Decimal(3), Decimal(0))


def test_klines_are_deterministic_and_bounded_by_the_range() -> None:
    query = "symbol=BTCUSDT&interval=1d&startTime=1704067200000&endTime=1704326400000"
    with serve_fake_exchange() as base_url:
        first = call(base_url, "GET", "/api/v3/klines", query)[1]
        again = call(base_url, "GET", "/api/v3/klines", query)[1]
    assert first == again
    assert [row[0] for row in first] == [1704067200000 + day * 86_400_000 for day in range(4)]


def test_an_injected_fault_hits_only_the_next_matching_requests() -> None:
    with FakeExchange() as fake:
        fake.inject("GET", "/api/v3/ticker/24hr", "429", times=2)
        statuses = [
            call(fake.base_url, "GET", "/api/v3/ticker/24hr", "symbol=BTCUSDT")[0] for _ in range(3)
        ]
        assert call(fake.base_url, "GET", "/api/v3/ticker/24hr", "symbol=NOPE")[1]["code"] == -1121
    assert statuses == [429, 429, 200]
