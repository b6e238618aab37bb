"""Orders: what a strategy asked for, and how much of it has filled."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import attrs
import pandas as pd

from rustybt.assets import Asset


class OrderStatus(StrEnum):
    """The states of an order. Only ``OPEN`` can change; the others are final."""

    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


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


@attrs.frozen(kw_only=True)
class ExecutionStyle:
    """How an order may execute: market (no prices), limit, stop, or stop-limit.

    A limit buy fills only at or below ``limit_price`` (a sell at or above); a stop order
    becomes active once the price trades through ``stop_price`` (at or above it for a buy,
    at or below for a sell). Both are checked against each bar's close, as in Zipline.
    """

    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


def MarketOrder() -> ExecutionStyle:
    """Execute at the next bar's price."""
    return ExecutionStyle()


def LimitOrder(limit_price: float | Decimal) -> ExecutionStyle:
    """Execute at ``limit_price`` or better."""
    return ExecutionStyle(limit_price=_decimal(limit_price))


def StopOrder(stop_price: float | Decimal) -> ExecutionStyle:
    """Become a market order once the price reaches ``stop_price``."""
    return ExecutionStyle(stop_price=_decimal(stop_price))


def StopLimitOrder(limit_price: float | Decimal, stop_price: float | Decimal) -> ExecutionStyle:
    """Become a limit order at ``limit_price`` once the price reaches ``stop_price``."""
    return ExecutionStyle(limit_price=_decimal(limit_price), stop_price=_decimal(stop_price))


def _decimal(value: float | Decimal | int) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@attrs.define(kw_only=True, eq=False)
class Order:
    """An order and its fill progress. ``amount`` is signed: positive buys, negative sells.

    ``created_bar`` is the index of the bar during which the order was placed; it can fill
    from the next bar on (Zipline's timing).
    """

    id: str
    asset: Asset
    amount: Decimal
    created: pd.Timestamp
    created_bar: int
    limit: Decimal | None = None
    stop: Decimal | None = None
    stop_reached: bool = False
    filled: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    status: OrderStatus = OrderStatus.OPEN
    reason: str | None = None

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
        return self.status is OrderStatus.OPEN

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
        self._move_to(OrderStatus.FILLED if filled == self.amount else OrderStatus.OPEN)
        self.filled = filled
        self.commission += commission

    def cancel(self) -> None:
        """Cancel what is left of an open order."""
        self._move_to(OrderStatus.CANCELLED)

    def reject(self, reason: str) -> None:
        """Refuse an open order (a risk limit, or the venue said no) and say why."""
        self._move_to(OrderStatus.REJECTED)
        self.reason = reason

    def triggered(self, price: Decimal) -> bool:
        """Update stop state with ``price`` (a bar close) and say whether the order may fill.

        Market orders are always triggered. A stop (or stop-limit) order is triggered from
        the first bar whose close reaches the stop; a limit condition must hold on the bar
        itself.
        """
        if self.stop is not None and not self.stop_reached:
            if (self.direction > 0 and price >= self.stop) or (
                self.direction < 0 and price <= self.stop
            ):
                self.stop_reached = True
            else:
                return False
        if self.limit is not None:
            return (self.direction > 0 and price <= self.limit) or (
                self.direction < 0 and price >= self.limit
            )
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
