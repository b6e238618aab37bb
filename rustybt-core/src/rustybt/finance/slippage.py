"""Slippage models: at what price and for how much an order fills against one bar.

Each model's ``process_order(order, close, volume, volume_used)`` sees the bar's close (on
the asset's tick grid) and traded volume, and how much of that volume earlier orders already
took in this bar; it returns ``(price, signed amount)`` or ``None`` for no fill. Prices are
exact Decimals, used unrounded as zipline does. Formulas are Zipline's.
"""

from __future__ import annotations

import abc
from decimal import ROUND_DOWN, Decimal

from rustybt.finance.commission import to_decimal
from rustybt.finance.order import Order

Fill = tuple[Decimal, Decimal]


def _available(order: Order, limit: Decimal, volume_used: Decimal) -> Decimal:
    """How much of the order fits in the bar's remaining volume, rounded down to the lot."""
    room = (limit - volume_used).quantize(order.asset.lot_size, rounding=ROUND_DOWN)
    return min(abs(order.open_amount), max(room, Decimal(0)))


class SlippageModel(abc.ABC):
    """Base class of slippage models."""

    @abc.abstractmethod
    def process_order(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """The fill of ``order`` on this bar, or ``None``."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class NoSlippage(SlippageModel):
    """Fill the whole open amount at the close."""

    def process_order(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """``(close, open amount)``."""
        return close, order.open_amount


class FixedSlippage(SlippageModel):
    """Pay half of ``spread`` over the close (buys) or receive half under it (sells).

    Price: ``close + direction × spread / 2``; the whole open amount fills, whatever the volume.
    """

    def __init__(self, spread: float | Decimal = 0.0) -> None:
        self.spread = to_decimal(spread)

    def process_order(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        return close + order.direction * self.spread / 2, order.open_amount


class FixedBasisPointsSlippage(SlippageModel):
    """A fixed cost in basis points of the close, with a cap on the share of bar volume.

    Amount: ``min(|open|, floor(volume_limit × volume) - volume_used)``; no fill when that
    is zero. Price: ``close × (1 + direction × basis_points / 10000)``. The default
    (5 bp, 10 % of volume) is Zipline-reloaded's default equity slippage.
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

    def process_order(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        max_volume = (self.volume_limit * volume).quantize(order.asset.lot_size, ROUND_DOWN)
        amount = _available(order, max_volume, volume_used)
        if amount == 0:
            return None
        direction = order.direction
        return close * self._factors[direction], direction * amount


class VolumeShareSlippage(SlippageModel):
    """Price impact growing with the square of the share of bar volume taken.

    Amount: ``min(|open|, volume_limit × volume - volume_used)`` rounded down to the lot;
    no fill below one lot. With ``share = min((volume_used + amount) / volume, volume_limit)``
    the price is ``close × (1 + direction × price_impact × share²)``.
    """

    def __init__(
        self, volume_limit: float | Decimal = 0.025, price_impact: float | Decimal = 0.1
    ) -> None:
        self.volume_limit = to_decimal(volume_limit)
        self.price_impact = to_decimal(price_impact)

    def process_order(
        self, order: Order, close: Decimal, volume: Decimal, volume_used: Decimal
    ) -> Fill | None:
        """See the class docstring."""
        amount = _available(order, self.volume_limit * volume, volume_used)
        if amount == 0:
            return None
        share = min((volume_used + amount) / volume, self.volume_limit)
        price = close + close * order.direction * self.price_impact * share * share
        return price, order.direction * amount
