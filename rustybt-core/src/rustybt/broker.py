"""The broker protocol: what the live engine needs from anything that executes orders.

A broker plugin's factory returns either a :class:`Broker` (plain methods) or an
:class:`AsyncBroker` (the same methods as coroutines, e.g. on ``ccxt.async_support``);
:func:`as_sync_broker` gives the engine a :class:`Broker` in both cases, running an async
broker on one private event loop that it owns and closes.

All money and quantities are ``Decimal``. Amounts are signed: positive buys, negative sells.
Failures a user can act on (rejected order, unknown symbol, authentication, unreachable
venue) raise :class:`rustybt.errors.BrokerError`.

Optional beyond the protocol: :class:`TradeHistory` (``fills_since``), and
``test_order_request(symbol, client_order_id) -> OrderRequest``, the smallest valid order
of ``symbol`` priced far enough from the market to rest unfilled; ``rustybt test-broker
--place-test-order`` needs it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs
import pandas as pd

from rustybt.finance.order import OrderStatus

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class OrderRequest:
    """An order to place. ``client_order_id`` is ours: brokers must echo it and use it to
    refuse a duplicate, so a retried submission can never place a second order."""

    client_order_id: str
    symbol: str
    amount: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


@attrs.frozen(kw_only=True)
class BrokerOrder:
    """An order as the broker knows it: how much filled, at what average price, and cost."""

    id: str
    client_order_id: str
    symbol: str
    amount: Decimal
    filled: Decimal
    average_price: Decimal | None
    commission: Decimal
    status: OrderStatus
    created: pd.Timestamp
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None

    @property
    def is_open(self) -> bool:
        """True while the order can still fill."""
        return self.status is OrderStatus.OPEN


@attrs.frozen(kw_only=True)
class BrokerFill:
    """One execution of an order: exact amount (signed), price and commission."""

    fill_id: str
    order_id: str
    client_order_id: str
    symbol: str
    amount: Decimal
    price: Decimal
    commission: Decimal
    dt: pd.Timestamp


@attrs.frozen(kw_only=True)
class BarQuote:
    """The part of a bar a standalone simulated broker (``paper``) fills against."""

    close: float
    volume: float
    dt: pd.Timestamp


@attrs.frozen(kw_only=True)
class Balance:
    """Holdings of one currency: ``total`` and the part ``free`` to trade."""

    currency: str
    total: Decimal
    free: Decimal


@runtime_checkable
class Broker(Protocol):
    """A venue that executes orders (paper simulation, an exchange, a brokerage)."""

    name: str

    def connect(self) -> None:
        """Open the session and authenticate. Calling it again is harmless."""
        ...

    def close(self) -> None:
        """Release every connection. Calling it again is harmless."""
        ...

    def balances(self) -> dict[str, Balance]:
        """Cash and coin balances by currency."""
        ...

    def positions(self) -> dict[str, Decimal]:
        """Non-zero positions by symbol."""
        ...

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Place ``request``. A ``client_order_id`` that already placed an order never
        places a second: the broker returns that order, or raises a BrokerError."""
        ...

    def cancel_order(self, order_id: str) -> BrokerOrder:
        """Cancel what is left of an open order and return its final state."""
        ...

    def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """The order with this broker id or client order id, open or closed, or None if
        there is none. ``symbol`` is the order's: a session restarted after a crash passes
        it, since some venues find a closed order by client order id only with it."""
        ...

    def open_orders(self) -> list[BrokerOrder]:
        """Every open order, oldest first."""
        ...

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        """Every fill of the order so far, oldest first (empty for an unknown order)."""
        ...


@runtime_checkable
class TradeHistory(Protocol):
    """Optional beyond :class:`Broker`: the account's fills read from the venue's trade
    history. A live session that has it polls fills by trade id, so a fill is recorded even
    when its order's answer was lost; without it, it asks for each open order's fills."""

    def fills_since(
        self, symbol: str, *, after: str | None, since: pd.Timestamp
    ) -> list[BrokerFill]:
        """Fills of ``symbol`` after the fill with id ``after`` (None: from ``since`` on),
        oldest first; ``order_id`` names each fill's order (its ``client_order_id`` may be
        empty)."""
        ...


class AsyncBroker(Protocol):
    """:class:`Broker` with coroutine methods (``async def connect()``, ...)."""

    name: str

    async def connect(self) -> None:
        """See :meth:`Broker.connect`."""
        ...

    async def close(self) -> None:
        """See :meth:`Broker.close`."""
        ...

    async def balances(self) -> dict[str, Balance]:
        """See :meth:`Broker.balances`."""
        ...

    async def positions(self) -> dict[str, Decimal]:
        """See :meth:`Broker.positions`."""
        ...

    async def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """See :meth:`Broker.submit_order`."""
        ...

    async def cancel_order(self, order_id: str) -> BrokerOrder:
        """See :meth:`Broker.cancel_order`."""
        ...

    async def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """See :meth:`Broker.get_order`."""
        ...

    async def open_orders(self) -> list[BrokerOrder]:
        """See :meth:`Broker.open_orders`."""
        ...

    async def order_fills(self, order_id: str) -> list[BrokerFill]:
        """See :meth:`Broker.order_fills`."""
        ...


class SyncBroker:
    """A :class:`Broker` running an async broker's coroutines on its own event loop.

    One loop for the broker's whole life, so sessions and connections opened in
    ``connect`` stay valid; ``close`` closes the broker and then the loop.
    """

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker
        self._loop = asyncio.new_event_loop()
        self.name = broker.name

    def _run(self, awaitable: Awaitable[T]) -> T:
        return self._loop.run_until_complete(awaitable)

    def __getattr__(self, name: str) -> Any:
        """A method beyond the protocol that the async broker offers (e.g.
        ``test_order_request``), run on this loop like the others."""
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(self._broker, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        return lambda *args, **kwargs: self._run(attribute(*args, **kwargs))

    def connect(self) -> None:
        """See :meth:`Broker.connect`."""
        self._run(self._broker.connect())

    def close(self) -> None:
        """See :meth:`Broker.close`; also closes the event loop."""
        if self._loop.is_closed():
            return
        try:
            self._run(self._broker.close())
        finally:
            self._loop.close()

    def balances(self) -> dict[str, Balance]:
        """See :meth:`Broker.balances`."""
        return self._run(self._broker.balances())

    def positions(self) -> dict[str, Decimal]:
        """See :meth:`Broker.positions`."""
        return self._run(self._broker.positions())

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """See :meth:`Broker.submit_order`."""
        return self._run(self._broker.submit_order(request))

    def cancel_order(self, order_id: str) -> BrokerOrder:
        """See :meth:`Broker.cancel_order`."""
        return self._run(self._broker.cancel_order(order_id))

    def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """See :meth:`Broker.get_order`."""
        return self._run(
            self._broker.get_order(
                order_id=order_id, client_order_id=client_order_id, symbol=symbol
            )
        )

    def open_orders(self) -> list[BrokerOrder]:
        """See :meth:`Broker.open_orders`."""
        return self._run(self._broker.open_orders())

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        """See :meth:`Broker.order_fills`."""
        return self._run(self._broker.order_fills(order_id))


def as_sync_broker(broker: Any) -> Broker:
    """``broker`` itself when its methods are plain, else wrapped in :class:`SyncBroker`."""
    if inspect.iscoroutinefunction(getattr(broker, "connect", None)):
        return SyncBroker(broker)
    return broker
