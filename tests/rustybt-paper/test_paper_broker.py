"""The paper broker: the broker contract, and fills identical to the backtest's."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rustybt.broker import BarQuote, BrokerOrder, OrderRequest
from rustybt.errors import BrokerError
from rustybt.finance.order import OrderStatus
from rustybt.testing import BrokerContract
from rustybt_paper.broker import PaperBroker

MONDAY = pd.Timestamp("2024-01-08 21:00", tz="UTC")
TUESDAY = pd.Timestamp("2024-01-09 21:00", tz="UTC")


def broker_with_market(close: float = 100.0, volume: float = 1_000_000) -> PaperBroker:
    broker = PaperBroker(initial_capital=100_000)
    broker.on_bar(0, {"AAA": BarQuote(close=close, volume=volume, dt=MONDAY)})
    return broker


class TestPaperBrokerContract(BrokerContract):
    broker_name = "paper"
    symbol = "AAA"
    resting_limit_price = Decimal("50")
    order_amount = Decimal("3")
    quote_currency = "USD"

    @pytest.fixture
    def broker_under_test(self) -> PaperBroker:
        return broker_with_market()


def test_a_market_order_fills_on_the_next_bar_with_the_backtest_defaults() -> None:
    broker = broker_with_market()
    order = broker.submit_order(
        OrderRequest(client_order_id="c1", symbol="AAA", amount=Decimal(10))
    )
    assert broker.order_fills(order.id) == []
    [fill] = broker.on_bar(1, {"AAA": BarQuote(close=101.0, volume=1000, dt=TUESDAY)})
    # As in the backtest: 5 bp over the next close, $0.001 per share.
    assert (fill.amount, fill.price, fill.commission) == (
        Decimal(10),
        Decimal("101.0505"),
        Decimal("0.010"),
    )
    assert broker.get_order(order_id=order.id).status is OrderStatus.FILLED
    assert broker.positions() == {"AAA": Decimal(10)}
    assert broker.balances()["USD"].total == Decimal(100_000) - Decimal("1010.505") - Decimal(
        "0.010"
    )


def broker_after_round_trips(count: int) -> tuple[PaperBroker, BrokerOrder]:
    """A broker that filled ``count`` one-share orders, one per bar, beside a cancelled
    order and a limit order resting far below the market (returned)."""
    broker = broker_with_market()
    resting = broker.submit_order(
        OrderRequest(
            client_order_id="resting", symbol="AAA", amount=Decimal(5), limit_price=Decimal(50)
        )
    )
    cancelled = broker.submit_order(
        OrderRequest(client_order_id="cancelled", symbol="AAA", amount=Decimal(5))
    )
    broker.cancel_order(cancelled.id)
    for k in range(1, count + 1):
        broker.submit_order(
            OrderRequest(client_order_id=f"c{k}", symbol="AAA", amount=Decimal(1 - 2 * (k % 2)))
        )
        bar = BarQuote(close=100.0, volume=1_000_000, dt=MONDAY + pd.Timedelta(minutes=k))
        [fill] = broker.on_bar(k, {"AAA": bar})
        assert fill.client_order_id == f"c{k}"
    return broker, resting


def test_finished_orders_leave_the_open_set_each_bar_walks_but_stay_findable() -> None:
    broker, resting = broker_after_round_trips(3000)
    # A bar walks only the open set, so its work does not grow with finished orders.
    [(asset, still_open)] = broker.books.orders.open_by_asset.items()
    assert asset.symbol == "AAA" and [order.id for order in still_open] == [resting.id]
    assert [order.id for order in broker.open_orders()] == [resting.id]
    filled = broker.get_order(client_order_id="c2999")
    assert (filled.status, filled.filled) == (OrderStatus.FILLED, Decimal(-1))
    assert [fill.amount for fill in broker.order_fills(filled.id)] == [Decimal(-1)]
    cancelled = broker.get_order(client_order_id="cancelled")
    assert broker.get_order(order_id=cancelled.id).status is OrderStatus.CANCELLED


def test_used_client_ids_are_refused_after_their_orders_finished() -> None:
    broker, _ = broker_after_round_trips(10)
    with pytest.raises(BrokerError, match="client order id c7 was already used"):
        broker.submit_order(OrderRequest(client_order_id="c7", symbol="AAA", amount=Decimal(1)))


def test_a_bar_fills_symbols_in_the_order_the_backtest_engine_does() -> None:
    broker = PaperBroker(initial_capital=100_000)
    broker.on_bar(
        0,
        {
            "AAA": BarQuote(close=100.0, volume=1_000_000, dt=MONDAY),
            "BBB": BarQuote(close=50.0, volume=1_000_000, dt=MONDAY),
        },
    )
    for client_order_id, symbol, limit in (
        ("a1", "AAA", None),
        ("b2", "BBB", 45),
        ("a3", "AAA", 95),
    ):
        broker.submit_order(
            OrderRequest(
                client_order_id=client_order_id,
                symbol=symbol,
                amount=Decimal(1),
                limit_price=None if limit is None else Decimal(limit),
            )
        )
    [first] = broker.on_bar(
        1,
        {
            "AAA": BarQuote(close=100.0, volume=1_000_000, dt=TUESDAY),
            "BBB": BarQuote(close=50.0, volume=1_000_000, dt=TUESDAY),
        },
    )
    assert first.client_order_id == "a1"
    # AAA kept an open order (a3) from bar 0 on, so its orders still come first, exactly as
    # in the backtest: both walk the one order book's open set in the same order.
    later = broker.on_bar(
        2,
        {
            "AAA": BarQuote(close=94.0, volume=1_000_000, dt=TUESDAY + pd.Timedelta(days=1)),
            "BBB": BarQuote(close=44.0, volume=1_000_000, dt=TUESDAY + pd.Timedelta(days=1)),
        },
    )
    assert [(fill.client_order_id, fill.fill_id) for fill in later] == [
        ("a3", "paper-3@2"),
        ("b2", "paper-2@2"),
    ]
