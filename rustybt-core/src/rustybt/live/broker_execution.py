"""Execution through a real broker: orders sent to the venue, fills read back from it.

The engine's order book stays the one record of the session's orders: each order's client
order id is the engine's order id, journaled before it is sent, so a restarted session
looks an order up at the venue instead of sending it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rustybt.assets import Asset
from rustybt.broker import Broker, BrokerFill, OrderRequest
from rustybt.errors import BrokerError
from rustybt.finance.order import Order
from rustybt.finance.transaction import Transaction
from rustybt.live.journal import Journal, order_row

if TYPE_CHECKING:
    from rustybt.engine.engine import TradingEngine


class BrokerExecution:
    """Executes the engine's orders at ``broker``, journaling each to ``journal`` first."""

    def __init__(
        self,
        broker: Broker,
        journal: Journal,
        *,
        currency: str,
        accept_broker_state: bool,
        drifted: Callable[[str], None],
    ) -> None:
        self.broker = broker
        self.journal = journal
        self._currency = currency
        self._accept_broker_state = accept_broker_state
        self._drifted = drifted
        self.broker_ids: dict[str, str] = {}
        """Broker order id by client order id (the engine's order id)."""
        self._reported: set[str] = set()

    def bind(self, engine: TradingEngine) -> None:
        """Report fills to ``engine``'s books."""
        self._books = engine.books

    # -- the session's side: the account at the venue ----------------------------------------

    def connect(self) -> None:
        """Open the broker session."""
        self.broker.connect()

    def close(self) -> None:
        """Close the broker session."""
        self.broker.close()

    def open_account(self, assets: Mapping[str, Asset]) -> None:
        """A new session starts from the account as it is: cash in the quote currency, and
        (when told to accept the broker's state) the positions it holds in ``assets``."""
        ledger = self._books.ledger
        balance = self.broker.balances().get(self._currency)
        if balance is None:
            raise BrokerError(f"the {self.broker.name} account has no {self._currency} balance")
        ledger.cash = ledger.starting_cash = balance.total
        self.check_positions({})
        for symbol, amount in self.broker.positions().items():
            asset = assets.get(symbol)
            if asset is not None:
                ledger.set_position(asset, int(amount / asset.lot_size), Decimal(0))

    def check_positions(self, expected: Mapping[str, Decimal]) -> None:
        """Compare the broker's positions with ``expected``; refuse to trade on drift unless
        told to accept the broker's state."""
        actual = self.broker.positions()
        drift = {
            symbol: (expected.get(symbol, Decimal(0)), actual.get(symbol, Decimal(0)))
            for symbol in set(expected) | set(actual)
            if expected.get(symbol, Decimal(0)) != actual.get(symbol, Decimal(0))
        }
        if not drift:
            return
        described = ", ".join(
            f"{s}: ours {ours}, broker {theirs}" for s, (ours, theirs) in sorted(drift.items())
        )
        self._drifted(described)
        if not self._accept_broker_state:
            raise BrokerError(
                f"broker positions differ from the state file ({described}); "
                "rerun with --accept-broker-state to trade from the broker's positions"
            )

    # -- the engine's side: orders and fills ---------------------------------------------------

    def submit(self, order: Order) -> None:
        """Journal ``order``, then send it, unless the journal shows it was sent before a
        restart and the broker has it; a broker's refusal rejects it."""
        sent_before = self.journal.order(order.id) is not None
        self.journal.record_order(order_row(order, broker_id=None))
        placed = self.broker.get_order(client_order_id=order.id) if sent_before else None
        if placed is None:
            try:
                placed = self.broker.submit_order(
                    OrderRequest(
                        client_order_id=order.id,
                        symbol=order.asset.symbol,
                        amount=order.amount,
                        limit_price=order.limit,
                        stop_price=order.stop,
                    )
                )
            except BrokerError as exc:
                self._books.orders.reject(order, str(exc))
                return
        self.broker_ids[order.id] = placed.id
        self.journal.record_order(order_row(order, broker_id=placed.id))

    def cancel(self, order: Order) -> None:
        """Cancel ``order`` at the broker (if it was sent)."""
        broker_id = self.broker_ids.get(order.id)
        if broker_id is not None:
            self.broker.cancel_order(broker_id)

    def execute_bar(self, bar: int) -> None:
        """Book the fills the broker reports for open orders that are not yet booked."""
        books = self._books
        for order in books.orders.open_orders():
            broker_id = self.broker_ids.get(order.id)
            if broker_id is None:
                continue
            for fill in self.broker.order_fills(broker_id):
                if fill.fill_id in self._reported or self.journal.has_fill(fill.fill_id):
                    continue
                self._reported.add(fill.fill_id)
                books.record_fill(order, _transaction(order, fill))
        books.orders.prune_all()

    def broker_order_id(self, order_id: str) -> str | None:
        """The broker's id of the engine's order ``order_id`` (None until it was sent)."""
        return self.broker_ids.get(order_id)

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps of this execution."""
        return {"broker_ids": dict(self.broker_ids)}

    def restore(self, state: dict[str, Any]) -> None:
        """Return to a :meth:`state`."""
        self.broker_ids = dict(state["broker_ids"])


def _transaction(order: Order, fill: BrokerFill) -> Transaction:
    return Transaction(
        order_id=order.id,
        asset=order.asset,
        amount=fill.amount,
        price=fill.price,
        dt=fill.dt,
        commission=fill.commission,
        fill_id=fill.fill_id,
    )
