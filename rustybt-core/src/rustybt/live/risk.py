"""Risk limits of a trading session: checks that refuse an order before it is executed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from rustybt.finance.order import Order

if TYPE_CHECKING:
    from rustybt.engine.engine import TradingEngine


@attrs.frozen(kw_only=True)
class RiskLimits:
    """Limits that block orders (with a logged reason) or stop trading.

    ``max_order_value``: largest value of one order; ``max_position_fraction``: largest
    position value as a fraction of the portfolio; ``max_daily_loss``: loss since the
    session's start of day that stops new orders for the rest of the day.
    """

    max_order_value: Decimal | None = None
    max_position_fraction: Decimal | None = None
    max_daily_loss: Decimal | None = None


class RiskGuard:
    """Checks each new order of ``engine`` against ``limits`` (a pre-trade check of the
    engine) and calls ``blocked(reason)`` for one it refuses. As a session observer it
    takes each session's closing value as the next day's starting value."""

    def __init__(
        self, engine: TradingEngine, limits: RiskLimits, blocked: Callable[[str], None]
    ) -> None:
        self._engine = engine
        self._limits = limits
        self._blocked = blocked
        self.day_start_value: Decimal | None = None

    def __call__(self, order: Order) -> str | None:
        """Why ``order`` breaks a limit, or None when it does not."""
        reason = self._violation(order)
        if reason is not None:
            self._blocked(reason)
        return reason

    def _violation(self, order: Order) -> str | None:
        limits, engine = self._limits, self._engine
        price = engine.last_price(order.asset)
        value = engine.portfolio_value()
        start_value = self.day_start_value
        if (
            limits.max_daily_loss is not None
            and start_value is not None
            and start_value - value > limits.max_daily_loss
        ):
            return (
                f"daily loss {start_value - value} exceeds max_daily_loss {limits.max_daily_loss}"
            )
        if price is None:
            return None
        order_value = abs(order.amount) * price
        if limits.max_order_value is not None and order_value > limits.max_order_value:
            return f"order value {order_value} exceeds max_order_value {limits.max_order_value}"
        if limits.max_position_fraction is not None and value > 0:
            resulting = abs(engine.position_amount(order.asset) + order.amount) * price
            if resulting / value > limits.max_position_fraction:
                return (
                    f"position of {resulting} would be {resulting / value:.4f} of the portfolio, "
                    f"above max_position_fraction {limits.max_position_fraction}"
                )
        return None

    def order_placed(self, order: Order) -> None:
        """Nothing to do."""

    def order_filled(self, order: Order, transaction: object) -> None:
        """Nothing to do."""

    def session_ended(self, bar: int) -> None:
        """The session's closing value starts the next day."""
        self.day_start_value = self._engine.portfolio_value()
