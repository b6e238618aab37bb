"""The fake exchange speaks Binance's wire format: any HTTP client can stand in for ccxt.

The fault-injection controls (hooks, partial fills, outages, truncated answers, paged
histories, the ledger) are driven through the real ccxt library, as the suite of #15 does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from rustybt_ccxt.client import BASE_URL_ENV, open_client
from rustybt_ccxt.credentials import Credentials
from rustybt_ccxt.error_messages import MALFORMED_ANSWER_ERRORS
from rustybt_ccxt.testing import FakeExchange, serve_fake_exchange
from rustybt_ccxt.testing.fake_exchange import FakeExchangeCallbackError

pytestmark = pytest.mark.filterwarnings("error")

ORDER = "/api/v3/order"
PAIR = "BTC/USDT"


def raw_call(base_url: str, method: str, path: str, query: str = "") -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base_url}{path}?{query}", method=method, headers={"X-MBX-APIKEY": "any"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def call(base_url: str, method: str, path: str, query: str = "") -> tuple[int, Any]:
    status, text = raw_call(base_url, method, path, query)
    return status, json.loads(text)


@pytest.fixture
def start_fake(monkeypatch, credentials) -> Iterator[Callable[..., FakeExchange]]:
    """Start a fake (checking the test credentials) with the given settings; ccxt clients
    opened afterwards talk to it. Stopped at teardown, where a failed hook action raises."""
    api_key, secret = credentials
    with ExitStack() as stack:

        def start(**settings: Any) -> FakeExchange:
            fake = stack.enter_context(FakeExchange(api_key=api_key, secret=secret, **settings))
            monkeypatch.setenv(BASE_URL_ENV, fake.base_url)
            return fake

        yield start


@pytest.fixture
def through_ccxt(credentials) -> Callable[[Callable[[Any], Awaitable[Any]]], Any]:
    """Run ``scenario(client)`` with a fresh ccxt binance client (markets loaded)."""
    api_key, secret = credentials

    def run(scenario: Callable[[Any], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            async with open_client(
                "binance",
                testnet=True,
                credentials=Credentials(api_key=api_key, secret=secret),
                timeout_seconds=1.0,
            ) as client:
                await client.load_markets()
                return await scenario(client)

        return asyncio.run(main())

    return run


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


# -- request hooks -----------------------------------------------------------------------


def test_a_received_hook_runs_before_the_exchange_acts_and_the_client_gets_no_answer(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()
    orders_when_fired: list[int] = []
    fake.on_request("POST", ORDER, lambda: orders_when_fired.append(len(fake.orders)))

    async def scenario(client: Any) -> None:
        with pytest.raises(ccxt.NetworkError):
            await client.create_order(PAIR, "limit", "buy", 0.001, 25000, {"clientOrderId": "a"})
        await client.create_order(PAIR, "limit", "buy", 0.001, 25000, {"clientOrderId": "b"})

    through_ccxt(scenario)
    assert orders_when_fired == [0]  # fired once, before anything was placed
    assert [o.client_order_id for o in fake.orders] == ["b"]
    assert [r.status for r in fake.requests_to("POST", ORDER)] == [None, 200]
    assert fake.faults_served == 1


def test_a_handled_hook_runs_after_the_order_is_placed_and_its_answer_is_lost(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()
    placed = threading.Event()
    fake.on_request("POST", ORDER, lambda: placed.set() if fake.orders else None, when="handled")

    async def scenario(client: Any) -> list[dict[str, Any]]:
        with pytest.raises(ccxt.NetworkError):
            await client.create_order(PAIR, "limit", "buy", 0.001, 25000, {"clientOrderId": "k"})
        return await client.fetch_open_orders(PAIR)

    open_orders = through_ccxt(scenario)
    assert placed.is_set()
    assert [o["clientOrderId"] for o in open_orders] == ["k"]  # placed, though unanswered
    assert fake.balance("USDT") == (Decimal(9975), Decimal(25))
    assert [r.status for r in fake.requests_to("POST", ORDER)] == [None]


def test_an_answered_hook_runs_after_the_client_has_its_answer_for_times_requests(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()
    answer_read = [threading.Event() for _ in range(3)]
    # Each action waits for the client to have read its answer: it can only see that if
    # the answer was written and flushed before the action ran.
    saw_answer: list[bool] = []
    fake.on_request(
        "POST",
        ORDER,
        lambda: saw_answer.append(answer_read[len(saw_answer)].wait(timeout=5)),
        when="answered",
        times=2,
    )

    async def scenario(client: Any) -> None:
        for number, client_id in enumerate(("one", "two", "three")):
            order = await client.create_order(
                PAIR, "limit", "buy", 0.001, 25000, {"clientOrderId": client_id}
            )
            assert order["clientOrderId"] == client_id
            answer_read[number].set()

    through_ccxt(scenario)
    assert saw_answer == [True, True]
    assert len(fake.orders) == 3
    assert fake.faults_served == 0


def test_a_hook_action_that_raises_makes_stop_raise() -> None:
    fake = FakeExchange().start()
    fake.on_request("GET", "/api/v3/ping", lambda: 1 / 0, when="answered")
    assert call(fake.base_url, "GET", "/api/v3/ping") == (200, {})
    with pytest.raises(FakeExchangeCallbackError, match="ZeroDivisionError") as failure:
        fake.stop()
    assert isinstance(failure.value.__cause__, ZeroDivisionError)


# -- partial fills -----------------------------------------------------------------------


def test_an_order_fills_one_part_per_match_with_the_remainder_in_the_last(
    start_fake, through_ccxt
) -> None:
    fake = start_fake(partial_fill_parts=3)

    async def place(client: Any) -> dict[str, Any]:
        return await client.create_order(PAIR, "market", "buy", 0.001)

    order = through_ccxt(place)
    assert (order["status"], order["filled"]) == ("open", 0.0003)
    [first_fill] = order["trades"]
    assert fake.balance("USDT") == (Decimal(9950), Decimal(35))  # 50 locked, 15 spent
    assert fake.balance("BTC") == (Decimal("0.5003"), Decimal(0))

    fake.match()
    assert (fake.orders[0].status, fake.orders[0].executed) == (
        "PARTIALLY_FILLED",
        Decimal("0.0006"),
    )
    fake.match()
    fake.match()  # a filled order is left alone

    async def read(client: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return await client.fetch_order(order["id"], PAIR), await client.fetch_my_trades(PAIR)

    final, trades = through_ccxt(read)
    assert (final["status"], final["filled"]) == ("closed", 0.001)
    assert [t["amount"] for t in trades] == [0.0003, 0.0003, 0.0004]
    assert trades[0]["id"] == first_fill["id"]
    assert len({t["id"] for t in trades}) == 3
    assert fake.balance("USDT") == (Decimal(9950), Decimal(0))
    assert fake.balance("BTC") == (Decimal("0.501"), Decimal(0))


def test_a_resting_limit_order_fills_a_part_only_while_the_price_crosses_it() -> None:
    with FakeExchange(partial_fill_parts=2) as fake:
        query = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=25000"
        assert call(fake.base_url, "POST", ORDER, query)[1]["status"] == "NEW"
        fake.set_price("BTCUSDT", Decimal(24000))
        assert fake.balance("USDT") == (Decimal(9975), Decimal("12.5"))
        fake.set_price("BTCUSDT", Decimal(26000))
        fake.match()
        assert fake.orders[0].executed == Decimal("0.0005")
        fake.set_price("BTCUSDT", Decimal(24500))
    assert fake.orders[0].status == "FILLED"
    assert [(t["price"], t["isMaker"]) for t in fake.trades] == [("25000", True)] * 2
    assert fake.balance("USDT") == (Decimal(9975), Decimal(0))


def test_cancelling_a_partly_filled_order_releases_only_its_unfilled_funds(
    start_fake, through_ccxt
) -> None:
    fake = start_fake(partial_fill_parts=2)

    async def place(client: Any) -> dict[str, Any]:
        return await client.create_order(PAIR, "limit", "buy", 0.001, 25000)

    order = through_ccxt(place)
    fake.set_price("BTCUSDT", Decimal(24000))

    async def cancel(client: Any) -> dict[str, Any]:
        return await client.cancel_order(order["id"], PAIR)

    assert through_ccxt(cancel)["status"] == "canceled"
    assert fake.balance("USDT") == (Decimal("9987.5"), Decimal(0))
    assert fake.balance("BTC") == (Decimal("0.5005"), Decimal(0))


# -- outages and truncated answers ------------------------------------------------------


def test_an_outage_fails_every_endpoint_while_its_condition_holds(start_fake, through_ccxt) -> None:
    fake = start_fake()
    down = threading.Event()

    async def scenario(client: Any) -> None:
        down.set()
        fake.outage("503", while_=down.is_set)
        with pytest.raises(ccxt.ExchangeNotAvailable):
            await client.fetch_ticker(PAIR)
        with pytest.raises(ccxt.ExchangeNotAvailable):
            await client.fetch_balance()
        down.clear()
        await client.fetch_ticker(PAIR)
        down.set()  # the outage ended for good when its condition first failed
        await client.fetch_balance()

    through_ccxt(scenario)
    assert fake.faults_served == 2
    assert [r.status for r in fake.requests] == [200, 503, 503, 200, 200]


def test_an_open_ended_outage_lasts_until_ended_and_every_fault_is_counted() -> None:
    with FakeExchange() as fake:
        fake.inject("GET", "/api/v3/ping", "500")
        fake.outage("429")
        assert call(fake.base_url, "GET", "/api/v3/ping")[0] == 429
        assert call(fake.base_url, "GET", "/api/v3/time")[0] == 429
        fake.end_outage()
        assert raw_call(fake.base_url, "GET", "/api/v3/ping")[0] == 500  # still queued
        assert call(fake.base_url, "GET", "/api/v3/ping") == (200, {})
    assert fake.faults_served == 3


def test_a_truncated_answer_is_a_200_with_the_first_half_of_the_json() -> None:
    with FakeExchange() as fake:
        fake.inject("GET", "/api/v3/ticker/price", "truncated")
        status, cut = raw_call(fake.base_url, "GET", "/api/v3/ticker/price", "symbol=BTCUSDT")
        whole = raw_call(fake.base_url, "GET", "/api/v3/ticker/price", "symbol=BTCUSDT")[1]
    assert (status, cut) == (200, whole[: len(whole) // 2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    assert fake.faults_served == 1


def test_a_truncated_order_list_makes_ccxt_raise(start_fake, through_ccxt) -> None:
    fake = start_fake()
    fake.inject("GET", "/api/v3/openOrders", "truncated")

    async def scenario(client: Any) -> None:
        await client.create_order(PAIR, "limit", "buy", 0.001, 25000)
        with pytest.raises(MALFORMED_ANSWER_ERRORS):
            await client.fetch_open_orders(PAIR)

    through_ccxt(scenario)
    assert fake.faults_served == 1


def test_a_truncated_order_answer_reaches_ccxts_caller_as_an_order_without_an_id(
    start_fake, through_ccxt
) -> None:
    """ccxt does not raise here: a caller must notice the missing id itself."""
    fake = start_fake()
    fake.inject("POST", ORDER, "truncated")

    async def place(client: Any) -> dict[str, Any]:
        return await client.create_order(PAIR, "limit", "buy", 0.001, 25000)

    order = through_ccxt(place)
    assert (order["id"], order["status"]) == (None, None)
    assert isinstance(order["info"], str)
    assert len(fake.orders) == 1  # the exchange did place it


# -- histories ---------------------------------------------------------------------------


def test_my_trades_are_paged_from_a_trade_id_through_ccxt(start_fake, through_ccxt) -> None:
    fake = start_fake()

    async def scenario(client: Any) -> list[list[str]]:
        for _ in range(3):
            await client.create_order(PAIR, "market", "buy", 0.001)
        pages = [
            await client.fetch_my_trades(PAIR),
            await client.fetch_my_trades(PAIR, params={"fromId": fake.trades[1]["id"]}),
            await client.fetch_my_trades(PAIR, limit=1, params={"fromId": fake.trades[1]["id"]}),
            await client.fetch_my_trades(PAIR, limit=1),
        ]
        return [[t["id"] for t in page] for page in pages]

    every, from_second, one_from_second, most_recent = through_ccxt(scenario)
    ids = [str(t["id"]) for t in fake.trades]
    assert (every, from_second, one_from_second, most_recent) == (
        ids,
        ids[1:],
        ids[1:2],
        ids[2:],
    )
    sent = fake.requests_to("GET", "/api/v3/myTrades")[2].params
    assert (sent["fromId"], sent["limit"]) == (str(fake.trades[1]["id"]), "1")


def test_my_trades_honour_time_bounds_and_refuse_from_id_with_them(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()

    async def scenario(client: Any) -> tuple[int, int]:
        await client.create_order(PAIR, "market", "buy", 0.001)
        placed_ms = fake.trades[0]["time"]
        with pytest.raises(ccxt.BadRequest, match="Combination of optional parameters invalid"):
            await client.fetch_my_trades(PAIR, since=placed_ms, params={"fromId": 1})
        since = await client.fetch_my_trades(PAIR, since=placed_ms)
        before = await client.fetch_my_trades(PAIR, params={"until": placed_ms - 1})
        return len(since), len(before)

    assert through_ccxt(scenario) == (1, 0)


def test_fetch_orders_returns_open_closed_and_cancelled_orders_from_all_orders(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()

    async def scenario(client: Any) -> list[list[str]]:
        await client.create_order(PAIR, "market", "buy", 0.001)
        resting = await client.create_order(PAIR, "limit", "buy", 0.001, 25000)
        dropped = await client.create_order(PAIR, "limit", "buy", 0.001, 24000)
        await client.cancel_order(dropped["id"], PAIR)
        pages = [
            await client.fetch_orders(PAIR),
            await client.fetch_closed_orders(PAIR),
            await client.fetch_orders(PAIR, params={"orderId": resting["id"]}),
            await client.fetch_orders(PAIR, limit=1),
        ]
        return [[o["status"] for o in page] for page in pages]

    assert through_ccxt(scenario) == [
        ["closed", "open", "canceled"],
        ["closed"],
        ["open", "canceled"],
        ["canceled"],
    ]
    assert {r.params["symbol"] for r in fake.requests_to("GET", "/api/v3/allOrders")} == {"BTCUSDT"}


# -- ledger ------------------------------------------------------------------------------


def test_the_ledger_shows_a_client_id_reused_after_its_order_filled(
    start_fake, through_ccxt
) -> None:
    fake = start_fake()

    async def scenario(client: Any) -> None:
        await client.create_order(PAIR, "market", "buy", 0.001, None, {"clientOrderId": "dup"})
        await client.create_order(PAIR, "market", "buy", 0.001, None, {"clientOrderId": "dup"})
        await client.create_order(PAIR, "limit", "buy", 0.001, 25000, {"clientOrderId": "rest"})

    through_ccxt(scenario)
    ledger = fake.ledger()
    assert ledger.duplicate_client_ids() == ["dup"]
    first, second = ledger.orders_by_client_id["dup"]
    assert [len(ledger.trades_by_order_id[o.order_id]) for o in (first, second)] == [1, 1]
    [resting] = ledger.orders_by_client_id["rest"]
    assert ledger.trades_by_order_id[resting.order_id] == []
    fake.set_price("BTCUSDT", Decimal(24000))
    assert resting.status == "NEW"  # a snapshot: later fills do not change it
    assert fake.ledger().orders_by_client_id["rest"][0].status == "FILLED"


def test_a_client_id_is_refused_while_its_order_is_partly_filled(start_fake, through_ccxt) -> None:
    fake = start_fake(partial_fill_parts=2)

    async def buy(client: Any) -> dict[str, Any]:
        return await client.create_order(PAIR, "market", "buy", 0.001, None, {"clientOrderId": "p"})

    through_ccxt(buy)

    async def refused(client: Any) -> None:
        with pytest.raises(ccxt.InvalidOrder, match="Duplicate order sent"):
            await buy(client)

    through_ccxt(refused)
    fake.match()
    through_ccxt(buy)
    assert fake.ledger().duplicate_client_ids() == ["p"]
