"""The ccxt broker against the fake Binance: order safety, retries, market rules, secrets."""

from __future__ import annotations

import logging
from decimal import Decimal

import pandas as pd
import pytest
from rustybt.broker import OrderRequest, as_sync_broker
from rustybt.errors import BrokerError, VenueUnavailable
from rustybt.finance.order import OrderStatus
from rustybt.retry import RetryPolicy
from rustybt_ccxt.broker import CcxtBroker

pytestmark = pytest.mark.filterwarnings("error")

FAST_RETRIES = RetryPolicy(attempts=4, first_delay=0.01, max_delay=0.05)
ORDER = "/api/v3/order"


@pytest.fixture
def broker(fake_exchange):
    broker = as_sync_broker(
        CcxtBroker("binance", testnet=True, retry=FAST_RETRIES, timeout_seconds=0.5)
    )
    broker.connect()
    yield broker
    broker.close()


def buy(client_order_id: str, amount: str = "0.001", limit: str | None = "25000") -> OrderRequest:
    return OrderRequest(
        client_order_id=client_order_id,
        symbol="BTC/USDT",
        amount=Decimal(amount),
        limit_price=None if limit is None else Decimal(limit),
    )


def test_an_order_accepted_but_timed_out_is_found_by_client_id_not_placed_twice(
    fake_exchange, broker
) -> None:
    fake_exchange.inject("POST", ORDER, "accepted-timeout")
    order = broker.submit_order(buy("lost-answer"))
    assert order.client_order_id == "lost-answer" and order.status is OrderStatus.OPEN
    assert len(fake_exchange.orders) == 1
    assert len(fake_exchange.requests_to("POST", ORDER)) == 1
    lookups = fake_exchange.requests_to("GET", ORDER)
    assert lookups[0].params["origClientOrderId"] == "lost-answer"


def test_an_order_that_timed_out_before_the_exchange_saw_it_is_sent_again_once(
    fake_exchange, broker
) -> None:
    fake_exchange.inject("POST", ORDER, "timeout")
    order = broker.submit_order(buy("never-arrived"))
    assert order.client_order_id == "never-arrived"
    assert len(fake_exchange.orders) == 1
    assert len(fake_exchange.requests_to("POST", ORDER)) == 2


def test_three_rate_limit_answers_then_success_places_the_order(fake_exchange, broker) -> None:
    fake_exchange.inject("POST", ORDER, "429", times=3)
    order = broker.submit_order(buy("patient"))
    assert order.status is OrderStatus.OPEN
    assert [r.status for r in fake_exchange.requests_to("POST", ORDER)] == [429, 429, 429, 200]
    assert len(fake_exchange.orders) == 1


def test_a_persistently_unavailable_exchange_gives_up_after_the_bounded_retries(
    fake_exchange, broker
) -> None:
    fake_exchange.inject("POST", ORDER, "503", times=100)
    with pytest.raises(BrokerError, match=r"order 'doomed' was not placed: .*after 4 attempts"):
        broker.submit_order(buy("doomed"))
    assert len(fake_exchange.requests_to("POST", ORDER)) == 4
    assert fake_exchange.orders == []


def test_persistent_rate_limiting_of_reads_is_a_clear_error(fake_exchange, broker) -> None:
    fake_exchange.inject("GET", "/api/v3/account", "429", times=100)
    with pytest.raises(BrokerError, match="binance unreachable while reading balances after 4"):
        broker.balances()
    assert len(fake_exchange.requests_to("GET", "/api/v3/account")) == 1 + 4  # connect + 4


def test_an_exchange_refusal_is_never_retried(fake_exchange, broker) -> None:
    with pytest.raises(BrokerError, match="insufficient balance"):
        broker.submit_order(buy("too-big", amount="1", limit="40000"))
    assert len(fake_exchange.requests_to("POST", ORDER)) == 1


def test_a_malformed_answer_is_logged_with_an_excerpt_and_retried(
    fake_exchange, broker, caplog
) -> None:
    fake_exchange.inject("GET", "/api/v3/openOrders", "malformed")
    assert broker.open_orders() == []
    assert "malformed answer: '<html>upstream gateway error'" in caplog.text
    assert len(fake_exchange.requests_to("GET", "/api/v3/openOrders")) == 2


def test_answers_that_stay_malformed_make_the_venue_unavailable(fake_exchange, broker) -> None:
    fake_exchange.inject("GET", "/api/v3/openOrders", "malformed", times=100)
    with pytest.raises(
        VenueUnavailable, match="binance sent malformed answers while listing open orders after 4"
    ):
        broker.open_orders()


def test_a_malformed_answer_to_an_order_is_not_a_rejection_the_order_is_looked_up(
    fake_exchange, broker
) -> None:
    """Defect 3 of #15: a 200 with a malformed body rejected an order that had filled."""
    fake_exchange.inject("POST", ORDER, "malformed")
    order = broker.submit_order(buy("garbled", limit=None))
    assert order.client_order_id == "garbled" and order.status is OrderStatus.FILLED
    assert len(fake_exchange.orders) == 1
    [fill] = broker.order_fills(order.id)
    assert fill.amount == Decimal("0.001")


def test_an_order_from_before_a_restart_is_found_closed_by_client_id_and_symbol(
    fake_exchange, broker
) -> None:
    """Defect 1 of #15: the lookup without a symbol searched only open orders."""
    broker.submit_order(buy("filled-before-restart", limit=None))
    restarted = as_sync_broker(CcxtBroker("binance", testnet=True, retry=FAST_RETRIES))
    restarted.connect()
    try:
        found = restarted.get_order(client_order_id="filled-before-restart", symbol="BTC/USDT")
    finally:
        restarted.close()
    assert found is not None and found.status is OrderStatus.FILLED


def test_fills_come_from_the_trade_history_after_the_last_seen_trade(fake_exchange, broker) -> None:
    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=1)
    first = broker.submit_order(buy("first", limit=None))
    [seen] = broker.fills_since("BTC/USDT", after=None, since=start)
    second = broker.submit_order(buy("second", limit=None))
    [new] = broker.fills_since("BTC/USDT", after=seen.fill_id, since=start)
    assert (seen.order_id, new.order_id) == (first.id, second.id)
    assert fake_exchange.requests_to("GET", "/api/v3/myTrades")[-1].params["fromId"] == str(
        int(seen.fill_id) + 1
    )


def test_amount_is_truncated_and_price_rounded_to_market_precision(fake_exchange, broker) -> None:
    order = broker.submit_order(buy("precise", amount="0.00123456", limit="25000.456"))
    sent = fake_exchange.requests_to("POST", ORDER)[0].params
    assert (sent["quantity"], sent["price"]) == ("0.0012", "25000.46")
    assert (order.amount, order.limit_price) == (Decimal("0.0012"), Decimal("25000.46"))


def test_an_amount_below_the_market_minimum_is_refused_before_sending(
    fake_exchange, broker
) -> None:
    with pytest.raises(BrokerError, match=r"rounds to 0 .*market precision"):
        broker.submit_order(buy("dust", amount="0.00001"))
    with pytest.raises(BrokerError, match=r"minimum notional 5 \(market rule limits.cost.min\)"):
        broker.submit_order(buy("tiny", amount="0.0001", limit="25000"))
    assert fake_exchange.requests_to("POST", ORDER) == []


def test_a_market_order_fills_at_the_last_price_with_its_fills(fake_exchange, broker) -> None:
    order = broker.submit_order(buy("market-sell", amount="-0.01", limit=None))
    assert order.status is OrderStatus.FILLED
    assert (order.amount, order.filled) == (Decimal("-0.01"), Decimal("-0.01"))
    [fill] = broker.order_fills(order.id)
    assert (fill.amount, fill.price, fill.client_order_id) == (
        Decimal("-0.01"),
        Decimal("50000"),
        "market-sell",
    )


def test_a_resting_order_fills_when_the_price_crosses_it(fake_exchange, broker) -> None:
    order = broker.submit_order(buy("dip-buyer"))
    fake_exchange.set_price("BTCUSDT", Decimal("24000"))
    assert broker.get_order(order_id=order.id).status is OrderStatus.FILLED
    assert broker.positions()["BTC/USDT"] == Decimal("0.501")


def test_the_exchange_refuses_a_duplicate_client_id_from_another_session(
    fake_exchange, broker
) -> None:
    broker.submit_order(buy("shared-id"))
    other = as_sync_broker(CcxtBroker("binance", testnet=True, retry=FAST_RETRIES))
    other.connect()
    try:
        with pytest.raises(BrokerError, match=r"rejected order 'shared-id'.*Duplicate order sent"):
            other.submit_order(buy("shared-id"))
        assert other.get_order(client_order_id="shared-id") is not None
    finally:
        other.close()
    assert len(fake_exchange.orders) == 1


def test_missing_credentials_name_the_variables_to_set(fake_exchange, monkeypatch) -> None:
    monkeypatch.delenv("RUSTYBT_BINANCE_SECRET")
    broker = as_sync_broker(CcxtBroker("binance", testnet=True))
    with pytest.raises(BrokerError, match="set RUSTYBT_BINANCE_API_KEY and RUSTYBT_BINANCE_SECRET"):
        broker.connect()
    broker.close()
    assert fake_exchange.requests == []


def test_rejected_credentials_are_reported_without_echoing_them(
    fake_exchange, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("RUSTYBT_BINANCE_API_KEY", "wrong-key-0123456789")
    caplog.set_level(logging.DEBUG)
    broker = as_sync_broker(CcxtBroker("binance", testnet=True, retry=FAST_RETRIES))
    with pytest.raises(BrokerError, match="rejected the API credentials") as failure:
        broker.connect()
    broker.close()
    assert "wrong-key-0123456789" not in str(failure.value)
    assert "wrong-key-0123456789" not in caplog.text


def test_secrets_never_reach_the_logs(fake_exchange, credentials, broker, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake_exchange.inject("POST", ORDER, "accepted-timeout")
    fake_exchange.inject("GET", "/api/v3/account", "429", times=2)
    broker.submit_order(buy("logged"))
    broker.balances()
    assert "retrying" in caplog.text
    for secret in credentials:
        assert secret not in caplog.text
    assert "hidden" in repr(broker._broker._credentials)
