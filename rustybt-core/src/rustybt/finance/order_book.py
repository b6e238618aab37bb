"""The order book: every order of one session, the open ones grouped by asset.

One book per session, whatever executes the orders: the engine adds an order when the
strategy places it, the execution fills it, and the book is where an order is found, where
cancels and rejections happen and where finished orders leave the open set.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.finance.order import Order, OrderStatus

EQUITY_ORDER_TICK = Decimal("0.01")
"""Limit and stop prices of equities are whole cents, as zipline's equity tick makes them
(bars are priced on a finer grid; order prices are not)."""
_IMPROVING_SHARE = Decimal("0.45")
_OPEN = OrderStatus.OPEN


def improved_price(price: Decimal, tick: Decimal, *, prefer_round_down: bool) -> Decimal:
    """``price`` on the ``tick`` grid, rounded as zipline rounds order prices: toward the
    side that improves the order unless the price lies within 5 % of a tick of the other
    side's grid point. ``prefer_round_down`` for buy limits and sell stops: with a cent
    tick, [X.0095, X.0195) becomes X.01; otherwise (X.0005, X.0105] becomes X.01."""
    shift = _IMPROVING_SHARE * tick
    if prefer_round_down:
        ticks = ((price - shift) / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    else:
        ticks = ((price + shift) / tick).quantize(Decimal(1), rounding=ROUND_HALF_DOWN)
    return (ticks * tick).quantize(tick)


def order_tick(asset: Asset) -> Decimal:
    """The grid of ``asset``'s limit and stop prices."""
    if asset.asset_class in (AssetClass.EQUITY, AssetClass.INDEX):
        return max(EQUITY_ORDER_TICK, asset.tick_size)
    return asset.tick_size


class OrderBook:
    """Orders by id, in the order they were placed, with the open ones by asset.

    Order ids are ``{id_prefix}-{n}``, numbered from 1 in placement order. ``touched``
    collects the orders placed or changed in the current session (the results frame's
    ``orders`` column, and what a journal writes at the session's end).
    """

    def __init__(self, id_prefix: str = "o") -> None:
        self.id_prefix = id_prefix
        self.next_number = 1
        self.placed_today = 0
        self.touched: dict[str, Order] = {}
        self.open_by_asset: dict[Asset, list[Order]] = {}
        """Open orders by asset, oldest first (this dict is never replaced, only changed)."""
        self._orders: dict[str, Order] = {}

    def place(
        self,
        *,
        asset: Asset,
        amount: Decimal,
        created: pd.Timestamp,
        created_bar: int,
        limit: Decimal | None = None,
        stop: Decimal | None = None,
    ) -> Order:
        """A new open order in the book, numbered next, its limit and stop prices rounded
        to the asset's order tick toward the better price (:func:`improved_price`)."""
        if limit is not None:
            limit = improved_price(limit, order_tick(asset), prefer_round_down=amount > 0)
        if stop is not None:
            stop = improved_price(stop, order_tick(asset), prefer_round_down=amount < 0)
        number = self.next_number
        self.next_number = number + 1
        order_id = f"{self.id_prefix}-{number}"
        order = Order.placed(order_id, asset, amount, created, created_bar, limit, stop)
        self._orders[order_id] = order
        waiting = self.open_by_asset.get(asset)
        if waiting is None:
            self.open_by_asset[asset] = [order]
        else:
            waiting.append(order)
        self.placed_today += 1
        self.touched[order_id] = order
        return order

    def restore(self, orders: Iterable[Order], next_number: int) -> None:
        """Take back the open orders of a checkpoint, and the numbering after them."""
        for order in orders:
            self._orders[order.id] = order
            self.open_by_asset.setdefault(order.asset, []).append(order)
        self.next_number = next_number

    def get(self, order_id: str) -> Order | None:
        """Any order of this session by id."""
        return self._orders.get(order_id)

    def touch(self, order: Order) -> None:
        """Note that ``order`` changed in the current session."""
        self.touched[order.id] = order

    def start_session(self) -> None:
        """Begin a new session: nothing placed or changed in it yet."""
        self.placed_today = 0
        if self.touched:
            self.touched = {}

    def cancel(self, order: Order) -> None:
        """Cancel what is left of ``order``."""
        order.cancel()
        self.touched[order.id] = order
        self.prune(order.asset)

    def reject(self, order: Order, reason: str) -> None:
        """Refuse ``order`` with ``reason``."""
        order.reject(reason)
        self.touched[order.id] = order
        self.prune(order.asset)

    def prune(self, asset: Asset) -> None:
        """Drop ``asset``'s orders that are no longer open from the open set."""
        orders = self.open_by_asset.get(asset)
        if orders is None:
            return
        remaining = [o for o in orders if o.status is _OPEN]
        if not remaining:
            del self.open_by_asset[asset]
        elif len(remaining) < len(orders):
            self.open_by_asset[asset] = remaining

    def split(self, asset: Asset, ratio: float) -> None:
        """Adjust the open orders of ``asset`` for a split (:meth:`Order.handle_split`);
        an order left with nothing to fill leaves the book, as in zipline (it is not
        cancelled, and the session's orders do not list the change)."""
        orders = self.open_by_asset.get(asset)
        if not orders:
            return
        for order in orders:
            order.handle_split(ratio)
        kept = [order for order in orders if order.open_amount]
        if kept:
            self.open_by_asset[asset] = kept
        else:
            del self.open_by_asset[asset]

    def prune_all(self) -> None:
        """:meth:`prune` every asset with open orders."""
        for asset in list(self.open_by_asset):
            self.prune(asset)

    def open_orders(self) -> list[Order]:
        """Open orders, oldest first."""
        orders = [o for group in self.open_by_asset.values() for o in group if o.status is _OPEN]
        return sorted(orders, key=_placement)


def _placement(order: Order) -> int:
    """The number of ``order`` in its book's placement order (the end of its id)."""
    return int(order.id.rpartition("-")[2])
