"""Commission models: what a fill costs.

Usage, as in Zipline::

    from rustybt.finance import commission
    set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))

RustyBT's models compute exactly, in Decimal. A model written for zipline (a subclass of
:class:`CommissionModel` with its own ``calculate(order, transaction)``) runs unchanged on
zipline's float views of the order and the fill, and its answer is booked exactly.

Parameters given as floats are read through their shortest decimal representation, so
``cost=0.001`` is exactly ``Decimal("0.001")``.
"""

from __future__ import annotations

import abc
import math
import numbers
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from rustybt.errors import StrategyError
from rustybt.finance.decimals import to_decimal
from rustybt.finance.order import Order, OrderView
from rustybt.finance.transaction import Transaction, TransactionView

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_PER_SHARE_COST = Decimal("0.001")
"""Zipline-reloaded's default equity commission: $0.001 per share."""
DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE = Decimal(0)
"""Zipline-reloaded's default least commission of an equity order: none."""
DEFAULT_PER_DOLLAR_COST = Decimal("0.0015")
"""Zipline-reloaded's default ``PerDollar`` cost: 0.15 cents per dollar traded."""


def exact_answer(value: object, model: object, what: str) -> Decimal:
    """A number a cost model written for zipline returned, as :func:`to_decimal` reads it.
    Anything but a finite number is a StrategyError naming the model and ``what`` it gave."""
    if isinstance(value, numbers.Real | Decimal) and math.isfinite(value):
        return to_decimal(cast(float, value))  # a Real: to_decimal reads numpy's too
    raise StrategyError(f"{model!r} gave {value!r} as {what}; return a finite number")


class CommissionModel(abc.ABC):
    """Base class of commission models, with zipline's contract: a subclass implements
    ``calculate(order, transaction)`` and returns the commission of one fill as a number.

    ``order`` and ``transaction`` are zipline's float views (:class:`OrderView`,
    :class:`TransactionView`); ``order.filled`` and ``order.commission`` do not yet include
    ``transaction``. The engine books the answer exactly: ``to_decimal`` reads the float as
    its shortest representation. RustyBT's own models derive from
    :class:`ExactCommissionModel`.
    """

    @abc.abstractmethod
    def calculate(self, order: OrderView, transaction: TransactionView) -> float:
        """The commission charged for ``transaction``, a fill of ``order``."""

    def zipline_commission(self, order: Order, transaction: Transaction) -> Decimal:
        """The commission of ``transaction`` as zipline asks a model for it:
        :meth:`calculate` on views of ``order`` and ``transaction``, read exactly."""
        cost = self.calculate(OrderView.of(order), TransactionView.of(transaction))
        return exact_answer(cost, self, f"the commission of a fill of order {order.id}")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


EquityCommissionModel = CommissionModel
"""zipline's base class of equity commission models: here every model applies to equities."""


class ExactCommissionModel(CommissionModel):
    """A commission model that computes in Decimal (:meth:`exact_commission`, on the exact
    order and fill); :meth:`calculate` gives the same answer as a float, for models written
    for zipline that build on one of these."""

    @abc.abstractmethod
    def exact_commission(self, order: Order, transaction: Transaction) -> Decimal:
        """The commission charged for ``transaction``, a fill of ``order``, exactly."""

    def calculate(self, order: OrderView, transaction: TransactionView) -> float:
        """:meth:`exact_commission` of the exact order and fill behind the views, as a float."""
        return float(self.exact_commission(order.order, transaction.transaction))

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """:meth:`exact_commission` of the fill of ``amount`` of ``order`` at ``price`` at
        ``dt`` (``maker``: a limit order's): how the engine asks, so that a model whose
        formula needs only these figures answers without a Transaction made for it."""
        return self.exact_commission(
            order,
            Transaction(
                order_id=order.id, asset=order.asset, amount=amount, price=price, dt=dt, maker=maker
            ),
        )


class _FormulaCommission(ExactCommissionModel):
    """A model whose formula reads only the fill's figures (:meth:`fill_commission`)."""

    @abc.abstractmethod
    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """The commission of the fill of ``amount`` of ``order`` at ``price``, exactly."""

    def exact_commission(self, order: Order, transaction: Transaction) -> Decimal:
        """:meth:`fill_commission` of ``transaction``'s figures."""
        return self.fill_commission(
            order, transaction.amount, transaction.price, transaction.dt, transaction.maker
        )


def exact_commission_model(model: CommissionModel) -> ExactCommissionModel | None:
    """``model`` when the engine may charge through its Decimal formula: one of RustyBT's
    models whose ``calculate`` no subclass replaced. A subclass that overrides ``calculate``,
    as a strategy written for zipline does, is charged through its own method."""
    if (
        isinstance(model, ExactCommissionModel)
        and type(model).calculate is ExactCommissionModel.calculate
    ):
        return model
    return None


class NoCommission(_FormulaCommission):
    """Free trading."""

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """Always zero."""
        return Decimal(0)


class PerShare(_FormulaCommission):
    """``cost`` per share, with ``min_trade_cost`` as the least an order pays in total.

    Formula (Zipline's): on the order's first fill, ``max(min_trade_cost, |amount| × cost)``.
    On later fills, with ``total = (|filled| + |amount|) × cost``: nothing while
    ``total < min_trade_cost``, otherwise ``total - commission already paid``.
    """

    def __init__(
        self,
        cost: float | Decimal = DEFAULT_PER_SHARE_COST,
        min_trade_cost: float | Decimal = DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE,
    ) -> None:
        self.cost = to_decimal(cost)
        self.min_trade_cost = to_decimal(min_trade_cost)

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """See the class docstring."""
        additional = abs(amount) * self.cost
        if order.commission == 0:
            return max(self.min_trade_cost, additional)
        total = abs(order.filled) * self.cost + additional
        if total < self.min_trade_cost:
            return Decimal(0)
        return total - order.commission


class PerTrade(_FormulaCommission):
    """A flat ``cost`` per order, charged on its first fill."""

    def __init__(self, cost: float | Decimal = DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE) -> None:
        self.cost = to_decimal(cost)

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """``cost`` on the first fill of an order, zero on later fills."""
        return self.cost if order.commission == 0 and order.filled == 0 else Decimal(0)


class PerDollar(_FormulaCommission):
    """``cost`` per dollar traded: ``|amount| × price × cost``."""

    def __init__(self, cost: float | Decimal = DEFAULT_PER_DOLLAR_COST) -> None:
        self.cost = to_decimal(cost)

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """``|amount| × price × cost``."""
        return abs(amount) * price * self.cost


class MakerTaker(_FormulaCommission):
    """Exchange fees as a fraction of notional: ``maker`` for limit fills, else ``taker``.

    With bar data there is no order book to rest on, so the rule is by order type: fills
    of limit and stop-limit orders pay ``maker``, market and stop orders pay ``taker``.
    """

    def __init__(
        self, maker: float | Decimal = Decimal("0.001"), taker: float | Decimal = Decimal("0.001")
    ) -> None:
        self.maker = to_decimal(maker)
        self.taker = to_decimal(taker)

    def fill_commission(
        self, order: Order, amount: Decimal, price: Decimal, dt: pd.Timestamp, maker: bool
    ) -> Decimal:
        """``|amount| × price × (maker if maker else taker)``."""
        return abs(amount) * price * (self.maker if maker else self.taker)
