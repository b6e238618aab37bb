"""Orders: what a strategy asked for, and how much of it has filled.

The engine keeps each order exact (:class:`Order`: Decimals). A strategy, and a cost model
written for zipline, see a snapshot of it shaped as zipline's order object
(:class:`OrderView`: ints and floats, ``status`` an :data:`ORDER_STATUS`), so
``order.limit * 1.01`` and numpy work on it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import StrategyError
from rustybt.finance.decimals import to_decimal


class OrderStatus(StrEnum):
    """The states of an order. Only ``OPEN`` can change; the others are final."""

    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class ORDER_STATUS(IntEnum):
    """zipline's order states, as a strategy compares them:
    ``get_order(order_id).status == ORDER_STATUS.FILLED``. ``HELD`` is zipline's state of an
    order a broker holds back; no RustyBT order is ever in it."""

    OPEN = 0
    FILLED = 1
    CANCELLED = 2
    REJECTED = 3
    HELD = 4


_ZIPLINE_STATUS = {
    OrderStatus.OPEN: ORDER_STATUS.OPEN,
    OrderStatus.FILLED: ORDER_STATUS.FILLED,
    OrderStatus.CANCELLED: ORDER_STATUS.CANCELLED,
    OrderStatus.REJECTED: ORDER_STATUS.REJECTED,
}


class IllegalOrderTransition(RuntimeError):
    """An order was asked to move to a state its current state cannot reach (a bug in an
    engine or an execution, never a user's mistake)."""


ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.OPEN: frozenset(
        {OrderStatus.OPEN, OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED}
    ),
    OrderStatus.FILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
}
"""Every allowed move of an order, in one table: an open order stays open (a partial fill),
fills completely, is cancelled or is rejected; a final state never changes."""
_OPEN, _FILLED = OrderStatus.OPEN, OrderStatus.FILLED  # read once per fill: no enum lookup
_NOTHING = Decimal(0)


@attrs.frozen(kw_only=True)
class ExecutionStyle:
    """How an order may execute: market (no prices), limit, stop, or stop-limit.

    A limit buy may fill once a bar closes at or below ``limit_price`` (a sell at or
    above); a stop order becomes active once the price trades through ``stop_price`` (at or
    above it for a buy, at or below for a sell). Both are checked against each bar's close,
    as in Zipline, and the slippage model prices the fill (see :meth:`Order.triggered`).
    """

    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


def MarketOrder() -> ExecutionStyle:
    """Execute at the next bar's price."""
    return ExecutionStyle()


def LimitOrder(limit_price: float | Decimal) -> ExecutionStyle:
    """Execute at ``limit_price`` or better."""
    return ExecutionStyle(limit_price=_price(limit_price, f"LimitOrder({limit_price})"))


def StopOrder(stop_price: float | Decimal) -> ExecutionStyle:
    """Become a market order once the price reaches ``stop_price``."""
    return ExecutionStyle(stop_price=_price(stop_price, f"StopOrder({stop_price})"))


def StopLimitOrder(limit_price: float | Decimal, stop_price: float | Decimal) -> ExecutionStyle:
    """Become a limit order at ``limit_price`` once the price reaches ``stop_price``."""
    call = f"StopLimitOrder({limit_price}, {stop_price})"
    return ExecutionStyle(
        limit_price=_price(limit_price, call), stop_price=_price(stop_price, call)
    )


def _price(value: float | Decimal | int, call: str) -> Decimal:
    """``value`` read exactly; NaN, an infinity or no number is a StrategyError naming
    ``call``, as zipline refuses such a style when it is made."""
    try:
        return to_decimal(value)
    except (ValueError, TypeError) as exc:
        raise StrategyError(f"{call}: {exc}") from None


@attrs.define(kw_only=True, eq=False)
class Order:
    """An order and its fill progress. ``amount`` is signed: positive buys, negative sells.

    ``created_bar`` is the index of the bar during which the order was placed; it can fill
    from the next bar on (Zipline's timing). ``dt`` is when the order last changed, as in
    zipline: placed, its stop or limit reached, or filled.
    """

    id: str
    asset: Asset
    amount: Decimal
    created: pd.Timestamp
    created_bar: int
    limit: Decimal | None = None
    stop: Decimal | None = None
    stop_reached: bool = False
    limit_reached: bool = False
    filled: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    status: OrderStatus = OrderStatus.OPEN
    reason: str | None = None
    dt: pd.Timestamp = attrs.field(
        default=attrs.Factory(lambda order: order.created, takes_self=True)
    )

    @classmethod
    def placed(
        cls,
        order_id: str,
        asset: Asset,
        amount: Decimal,
        created: pd.Timestamp,
        created_bar: int,
        limit: Decimal | None,
        stop: Decimal | None,
    ) -> Order:
        """A new open order, the same as ``Order(id=order_id, ...)`` with these fields and
        the defaults, made at a third of the cost (one per order a strategy places)."""
        order = _new_order(cls)
        order.id, order.asset, order.amount = order_id, asset, amount
        order.created = order.dt = created
        order.created_bar, order.limit, order.stop = created_bar, limit, stop
        order.stop_reached = order.limit_reached = False
        order.filled = order.commission = _NOTHING
        order.status, order.reason = _OPEN, None
        return order

    @property
    def open_amount(self) -> Decimal:
        """What is left to fill (signed like ``amount``)."""
        return self.amount - self.filled

    @property
    def direction(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self.amount > 0 else -1

    @property
    def is_open(self) -> bool:
        """True while the order can still fill."""
        return self.status is _OPEN

    def snapshot(self) -> Order:
        """A copy of the order as it stands now (each field the same object), which later
        changes to this one do not touch."""
        copy = _new_order(Order)
        # Every field written out: the results take a copy of each order a session touched.
        copy.id, copy.asset, copy.amount = self.id, self.asset, self.amount
        copy.created, copy.created_bar = self.created, self.created_bar
        copy.limit, copy.stop = self.limit, self.stop
        copy.stop_reached, copy.limit_reached = self.stop_reached, self.limit_reached
        copy.filled, copy.commission = self.filled, self.commission
        copy.status, copy.reason, copy.dt = self.status, self.reason, self.dt
        return copy

    def handle_split(self, ratio: float) -> None:
        """Adjust the order for a split of its asset, as zipline does: ``ratio`` is old
        shares per new share; the filled and the open amounts are each divided by it and
        truncated toward zero, and the limit and stop prices multiplied by it and rounded
        to the cent."""
        remaining = int(float(self.open_amount) / ratio)
        self.filled = Decimal(int(float(self.filled) / ratio))
        self.amount = self.filled + remaining
        if self.limit is not None:
            self.limit = Decimal(repr(round(float(self.limit) * ratio, 2)))
        if self.stop is not None:
            self.stop = Decimal(repr(round(float(self.stop) * ratio, 2)))

    def _move_to(self, status: OrderStatus) -> None:
        if status not in ORDER_TRANSITIONS[self.status]:
            raise IllegalOrderTransition(
                f"order {self.id} cannot go from {self.status} to {status}"
            )
        self.status = status

    def record_fill(self, amount: Decimal, commission: Decimal) -> None:
        """Add one fill of ``amount`` (signed like the order) costing ``commission``; the
        order is ``FILLED`` once nothing is left to fill."""
        filled = self.filled + amount
        status = _FILLED if filled == self.amount else _OPEN
        if self.status is not _OPEN:  # OPEN may move to either; the others raise here
            self._move_to(status)
        self.status = status
        self.filled = filled
        self.commission += commission

    def cancel(self) -> None:
        """Cancel what is left of an open order."""
        self._move_to(OrderStatus.CANCELLED)

    def reject(self, reason: str) -> None:
        """Refuse an open order (a risk limit, or the venue said no) and say why."""
        self._move_to(OrderStatus.REJECTED)
        self.reason = reason

    def triggered(self, price: Decimal, dt: pd.Timestamp) -> bool:
        """Update the stop and limit state with ``price`` (the close of the bar at ``dt``)
        and say whether the order may fill.

        Zipline's triggers: a stop is reached once the close trades through it (at or above
        for a buy, at or below for a sell), a limit once the close is at or better than it
        (at or below for a buy); a stop-limit's limit counts from the bar its stop is
        reached. Once reached, each stays reached: a partly filled limit order goes on to
        the slippage model at later closes, whatever they are (zipline's volume-share model
        refuses a price beyond the limit, the others do not). Market orders are always
        triggered.
        """
        if self.stop is not None and not self.stop_reached:
            if price < self.stop if self.amount > 0 else price > self.stop:
                return False
            self.stop_reached = True
            if self.limit is None:  # zipline dates a stop-limit's change by its limit only
                self.dt = dt
        if self.limit is not None and not self.limit_reached:
            if price > self.limit if self.amount > 0 else price < self.limit:
                return False
            self.limit_reached = True
            self.dt = dt
        return True

    def to_dict(self) -> dict[str, object]:
        """A dict of the order's fields, as in a Zipline results ``orders`` column."""
        return {
            "id": self.id,
            "symbol": self.asset.symbol,
            "amount": self.amount,
            "filled": self.filled,
            "commission": self.commission,
            "limit": self.limit,
            "stop": self.stop,
            "status": str(self.status),
            "created": self.created,
            "reason": self.reason,
        }


_new_order = Order.__new__


def zipline_order_dict(order: Order, *, symbol: bool = False) -> dict[str, Any]:
    """``order`` as it stands now, as zipline's ``Order.to_dict`` gives it (an entry of the
    results ``orders`` column): amounts ints (floats for assets traded in fractions), prices
    and commission floats, ``sid`` the asset, ``status`` an :data:`ORDER_STATUS`. As in
    zipline, a stop-limit order whose stop was reached shows as a plain limit order. With
    ``symbol``, the asset's symbol is added under that key (the results frame shows it)."""
    asset = order.asset
    stop_dropped = order.stop_reached and order.limit is not None
    stop, limit = order.stop, order.limit
    # position_amount's rule, inlined: the results take one of these per order and session.
    units = int if asset.lot_exponent >= 0 else float
    fields = {
        "id": order.id,
        "dt": order.dt,
        "reason": order.reason,
        "created": order.created,
        "amount": units(order.amount),
        "filled": units(order.filled),
        "commission": float(order.commission),
        "stop": None if stop_dropped or stop is None else float(stop),
        "limit": None if limit is None else float(limit),
        "stop_reached": order.stop_reached and not stop_dropped,
        "limit_reached": order.limit_reached,
        "sid": asset,
        "status": _ZIPLINE_STATUS[order.status],
    }
    if symbol:
        fields["symbol"] = asset.symbol
    return fields


@attrs.frozen(kw_only=True)
class OrderView:
    """An order as zipline shows it to a strategy (``get_order``, ``get_open_orders``) and
    to a cost model written for zipline: a snapshot of its fields, taken by :meth:`of`.

    Amounts are ints (floats for assets traded in fractions), prices and commission floats,
    ``direction`` ±1.0 and ``status`` an :data:`ORDER_STATUS`. As in zipline, a stop-limit
    order whose stop was reached shows as a plain limit order (``stop`` None, ``stop_reached``
    False), and two snapshots are equal when every field is. ``order`` is the exact order.
    """

    id: str
    dt: pd.Timestamp
    reason: str | None
    created: pd.Timestamp
    asset: Asset
    amount: int | float
    filled: int | float
    commission: float
    stop: float | None
    limit: float | None
    stop_reached: bool
    limit_reached: bool
    direction: float
    status: ORDER_STATUS
    order: Order = attrs.field(repr=False)

    @classmethod
    def of(cls, order: Order) -> OrderView:
        """A snapshot of ``order`` as it stands now."""
        fields = zipline_order_dict(order)
        asset = fields.pop("sid")
        return cls(**fields, asset=asset, direction=float(order.direction), order=order)

    @property
    def sid(self) -> Asset:
        """Zipline's older name for ``asset``."""
        return self.asset

    @property
    def open_amount(self) -> int | float:
        """``amount - filled``: what was left to fill."""
        return self.amount - self.filled

    @property
    def open(self) -> bool:
        """True while the order could still fill."""
        return self.status is ORDER_STATUS.OPEN

    def to_dict(self) -> dict[str, object]:
        """The order's fields as zipline's ``Order.to_dict`` gives them."""
        return {
            "id": self.id,
            "dt": self.dt,
            "reason": self.reason,
            "created": self.created,
            "amount": self.amount,
            "filled": self.filled,
            "commission": self.commission,
            "stop": self.stop,
            "limit": self.limit,
            "stop_reached": self.stop_reached,
            "limit_reached": self.limit_reached,
            "sid": self.asset,
            "status": self.status,
        }
