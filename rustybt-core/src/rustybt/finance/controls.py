"""Trading controls: limits checked on every order before it is placed; and account
controls, limits on the whole account checked at the end of every bar.

A control returns a message when an order would break it. By default a violation stops the
run with :class:`TradingControlViolation` (Zipline's ``on_error="fail"``); with
``on_error="log"`` a warning is logged and the order is placed all the same, as in Zipline.
An account control's violation always stops the run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import StrategyError
from rustybt.errors import TradingControlViolation as TradingControlViolation
from rustybt.finance.asset_restrictions import Restrictions
from rustybt.finance.decimals import to_decimal

ON_ERROR = ("fail", "log")


@attrs.frozen(kw_only=True)
class OrderContext:
    """What a control needs to judge one order."""

    asset: Asset
    amount: Decimal
    price: Decimal | None
    position: Decimal
    portfolio_value: Decimal
    orders_today: int
    dt: pd.Timestamp
    """The algorithm's time when the order is placed (UTC)."""


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _on_error(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in ON_ERROR:
        raise StrategyError(f"on_error must be 'fail' or 'log', got {value!r}")


def _on_error_field() -> Any:
    return attrs.field(default="fail", validator=_on_error)


def _applies(control_asset: Asset | None, asset: Asset) -> bool:
    return control_asset is None or control_asset == asset


@attrs.frozen(kw_only=True)
class MaxOrderSize:
    """No single order above ``max_shares`` units or ``max_notional`` in value."""

    asset: Asset | None = None
    max_shares: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    max_notional: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    on_error: str = _on_error_field()

    def violation(self, order: OrderContext) -> str | None:
        """A message when ``order`` is too large, else None."""
        if not _applies(self.asset, order.asset):
            return None
        if self.max_shares is not None and abs(order.amount) > self.max_shares:
            return (
                f"order of {order.amount} {order.asset.symbol} exceeds max order size "
                f"{self.max_shares}"
            )
        if self.max_notional is not None and order.price is not None:
            value = abs(order.amount) * order.price
            if value > self.max_notional:
                return (
                    f"order value {value} of {order.asset.symbol} exceeds max {self.max_notional}"
                )
        return None


@attrs.frozen(kw_only=True)
class MaxPositionSize:
    """No position (after the order) above ``max_shares`` units or ``max_notional`` in value."""

    asset: Asset | None = None
    max_shares: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    max_notional: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    on_error: str = _on_error_field()

    def violation(self, order: OrderContext) -> str | None:
        """A message when the resulting position would be too large, else None."""
        if not _applies(self.asset, order.asset):
            return None
        resulting = order.position + order.amount
        if self.max_shares is not None and abs(resulting) > self.max_shares:
            return (
                f"position of {resulting} {order.asset.symbol} would exceed max position "
                f"size {self.max_shares}"
            )
        if self.max_notional is not None and order.price is not None:
            value = abs(resulting) * order.price
            if value > self.max_notional:
                return (
                    f"position value {value} of {order.asset.symbol} would exceed max "
                    f"{self.max_notional}"
                )
        return None


@attrs.frozen(kw_only=True)
class LongOnly:
    """No order that would leave a short position."""

    on_error: str = _on_error_field()

    def violation(self, order: OrderContext) -> str | None:
        """A message when the order would make the position negative, else None."""
        if order.position + order.amount < 0:
            return f"order of {order.amount} {order.asset.symbol} would go short (long only)"
        return None


@attrs.frozen(kw_only=True)
class MaxOrderCount:
    """No more than ``max_count`` orders per session."""

    max_count: int
    on_error: str = _on_error_field()

    def violation(self, order: OrderContext) -> str | None:
        """A message when today's order count is used up, else None."""
        if order.orders_today >= self.max_count:
            return f"more than {self.max_count} orders today"
        return None


@attrs.frozen(kw_only=True)
class MaxLeverage:
    """Gross leverage (``Σ |position value| / portfolio value``) at most ``max_leverage``.

    Checked at the end of every bar, as in Zipline.
    """

    max_leverage: Decimal = attrs.field(converter=to_decimal)

    def violation_at(self, gross_exposure: Decimal, portfolio_value: Decimal) -> str | None:
        """A message when the account's leverage is above the limit, else None."""
        if portfolio_value <= 0:
            return None
        leverage = gross_exposure / portfolio_value
        if leverage > self.max_leverage:
            return f"leverage {leverage:.4f} exceeds max leverage {self.max_leverage}"
        return None


@attrs.frozen(kw_only=True)
class RestrictedAssets:
    """No order in an asset that ``restrictions`` restrict at the order's time (Zipline's
    ``set_asset_restrictions`` and ``set_do_not_order_list``)."""

    restrictions: Restrictions
    on_error: str = _on_error_field()

    def violation(self, order: OrderContext) -> str | None:
        """A message when the order's asset is restricted now, else None."""
        if self.restrictions.is_restricted(order.asset, order.dt):
            return f"order of {order.amount} {order.asset.symbol}: the asset is restricted"
        return None


def _not_negative(instance: object, attribute: attrs.Attribute, value: float) -> None:
    if not value >= 0:
        raise StrategyError(f"{attribute.name} must be 0 or more, got {value}")


@attrs.frozen(kw_only=True)
class MinLeverage:
    """Gross leverage at least ``min_leverage`` once ``deadline`` has passed (Zipline's
    ``set_min_leverage``: the deadline is the run's first session plus the grace period).

    Checked at the end of every bar; before the deadline any leverage passes.
    """

    min_leverage: float = attrs.field(converter=float, validator=_not_negative)
    deadline: pd.Timestamp

    def violation_at(self, leverage: float, now: pd.Timestamp) -> str | None:
        """A message when, at ``now``, the account's ``leverage`` is below the limit."""
        if now > self.deadline and leverage < self.min_leverage:
            return (
                f"leverage {leverage:.4f} is below min leverage {self.min_leverage:g}, "
                f"required since {self.deadline}"
            )
        return None


OrderControl = MaxOrderSize | MaxPositionSize | LongOnly | MaxOrderCount | RestrictedAssets
