"""A third-party broker whose answers are checked as they come in.

The live session (:mod:`rustybt.live.broker_execution`) takes a broker's answers as the
protocol promises them: ``Decimal`` amounts, an order echoing the request it answers, fills
of the order asked about. A plugin's answer that breaks a promise (a float balance, a fill
of another order, a sell filled as a buy) would otherwise corrupt the books or fail far
from its cause. :func:`checked_broker` wraps a plugin's broker, sync or async, so that such
an answer raises :class:`~rustybt.errors.PluginError` naming the plugin, its package, the
method and what is wrong; the session stops there (an order whose answer was refused is
resolved by client order id when it restarts). Exceptions that are no
:class:`~rustybt.errors.RustyBTError` become a PluginError too, never "a bug in RustyBT".
"""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import pandas as pd

from rustybt.broker import Balance, BrokerFill, BrokerOrder, OrderRequest
from rustybt.errors import PluginError, RustyBTError
from rustybt.finance.order import OrderStatus
from rustybt.plugin_checks import type_of

T = TypeVar("T")

DOCS_ANCHOR = "docs/hooks.md#brokers"


class AnswerCheck:
    """The promises of the broker protocol on each answer, for one plugin's broker.

    Remembers the sign of every order it has seen, so a fill of a known order must have
    its order's sign.
    """

    def __init__(self, prefix: str, broker_name: str) -> None:
        self.prefix = prefix
        self.broker_name = broker_name
        self._signs: dict[str, bool] = {}
        """Whether each order seen (by broker id) buys."""

    def fail(self, method: str, problem: str) -> NoReturn:
        """Raise the :class:`PluginError` of ``method``'s answer and its ``problem``."""
        raise PluginError(
            f"{self.prefix}: broker '{self.broker_name}' {method} answered {problem}; "
            f"see {DOCS_ANCHOR}"
        )

    def raised(self, method: str, exc: Exception) -> NoReturn:
        """Raise the :class:`PluginError` of an exception that is no RustyBTError."""
        raise PluginError(
            f"{self.prefix}: broker '{self.broker_name}' {method} raised "
            f"{type(exc).__name__}: {exc}; a broker raises rustybt.errors.BrokerError (or "
            f"VenueUnavailable) saying what is wrong; see {DOCS_ANCHOR}"
        ) from exc

    def balances(self, answer: object) -> dict[str, Balance]:
        """``answer`` of ``balances()``: Balances by their own currency, in Decimal."""
        method = "balances()"
        if not isinstance(answer, dict):
            self.fail(method, f"{type_of(answer)}, not a dict of Balance by currency")
        for currency, balance in answer.items():
            if not isinstance(balance, Balance):
                self.fail(method, f"{type_of(balance)} for {currency!r}, not a Balance")
            if balance.currency != currency:
                self.fail(method, f"the {balance.currency!r} balance under {currency!r}")
            self._decimal(method, f"{currency} total", balance.total)
            self._decimal(method, f"{currency} free", balance.free)
        return answer

    def positions(self, answer: object) -> dict[str, Decimal]:
        """``answer`` of ``positions()``: Decimal amounts by symbol."""
        method = "positions()"
        if not isinstance(answer, dict):
            self.fail(method, f"{type_of(answer)}, not a dict of Decimal by symbol")
        for symbol, amount in answer.items():
            if not isinstance(symbol, str):
                self.fail(method, f"a position keyed {symbol!r}, not by its symbol")
            self._decimal(method, f"the {symbol} position", amount)
        return answer

    def order(
        self,
        method: str,
        answer: object,
        *,
        request: OrderRequest | None = None,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> BrokerOrder:
        """``answer``, a BrokerOrder, keeping the protocol's promises, and the order asked
        for: echoing ``request``, or with ``order_id`` / ``client_order_id``."""
        if not isinstance(answer, BrokerOrder):
            self.fail(method, f"{type_of(answer)}, not a BrokerOrder")
        if not isinstance(answer.id, str) or not answer.id:
            self.fail(method, f"an order whose id is {answer.id!r}, not a non-empty str")
        if not isinstance(answer.status, OrderStatus):
            self.fail(
                method, f"order {answer.id} with status {answer.status!r}, not an OrderStatus"
            )
        what = f"order {answer.id}"
        self._decimal(method, f"{what}'s amount", answer.amount)
        self._decimal(method, f"{what}'s filled", answer.filled)
        self._decimal(method, f"{what}'s commission", answer.commission)
        if not answer.amount:
            self.fail(method, f"{what} for an amount of 0")
        if answer.filled and (answer.filled > 0) != (answer.amount > 0):
            self.fail(method, f"{what} of {answer.amount} with {answer.filled} filled (sign)")
        if abs(answer.filled) > abs(answer.amount):
            self.fail(method, f"{what} of {answer.amount} with more filled ({answer.filled})")
        for name in ("average_price", "limit_price", "stop_price"):
            price = getattr(answer, name)
            if price is not None:
                self._price(method, f"{what}'s {name}", price)
        self._time(method, f"{what}'s created", answer.created)
        if request is not None:
            for name in ("client_order_id", "symbol", "amount"):
                theirs, ours = getattr(answer, name), getattr(request, name)
                if theirs != ours:
                    self.fail(method, f"{what} with {name} {theirs!r} for a request of {ours!r}")
        if order_id is not None and answer.id != order_id:
            self.fail(method, f"{what} when asked for order {order_id}")
        if client_order_id is not None and answer.client_order_id != client_order_id:
            self.fail(
                method,
                f"{what} (client order id {answer.client_order_id!r}) when asked for client "
                f"order id {client_order_id!r}",
            )
        self._signs[answer.id] = answer.amount > 0
        return answer

    def open_orders(self, answer: object) -> list[BrokerOrder]:
        """``answer`` of ``open_orders()``: a list of open BrokerOrders."""
        method = "open_orders()"
        if not isinstance(answer, list):
            self.fail(method, f"{type_of(answer)}, not a list of BrokerOrder")
        for order in answer:
            self.order(method, order)
            if order.status is not OrderStatus.OPEN:
                self.fail(method, f"order {order.id}, which is {order.status}, among open orders")
        return answer

    def fills(
        self, method: str, answer: object, *, order_id: str | None = None, symbol: str | None = None
    ) -> list[BrokerFill]:
        """``answer``, a list of BrokerFills keeping the protocol's promises, each of order
        ``order_id`` or of ``symbol`` when given, each with its order's sign when known."""
        if not isinstance(answer, list):
            self.fail(method, f"{type_of(answer)}, not a list of BrokerFill")
        for fill in answer:
            if not isinstance(fill, BrokerFill):
                self.fail(method, f"{type_of(fill)}, not a BrokerFill")
            what = f"fill {fill.fill_id!r}"
            if not isinstance(fill.fill_id, str) or not fill.fill_id:
                self.fail(method, f"a fill whose fill_id is {fill.fill_id!r}, not a non-empty str")
            self._decimal(method, f"{what}'s amount", fill.amount)
            self._decimal(method, f"{what}'s commission", fill.commission)
            self._price(method, f"{what}'s price", fill.price)
            self._time(method, f"{what}'s dt", fill.dt)
            if not fill.amount:
                self.fail(method, f"{what} of amount 0")
            if order_id is not None and fill.order_id != order_id:
                self.fail(
                    method, f"{what} of order {fill.order_id!r} when asked for order {order_id}"
                )
            if symbol is not None and fill.symbol != symbol:
                self.fail(method, f"{what} of {fill.symbol!r} when asked for {symbol}")
            buys = self._signs.get(fill.order_id)
            if buys is not None and buys != (fill.amount > 0):
                side = "buy" if buys else "sell"
                self.fail(method, f"{what} of {fill.amount} for order {fill.order_id}, a {side}")
        return answer

    def submit_order(self, answer: object, request: OrderRequest) -> BrokerOrder:
        """``answer`` of ``submit_order(request)``: the order echoing ``request``."""
        return self.order("submit_order()", answer, request=request)

    def cancel_order(self, answer: object, order_id: str) -> BrokerOrder:
        """``answer`` of ``cancel_order(order_id)``: that order."""
        return self.order("cancel_order()", answer, order_id=order_id)

    def get_order(
        self, answer: object, *, order_id: str | None, client_order_id: str | None
    ) -> BrokerOrder | None:
        """``answer`` of ``get_order(...)``: None, or the order asked for."""
        if answer is None:
            return None
        return self.order("get_order()", answer, order_id=order_id, client_order_id=client_order_id)

    def order_fills(self, answer: object, order_id: str) -> list[BrokerFill]:
        """``answer`` of ``order_fills(order_id)``: fills of that order."""
        return self.fills("order_fills()", answer, order_id=order_id)

    def fills_since(self, answer: object, symbol: str) -> list[BrokerFill]:
        """``answer`` of ``fills_since(symbol, ...)``: fills of ``symbol``."""
        return self.fills("fills_since()", answer, symbol=symbol)

    def _decimal(self, method: str, what: str, value: object) -> None:
        if not isinstance(value, Decimal):
            self.fail(
                method,
                f"{what} as {value!r} ({type(value).__name__}), not a Decimal "
                "(write Decimal(str(x)))",
            )
        if not value.is_finite():
            self.fail(method, f"{what} of {value}, not a finite number")

    def _price(self, method: str, what: str, value: object) -> None:
        self._decimal(method, what, value)
        assert isinstance(value, Decimal)  # _decimal raised otherwise
        if value <= 0:
            self.fail(method, f"{what} of {value}; prices are above 0")

    def _time(self, method: str, what: str, value: object) -> None:
        if not isinstance(value, pd.Timestamp) or value.tzinfo is None:
            self.fail(method, f"{what} as {value!r}, not a tz-aware pandas Timestamp")


class _Wrapper:
    """A plugin's broker and the :class:`AnswerCheck` of its answers; members beyond the
    protocol (``test_order_request``, ...) are the broker's own."""

    def __init__(self, broker: Any, check: AnswerCheck) -> None:
        self.broker = broker
        self.check = check
        self.name: str = broker.name

    def __getattr__(self, name: str) -> Any:
        """The broker's own members beyond the protocol."""
        broker = self.__dict__.get("broker")  # absent while a copy is being made
        if broker is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(broker, name)


class CheckedBroker(_Wrapper):
    """A plugin's (plain) broker whose every answer :class:`AnswerCheck` checks."""

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.broker, name)(*args, **kwargs)
        except RustyBTError:
            raise
        except Exception as exc:
            self.check.raised(f"{name}()", exc)

    def connect(self) -> None:
        """See :meth:`rustybt.broker.Broker.connect`."""
        self._call("connect")

    def close(self) -> None:
        """See :meth:`rustybt.broker.Broker.close`."""
        self._call("close")

    def balances(self) -> dict[str, Balance]:
        """See :meth:`rustybt.broker.Broker.balances`; checked."""
        return self.check.balances(self._call("balances"))

    def positions(self) -> dict[str, Decimal]:
        """See :meth:`rustybt.broker.Broker.positions`; checked."""
        return self.check.positions(self._call("positions"))

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """See :meth:`rustybt.broker.Broker.submit_order`; checked."""
        return self.check.submit_order(self._call("submit_order", request), request)

    def cancel_order(self, order_id: str) -> BrokerOrder:
        """See :meth:`rustybt.broker.Broker.cancel_order`; checked."""
        return self.check.cancel_order(self._call("cancel_order", order_id), order_id)

    def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """See :meth:`rustybt.broker.Broker.get_order`; checked."""
        asked = {"order_id": order_id, "client_order_id": client_order_id}
        answer = self._call("get_order", symbol=symbol, **asked)
        return self.check.get_order(answer, **asked)

    def open_orders(self) -> list[BrokerOrder]:
        """See :meth:`rustybt.broker.Broker.open_orders`; checked."""
        return self.check.open_orders(self._call("open_orders"))

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        """See :meth:`rustybt.broker.Broker.order_fills`; checked."""
        return self.check.order_fills(self._call("order_fills", order_id), order_id)


class CheckedTradeHistoryBroker(CheckedBroker):
    """A :class:`CheckedBroker` of a broker with ``fills_since``
    (:class:`rustybt.broker.TradeHistory`), which is checked too."""

    def fills_since(
        self, symbol: str, *, after: str | None, since: pd.Timestamp
    ) -> list[BrokerFill]:
        """See :meth:`rustybt.broker.TradeHistory.fills_since`; checked."""
        answer = self._call("fills_since", symbol, after=after, since=since)
        return self.check.fills_since(answer, symbol)


class CheckedAsyncBroker(_Wrapper):
    """A plugin's async broker whose every answer :class:`AnswerCheck` checks."""

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await getattr(self.broker, name)(*args, **kwargs)
        except RustyBTError:
            raise
        except Exception as exc:
            self.check.raised(f"{name}()", exc)

    async def connect(self) -> None:
        """See :meth:`rustybt.broker.AsyncBroker.connect`."""
        await self._call("connect")

    async def close(self) -> None:
        """See :meth:`rustybt.broker.AsyncBroker.close`."""
        await self._call("close")

    async def balances(self) -> dict[str, Balance]:
        """See :meth:`rustybt.broker.AsyncBroker.balances`; checked."""
        return self.check.balances(await self._call("balances"))

    async def positions(self) -> dict[str, Decimal]:
        """See :meth:`rustybt.broker.AsyncBroker.positions`; checked."""
        return self.check.positions(await self._call("positions"))

    async def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """See :meth:`rustybt.broker.AsyncBroker.submit_order`; checked."""
        return self.check.submit_order(await self._call("submit_order", request), request)

    async def cancel_order(self, order_id: str) -> BrokerOrder:
        """See :meth:`rustybt.broker.AsyncBroker.cancel_order`; checked."""
        return self.check.cancel_order(await self._call("cancel_order", order_id), order_id)

    async def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """See :meth:`rustybt.broker.AsyncBroker.get_order`; checked."""
        asked = {"order_id": order_id, "client_order_id": client_order_id}
        answer = await self._call("get_order", symbol=symbol, **asked)
        return self.check.get_order(answer, **asked)

    async def open_orders(self) -> list[BrokerOrder]:
        """See :meth:`rustybt.broker.AsyncBroker.open_orders`; checked."""
        return self.check.open_orders(await self._call("open_orders"))

    async def order_fills(self, order_id: str) -> list[BrokerFill]:
        """See :meth:`rustybt.broker.AsyncBroker.order_fills`; checked."""
        return self.check.order_fills(await self._call("order_fills", order_id), order_id)


class CheckedAsyncTradeHistoryBroker(CheckedAsyncBroker):
    """A :class:`CheckedAsyncBroker` of a broker with ``fills_since``, checked too."""

    async def fills_since(
        self, symbol: str, *, after: str | None, since: pd.Timestamp
    ) -> list[BrokerFill]:
        """See :meth:`rustybt.broker.TradeHistory.fills_since`; checked."""
        answer = await self._call("fills_since", symbol, after=after, since=since)
        return self.check.fills_since(answer, symbol)


def checked_broker(broker: Any, *, prefix: str) -> Any:
    """``broker`` (a plugin's, sync or async) with its answers checked, naming ``prefix``
    (``plugin X (package Y)``) in every error; async stays async, and a broker with
    ``fills_since`` keeps it."""
    check = AnswerCheck(prefix, broker.name)
    history = callable(getattr(broker, "fills_since", None))
    if inspect.iscoroutinefunction(getattr(broker, "connect", None)):
        return (CheckedAsyncTradeHistoryBroker if history else CheckedAsyncBroker)(broker, check)
    return (CheckedTradeHistoryBroker if history else CheckedBroker)(broker, check)
