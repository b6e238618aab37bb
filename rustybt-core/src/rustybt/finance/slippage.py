"""Slippage models: at what price and for how much an order fills against one bar.

A model written for zipline runs unchanged: a subclass of :class:`SlippageModel` implements
``process_order(data, order)`` and returns ``(price, signed amount)`` as numbers, or
``None`` for no fill, or raises :class:`LiquidityExceeded` to fill nothing more of the asset
in this bar. It is called as zipline calls it: only on bars the asset traded, only for orders
whose stop and limit are reached, with ``data`` the strategy's bar data and ``order`` a
float view of the order (:class:`OrderView`), and :attr:`SlippageModel.volume_for_bar` the
amount earlier orders filled in the bar. The answer is booked exactly: the price as the
Decimal of its shortest representation, unrounded as zipline uses it; the amount rounded
toward zero to the lot, as zipline truncates it to whole shares.

RustyBT's own models (:class:`ExactSlippageModel`) compute in Decimal from the bar's close
(on the asset's tick grid) and volume. Formulas are Zipline's.
"""

from __future__ import annotations

import abc
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from rustybt.errors import StrategyError
from rustybt.finance.commission import exact_answer
from rustybt.finance.decimals import to_decimal
from rustybt.finance.order import Order, OrderView
from rustybt.portfolio import position_amount

if TYPE_CHECKING:
    from rustybt.bar_data import BarData

Fill = tuple[Decimal, Decimal]

DEFAULT_EQUITY_VOLUME_SLIPPAGE_BAR_LIMIT = Decimal("0.025")
"""Zipline's default share of a bar's volume :class:`VolumeShareSlippage` may take."""


class LiquidityExceeded(Exception):
    """Raised by a slippage model: no more of this asset fills in the current bar."""


def fill_price_worse_than_limit_price(
    fill_price: float | Decimal, order: Order | OrderView
) -> bool:
    """Whether ``fill_price`` is above a buy's limit or below a sell's (False without a
    limit). Zipline's test, for models that refuse such fills."""
    limit = order.limit
    if limit is None:
        return False
    return fill_price > limit if order.direction > 0 else fill_price < limit


class SlippageModel(abc.ABC):
    """Base class of slippage models, with zipline's contract: implement
    :meth:`process_order` (see the module docstring). RustyBT's own models derive from
    :class:`ExactSlippageModel`."""

    _volume_for_bar: int | float = 0

    @property
    def volume_for_bar(self) -> int | float:
        """How much of the asset earlier orders filled in the current bar."""
        return self._volume_for_bar

    @abc.abstractmethod
    def process_order(self, data: BarData, order: OrderView) -> tuple[float, float] | None:
        """The fill of ``order`` in the current bar: ``(price, signed amount)``, or None."""

    def zipline_fill(self, data: BarData | None, order: Order, volume_used: Decimal) -> Fill | None:
        """The fill of ``order`` as zipline asks a model for it: :meth:`process_order` on
        ``data`` and a view of ``order``, with :attr:`volume_for_bar` ``volume_used``.

        No answer, a None price, or an amount under one lot is no fill. A price that is not
        a finite number, an amount of the other side or more than the order has open are
        errors in the model (StrategyError)."""
        if data is None:
            raise StrategyError(
                f"slippage model {self!r} is written for zipline and reads a strategy's bar "
                "data: it can price fills only in a strategy run"
            )
        asset = order.asset
        self._volume_for_bar = position_amount(asset, volume_used)
        answer = self.process_order(data, OrderView.of(order))
        if answer is None or answer[0] is None:
            return None
        price, amount = answer
        what = f"the fill of order {order.id}"
        filled = asset.round_amount(exact_answer(amount, self, f"the amount of {what}"))
        if filled == 0:
            return None
        open_amount = order.open_amount
        if (filled > 0) != (open_amount > 0) or abs(filled) > abs(open_amount):
            raise StrategyError(
                f"slippage model {self!r} filled {filled} of order {order.id}, which has "
                f"{open_amount} open; return an amount signed like the order and no larger "
                "than order.open_amount"
            )
        return exact_answer(price, self, f"the price of {what}"), filled

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


EquitySlippageModel = SlippageModel
"""zipline's base class of equity slippage models: here every model applies to equities."""


class ExactSlippageModel(SlippageModel):
    """A slippage model that computes in Decimal (:meth:`exact_fill`);
    :meth:`process_order` gives the same answer in floats, for models written for zipline
    that build on one of these."""

    @abc.abstractmethod
    def exact_fill(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """The fill of ``order`` against a bar that closed at ``close`` with ``volume``
        traded, ``volume_used`` of it by earlier orders: ``(price, signed amount)``, or None.
        Raises :class:`LiquidityExceeded` when the bar has no volume left for the asset."""

    def process_order(self, data: BarData, order: OrderView) -> tuple[float, float] | None:
        """:meth:`exact_fill` against the current bar of ``data``, as floats."""
        asset = order.asset
        fill = self.exact_fill(
            order.order,
            asset.price_from_float(data.current(asset, "close")),
            to_decimal(data.current(asset, "volume")),
            to_decimal(self.volume_for_bar),
        )
        if fill is None:
            return None
        price, amount = fill
        return float(price), position_amount(asset, amount)


def exact_slippage_model(model: SlippageModel) -> ExactSlippageModel | None:
    """``model`` when the engine may fill through its Decimal formula: one of RustyBT's
    models whose ``process_order`` no subclass replaced. A subclass that overrides
    ``process_order``, as a strategy written for zipline does, fills through its own method."""
    if (
        isinstance(model, ExactSlippageModel)
        and type(model).process_order is ExactSlippageModel.process_order
    ):
        return model
    return None


def _available(order: Order, limit: Decimal, volume_used: Decimal) -> Decimal:
    """How much of the order fits in the bar's remaining volume, rounded down to the lot;
    LiquidityExceeded when not one lot does."""
    room = (limit - volume_used).quantize(order.asset.lot_size, rounding=ROUND_DOWN)
    if room <= 0:
        raise LiquidityExceeded
    return min(abs(order.open_amount), room)


class NoSlippage(ExactSlippageModel):
    """Fill the whole open amount at the close."""

    def exact_fill(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """``(close, open amount)``."""
        return close, order.open_amount


class FixedSlippage(ExactSlippageModel):
    """Pay half of ``spread`` over the close (buys) or receive half under it (sells).

    Price: ``close + direction × spread / 2``; the whole open amount fills, whatever the volume.
    """

    def __init__(self, spread: float | Decimal = 0.0) -> None:
        self.spread = to_decimal(spread)
        # Each side's price shift, worked out once (the same exact Decimals per fill).
        self._shifts = {1: self.spread / 2, -1: -self.spread / 2}

    def exact_fill(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        return close + self._shifts[order.direction], order.open_amount


class FixedBasisPointsSlippage(ExactSlippageModel):
    """A fixed cost in basis points of the close, with a cap on the share of bar volume.

    Amount: ``min(|open|, floor(volume_limit × volume) - volume_used)``; nothing more fills
    in the bar once that is zero. Price: ``close × (1 + direction × basis_points / 10000)``,
    even beyond a limit order's limit, as in zipline. The default (5 bp, 10 % of volume) is
    Zipline-reloaded's default equity slippage.
    """

    def __init__(
        self, basis_points: float | Decimal = 5.0, volume_limit: float | Decimal = 0.1
    ) -> None:
        self.basis_points = to_decimal(basis_points)
        self.volume_limit = to_decimal(volume_limit)
        # The price factor of each side, worked out once: close × (1 ± bp / 10000).
        self._factors = {
            1: 1 + self.basis_points / 10000,
            -1: 1 - self.basis_points / 10000,
        }

    def exact_fill(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        max_volume = (self.volume_limit * volume).quantize(order.asset.lot_size, ROUND_DOWN)
        amount = _available(order, max_volume, volume_used)
        direction = order.direction
        return close * self._factors[direction], direction * amount


class VolumeShareSlippage(ExactSlippageModel):
    """Price impact growing with the square of the share of bar volume taken.

    Amount: ``min(|open|, volume_limit × volume - volume_used)`` rounded down to the lot;
    nothing more fills in the bar below one lot. With ``share = min((volume_used + amount) /
    volume, volume_limit)`` the price is ``close × (1 + direction × price_impact × share²)``.
    A limit order does not fill at a price beyond its limit.
    """

    def __init__(
        self,
        volume_limit: float | Decimal = DEFAULT_EQUITY_VOLUME_SLIPPAGE_BAR_LIMIT,
        price_impact: float | Decimal = 0.1,
    ) -> None:
        self.volume_limit = to_decimal(volume_limit)
        self.price_impact = to_decimal(price_impact)

    def exact_fill(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        amount = _available(order, self.volume_limit * volume, volume_used)
        share = min((volume_used + amount) / volume, self.volume_limit)
        price = close + close * order.direction * self.price_impact * share * share
        if fill_price_worse_than_limit_price(price, order):
            return None
        return price, order.direction * amount
