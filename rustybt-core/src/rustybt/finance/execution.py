"""Fill simulation: turning open orders and one bar into transactions.

This is the one piece of code that decides fills, used by the backtest engine and by the
paper broker alike, so a strategy's paper fills equal its backtest fills on the same bars.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.finance.commission import (
    DEFAULT_PER_SHARE_COST,
    CommissionModel,
    ExactCommissionModel,
    MakerTaker,
    PerShare,
    exact_commission_model,
)
from rustybt.finance.order import (  # also Zipline's home of the order styles
    LimitOrder,
    MarketOrder,
    Order,
    OrderStatus,
    StopLimitOrder,
    StopOrder,
)
from rustybt.finance.slippage import (
    ExactSlippageModel,
    FixedBasisPointsSlippage,
    LiquidityExceeded,
    SlippageModel,
    exact_slippage_model,
)
from rustybt.finance.transaction import Transaction, fill_transaction

if TYPE_CHECKING:
    from rustybt.bar_data import BarData

_OPEN = OrderStatus.OPEN
_NO_VOLUME = Decimal(0)


def default_commission(asset_class: AssetClass) -> CommissionModel:
    """Zipline-reloaded's default for equities ($0.001/share); 0.1 % maker/taker for crypto."""
    if asset_class is AssetClass.CRYPTO:
        return MakerTaker()
    return PerShare(cost=DEFAULT_PER_SHARE_COST)


def default_slippage(asset_class: AssetClass) -> SlippageModel:
    """Zipline-reloaded's default: 5 basis points, at most 10 % of a bar's volume."""
    return FixedBasisPointsSlippage(basis_points=5, volume_limit=0.1)


class CostModels:
    """The commission and slippage model in force for each asset class."""

    def __init__(self) -> None:
        self.commission: dict[AssetClass, CommissionModel] = {}
        self.slippage: dict[AssetClass, SlippageModel] = {}
        self.exact_commission: dict[AssetClass, ExactCommissionModel | None] = {}
        """Per class, the commission model when the engine may use its Decimal formula
        (:func:`exact_commission_model`), else None; kept with :attr:`commission`."""
        self.exact_slippage: dict[AssetClass, ExactSlippageModel | None] = {}
        """The same for :attr:`slippage` (:func:`exact_slippage_model`)."""
        for cls in AssetClass:
            self.set_commission(default_commission(cls), [cls])
            self.set_slippage(default_slippage(cls), [cls])

    def set_commission(self, model: CommissionModel, classes: Iterable[AssetClass]) -> None:
        """Use ``model`` for the given asset classes."""
        for cls in classes:
            self.commission[cls] = model
            self.exact_commission[cls] = exact_commission_model(model)

    def set_slippage(self, model: SlippageModel, classes: Iterable[AssetClass]) -> None:
        """Use ``model`` for the given asset classes."""
        for cls in classes:
            self.slippage[cls] = model
            self.exact_slippage[cls] = exact_slippage_model(model)

    def runs_strategy_code(self) -> bool:
        """Whether a model in force is one a strategy wrote to zipline's form (its own
        ``process_order`` or ``calculate``), so that filling runs the strategy's code."""
        return any(exact_slippage_model(m) is None for m in self.slippage.values()) or any(
            exact_commission_model(m) is None for m in self.commission.values()
        )


def exact_volume(volume: float) -> Decimal:
    """A bar's volume as the Decimal its shortest representation reads (whole numbers, the
    usual case, without going through text)."""
    return Decimal(int(volume)) if volume.is_integer() else Decimal(repr(volume))


def fill_orders(
    orders: Iterable[Order],
    *,
    asset: Asset,
    close: Decimal,
    volume: Decimal,
    dt: pd.Timestamp,
    bar_index: int,
    costs: CostModels,
    data: BarData | None,
    on_fill: Callable[[Order, Transaction], None],
) -> None:
    """Try to fill ``asset``'s open ``orders``, oldest first, against one bar.

    Zipline's simulation: an order fills only on bars after the one it was created in, and
    once its stop and limit are reached (:meth:`Order.triggered`, against ``close``). The
    slippage model gives price and amount, used as they are (zipline does not round a fill
    price to the tick either: rounding moved final values by cents); when it raises
    :class:`LiquidityExceeded` the asset's later orders wait for the next bar. A model
    written for zipline reads ``data``, the strategy's bar data (see
    :mod:`rustybt.finance.slippage`). The commission model prices each fill, and
    ``on_fill(order, transaction)`` is called for it, in order: the caller books it (the
    order's progress included, see :meth:`rustybt.engine.books.Books.record_fill`). Each
    fill's ``fill_id`` is ``{order id}@{bar_index}``: an order fills at most once per bar.
    Bars without volume fill nothing.
    """
    if volume <= 0:
        return
    asset_class = asset.asset_class
    slippage, exact_slippage = costs.slippage[asset_class], costs.exact_slippage[asset_class]
    commission = costs.commission[asset_class]
    exact_commission = costs.exact_commission[asset_class]
    volume_used = _NO_VOLUME
    for order in orders:
        if order.status is not _OPEN or order.created_bar >= bar_index:
            continue
        # A market order (no stop, no limit) is always triggered.
        if (order.stop is not None or order.limit is not None) and not order.triggered(close, dt):
            continue
        try:
            if exact_slippage is not None:
                fill = exact_slippage.exact_fill(order, close, volume, volume_used)
            else:
                fill = slippage.zipline_fill(data, order, volume_used)
        except LiquidityExceeded:
            return
        if fill is None:
            continue
        price, amount = fill
        maker = order.limit is not None
        if exact_commission is not None:
            cost = exact_commission.fill_commission(order, amount, price, dt, maker)
        else:
            unpriced = Transaction(
                order_id=order.id, asset=asset, amount=amount, price=price, dt=dt, maker=maker
            )
            cost = commission.zipline_commission(order, unpriced)
        order_id = order.id
        transaction = fill_transaction(
            order_id, asset, amount, price, dt, cost, maker, f"{order_id}@{bar_index}"
        )
        volume_used += abs(amount)
        order.dt = dt
        on_fill(order, transaction)


__all__ = [
    "CostModels",
    "LimitOrder",
    "MarketOrder",
    "StopLimitOrder",
    "StopOrder",
    "default_commission",
    "default_slippage",
    "exact_volume",
    "fill_orders",
]
