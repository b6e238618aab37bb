"""The paper broker: the broker contract, and fills identical to the backtest's."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rustybt.broker import BarQuote, OrderRequest
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


def test_a_snapshot_restores_the_account_exactly() -> None:
    broker = broker_with_market()
    order = broker.submit_order(
        OrderRequest(client_order_id="c1", symbol="AAA", amount=Decimal(250))
    )
    saved = broker.snapshot()
    broker.on_bar(1, {"AAA": BarQuote(close=101.0, volume=1000, dt=TUESDAY)})
    assert broker.positions() == {"AAA": Decimal(100)}
    broker.restore(saved)
    assert broker.positions() == {}
    assert broker.get_order(order_id=order.id).filled == 0
    [fill] = broker.on_bar(1, {"AAA": BarQuote(close=101.0, volume=1000, dt=TUESDAY)})
    assert fill.amount == Decimal(100)
