"""Commission models: what a fill costs. Each computes exactly, in Decimal.

Usage, as in Zipline::

    from rustybt.finance import commission
    set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))

Parameters given as floats are read through their shortest decimal representation, so
``cost=0.001`` is exactly ``Decimal("0.001")``.
"""

from __future__ import annotations

import abc
import math
import numbers
from decimal import Decimal

from rustybt.finance.order import Order
from rustybt.finance.transaction import Transaction

DEFAULT_PER_SHARE_COST = Decimal("0.001")
"""Zipline-reloaded's default equity commission: $0.001 per share, no minimum."""


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """``value`` as a Decimal: Python and numpy ints exactly, Python and numpy floats
    through their shortest representation, strings as written. NaN and infinities are a
    ValueError: no amount or price can be one."""
    kind = type(value)
    if kind is Decimal:
        return value  # immutable: the order path passes Decimals along several calls
    if kind is int:
        return Decimal(value)
    if kind is float:
        return _from_float(value)
    if isinstance(value, numbers.Integral):  # numpy ints, bools
        return Decimal(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, Decimal):  # numpy floats
        return _from_float(float(value))
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def _from_float(number: float) -> Decimal:
    if not math.isfinite(number):
        raise ValueError(f"{number!r} is not a finite number")
    return Decimal(repr(number))


class CommissionModel(abc.ABC):
    """Base class: ``calculate(order, transaction)`` returns the commission of one fill.

    ``order.filled`` and ``order.commission`` do not yet include ``transaction``.
    """

    @abc.abstractmethod
    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """The commission charged for ``transaction``, a fill of ``order``."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class NoCommission(CommissionModel):
    """Free trading."""

    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """Always zero."""
        return Decimal(0)


class PerShare(CommissionModel):
    """``cost`` per share, with ``min_trade_cost`` as the least an order pays in total.

    Formula (Zipline's): on the order's first fill, ``max(min_trade_cost, |amount| × cost)``.
    On later fills, with ``total = (|filled| + |amount|) × cost``: nothing while
    ``total < min_trade_cost``, otherwise ``total - commission already paid``.
    """

    def __init__(
        self, cost: float | Decimal = DEFAULT_PER_SHARE_COST, min_trade_cost: float | Decimal = 0
    ) -> None:
        self.cost = to_decimal(cost)
        self.min_trade_cost = to_decimal(min_trade_cost)

    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """See the class docstring."""
        additional = abs(transaction.amount) * self.cost
        if order.commission == 0:
            return max(self.min_trade_cost, additional)
        total = abs(order.filled) * self.cost + additional
        if total < self.min_trade_cost:
            return Decimal(0)
        return total - order.commission


class PerTrade(CommissionModel):
    """A flat ``cost`` per order, charged on its first fill."""

    def __init__(self, cost: float | Decimal = 0) -> None:
        self.cost = to_decimal(cost)

    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """``cost`` on the first fill of an order, zero on later fills."""
        return self.cost if order.commission == 0 and order.filled == 0 else Decimal(0)


class PerDollar(CommissionModel):
    """``cost`` per dollar traded: ``|amount| × price × cost``."""

    def __init__(self, cost: float | Decimal = Decimal("0.0015")) -> None:
        self.cost = to_decimal(cost)

    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """``transaction.notional × cost``."""
        return transaction.notional * self.cost


class MakerTaker(CommissionModel):
    """Exchange fees as a fraction of notional: ``maker`` for limit fills, else ``taker``.

    With bar data there is no order book to rest on, so the rule is by order type: fills
    of limit and stop-limit orders pay ``maker``, market and stop orders pay ``taker``.
    """

    def __init__(
        self, maker: float | Decimal = Decimal("0.001"), taker: float | Decimal = Decimal("0.001")
    ) -> None:
        self.maker = to_decimal(maker)
        self.taker = to_decimal(taker)

    def calculate(self, order: Order, transaction: Transaction) -> Decimal:
        """``transaction.notional × (maker if transaction.maker else taker)``."""
        return transaction.notional * (self.maker if transaction.maker else self.taker)
