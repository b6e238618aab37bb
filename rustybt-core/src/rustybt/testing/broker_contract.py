"""The behavioural contract every broker honours, as a test class to subclass."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

import pytest

from rustybt.broker import Balance, Broker, BrokerOrder, OrderRequest, as_sync_broker
from rustybt.errors import BrokerError
from rustybt.finance.order import OrderStatus
from rustybt.plugins import Kind
from rustybt.testing.registry import registry_providing

_client_ids = itertools.count(1)


class BrokerContract:
    """Subclass as ``TestXxx`` and define a ``broker_under_test`` fixture (sync or async
    broker, not yet connected) and the attributes below.

    ``broker_name``: its registered name. ``symbol``: a tradable symbol.
    ``resting_limit_price``: a buy limit far enough below the market that it stays open.
    ``order_amount``: a small valid quantity. ``quote_currency``: the cash currency.
    """

    broker_name: ClassVar[str]
    symbol: ClassVar[str]
    resting_limit_price: ClassVar[Decimal]
    order_amount: ClassVar[Decimal]
    quote_currency: ClassVar[str]
    unknown_symbol: ClassVar[str] = "NO-SUCH-SYMBOL-XYZ"

    @pytest.fixture
    def broker(self, broker_under_test) -> Iterator[Broker]:
        broker = as_sync_broker(broker_under_test)
        broker.connect()
        try:
            yield broker
        finally:
            broker.close()

    def resting_order(self, broker: Broker, client_order_id: str | None = None) -> BrokerOrder:
        return broker.submit_order(
            OrderRequest(
                client_order_id=client_order_id or f"contract-{next(_client_ids)}",
                symbol=self.symbol,
                amount=self.order_amount,
                limit_price=self.resting_limit_price,
            )
        )

    def test_is_registered_under_its_name(self) -> None:
        registry = registry_providing(Kind.BROKER, self.broker_name)
        assert self.broker_name in registry.names(Kind.BROKER)

    def test_connect_and_close_can_be_repeated(self, broker: Broker) -> None:
        broker.connect()
        assert broker.name == self.broker_name

    def test_balances_are_decimals_with_free_not_above_total(self, broker: Broker) -> None:
        balances = broker.balances()
        assert self.quote_currency in balances
        for currency, balance in balances.items():
            assert isinstance(balance, Balance) and balance.currency == currency
            assert isinstance(balance.total, Decimal) and isinstance(balance.free, Decimal)
            assert balance.free <= balance.total

    def test_positions_are_decimals_by_symbol(self, broker: Broker) -> None:
        for symbol, amount in broker.positions().items():
            assert isinstance(symbol, str) and isinstance(amount, Decimal) and amount != 0

    def test_a_resting_limit_order_is_open_and_can_be_found(self, broker: Broker) -> None:
        order = self.resting_order(broker)
        assert order.status is OrderStatus.OPEN
        assert (order.symbol, order.amount, order.filled) == (self.symbol, self.order_amount, 0)
        assert order.id in [o.id for o in broker.open_orders()]
        by_id = broker.get_order(order_id=order.id)
        by_client_id = broker.get_order(client_order_id=order.client_order_id)
        assert by_id is not None and by_id.client_order_id == order.client_order_id
        assert by_client_id is not None and by_client_id.id == order.id
        assert broker.order_fills(order.id) == []
        broker.cancel_order(order.id)

    def test_cancel_closes_the_order(self, broker: Broker) -> None:
        order = self.resting_order(broker)
        cancelled = broker.cancel_order(order.id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert order.id not in [o.id for o in broker.open_orders()]
        found = broker.get_order(order_id=order.id)
        assert found is not None and found.status is OrderStatus.CANCELLED

    def test_a_reused_client_order_id_never_places_a_second_order(self, broker: Broker) -> None:
        first = self.resting_order(broker, "contract-duplicate")
        try:
            again = self.resting_order(broker, "contract-duplicate")
        except BrokerError as refusal:
            assert "contract-duplicate" in str(refusal)
        else:
            assert again.id == first.id  # the first order, returned again
        same = [o for o in broker.open_orders() if o.client_order_id == "contract-duplicate"]
        assert [o.id for o in same] == [first.id]
        broker.cancel_order(first.id)

    def test_an_unknown_symbol_is_a_broker_error_naming_it(self, broker: Broker) -> None:
        with pytest.raises(BrokerError, match=self.unknown_symbol.replace("/", ".")):
            broker.submit_order(
                OrderRequest(
                    client_order_id=f"contract-{next(_client_ids)}",
                    symbol=self.unknown_symbol,
                    amount=self.order_amount,
                    limit_price=self.resting_limit_price,
                )
            )

    def test_a_zero_amount_is_a_broker_error(self, broker: Broker) -> None:
        with pytest.raises(BrokerError):
            broker.submit_order(
                OrderRequest(
                    client_order_id=f"contract-{next(_client_ids)}",
                    symbol=self.symbol,
                    amount=Decimal(0),
                    limit_price=self.resting_limit_price,
                )
            )

    def test_an_unknown_order_id_is_none(self, broker: Broker) -> None:
        assert broker.get_order(order_id="no-such-order") is None
        assert broker.get_order(client_order_id="no-such-client-id") is None
