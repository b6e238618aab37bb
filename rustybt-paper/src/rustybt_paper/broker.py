"""The paper broker: orders filled by the backtest's own fill simulation, in exact Decimal.

Fills follow the backtest exactly: an order submitted while bar t is current fills from bar
t+1 on, against that bar's close and volume, through the same commission and slippage
models (:func:`rustybt.finance.execution.fill_orders`). The broker sees bars through
:meth:`PaperBroker.on_bar`, called by the live engine for each bar of its feed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from decimal import Decimal

import pandas as pd
from rustybt.assets import Asset
from rustybt.broker import Balance, BarQuote, BrokerFill, BrokerOrder, OrderRequest
from rustybt.errors import BrokerError
from rustybt.finance.commission import CommissionModel, to_decimal
from rustybt.finance.execution import CostModels, exact_volume, fill_orders
from rustybt.finance.ledger import Ledger
from rustybt.finance.order import Order, OrderStatus
from rustybt.finance.slippage import SlippageModel
from rustybt.finance.transaction import Transaction


class PaperBroker:
    """A simulated account: cash in ``currency``, positions by symbol, open orders.

    Every order stays findable by id and client order id, but only open orders are kept in
    the book that :meth:`on_bar` walks: an order leaves it on its last fill or when
    cancelled, so a bar costs the same however many orders the session has finished.
    """

    name = "paper"
    simulated = True

    def __init__(
        self,
        *,
        initial_capital: float | Decimal | str = 100000,
        currency: str = "USD",
        commission: CommissionModel | None = None,
        slippage: SlippageModel | None = None,
        asset_for: Callable[[str], Asset] | None = None,
    ) -> None:
        self.currency = currency
        self.ledger = Ledger([], to_decimal(initial_capital))
        self.costs = CostModels()
        every_class = list(self.costs.commission)
        if commission is not None:
            self.costs.set_commission(commission, every_class)
        if slippage is not None:
            self.costs.set_slippage(slippage, every_class)
        self._asset_for = asset_for or (lambda symbol: Asset(symbol=symbol))
        self._assets: dict[str, Asset] = {}
        self._orders: dict[str, Order] = {}
        # The open ones among _orders, oldest first: all that on_bar looks at.
        self._open: dict[str, Order] = {}
        self._client_ids: dict[str, str] = {}
        self._client_of: dict[str, str] = {}
        self._fills: dict[str, list[BrokerFill]] = {}
        self._next_order = 1
        self._next_fill = 1
        self._bar_index = -1
        self._last_bars: dict[str, BarQuote] = {}
        self._connected = False

    # -- the simulated-broker side (driven by a trading session) -----------------------------

    def configure(self, *, costs: CostModels, asset_for: Callable[[str], Asset]) -> None:
        """Fill with the session's cost models (those the strategy set) and its assets."""
        self.costs = costs
        self._asset_for = asset_for

    def snapshot(self) -> dict[str, object]:
        """What a checkpoint needs to restore the account: cash, positions, open orders with
        their fills, and the ids already used. Finished orders are left out but for their
        client order ids, which a restored broker must still refuse to reuse."""
        mutable = copy.deepcopy(
            {
                "ledger": self.ledger,
                "orders": self._open,
                "fills": {order_id: self._fills.get(order_id, []) for order_id in self._open},
            }
        )
        return {
            **mutable,
            # Strings, frozen assets and bars: shallow copies cannot be changed later.
            "assets": dict(self._assets),
            "client_ids": dict(self._client_ids),
            "client_of": {order_id: self._client_of[order_id] for order_id in self._open},
            "next_order": self._next_order,
            "next_fill": self._next_fill,
            "bar_index": self._bar_index,
            "last_bars": dict(self._last_bars),
        }

    def restore(self, state: dict[str, object]) -> None:
        """Return to a :meth:`snapshot` (which stays usable for another restore)."""
        mutable = copy.deepcopy({key: state[key] for key in ("ledger", "orders", "fills")})
        self.ledger = mutable["ledger"]
        self._orders = mutable["orders"]
        self._open = dict(self._orders)
        self._fills = mutable["fills"]
        self._assets = dict(state["assets"])
        self._client_ids = dict(state["client_ids"])
        self._client_of = dict(state["client_of"])
        self._next_order = state["next_order"]
        self._next_fill = state["next_fill"]
        self._bar_index = state["bar_index"]
        self._last_bars = dict(state["last_bars"])

    def asset(self, symbol: str) -> Asset:
        """The asset traded under ``symbol`` (created on first use)."""
        asset = self._assets.get(symbol)
        if asset is None:
            asset = self._asset_for(symbol)
            self._assets[symbol] = asset
            self.ledger.add_assets([asset])
        return asset

    def on_bar(self, bar_index: int, bars: Mapping[str, BarQuote]) -> list[BrokerFill]:
        """Advance to bar ``bar_index`` and fill open orders against ``bars`` (by symbol).

        Symbols are filled in the order of their oldest open order, each symbol's orders
        oldest first. Returns the fills this bar produced, in order.
        """
        self._bar_index = bar_index
        self._last_bars.update(bars)
        produced: list[BrokerFill] = []
        by_symbol: dict[str, list[Order]] = {}
        for order in self._open.values():
            by_symbol.setdefault(order.asset.symbol, []).append(order)
        for symbol, orders in by_symbol.items():
            bar = bars.get(symbol)
            if bar is None:
                continue
            asset = orders[0].asset

            def book(order: Order, transaction: Transaction) -> None:
                self.ledger.apply(transaction)
                fill = BrokerFill(
                    fill_id=f"paper-fill-{self._next_fill}",
                    order_id=order.id,
                    client_order_id=self._client_id_of(order.id),
                    symbol=order.asset.symbol,
                    amount=transaction.amount,
                    price=transaction.price,
                    commission=transaction.commission,
                    dt=transaction.dt,
                )
                self._next_fill += 1
                self._fills.setdefault(order.id, []).append(fill)
                produced.append(fill)
                if not order.is_open:
                    del self._open[order.id]

            fill_orders(
                orders,
                asset=asset,
                close=asset.price_from_float(bar.close),
                volume=exact_volume(float(bar.volume)),
                dt=bar.dt,
                bar_index=bar_index,
                costs=self.costs,
                on_fill=book,
            )
        return produced

    def last_price(self, symbol: str) -> Decimal | None:
        """The close of the last bar seen for ``symbol`` on its tick grid."""
        bar = self._last_bars.get(symbol)
        return None if bar is None else self.asset(symbol).price_from_float(bar.close)

    # -- the Broker protocol -------------------------------------------------------------

    def connect(self) -> None:
        """Nothing to connect to; marks the session open."""
        self._connected = True

    def close(self) -> None:
        """Marks the session closed."""
        self._connected = False

    def balances(self) -> dict[str, Balance]:
        """Cash in the account currency (all of it free: paper orders reserve nothing)."""
        cash = self.ledger.cash
        return {self.currency: Balance(currency=self.currency, total=cash, free=cash)}

    def positions(self) -> dict[str, Decimal]:
        """Non-zero positions by symbol."""
        assets = self.ledger.assets
        return {assets[i].symbol: self.ledger.amount(assets[i]) for i in self.ledger.held()}

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Accept ``request``; it fills on later bars. Reused client ids and empty or
        unknown-symbol orders are refused with a :class:`BrokerError`."""
        if request.client_order_id in self._client_ids:
            raise BrokerError(f"client order id {request.client_order_id} was already used")
        if request.amount == 0:
            raise BrokerError(f"order for {request.symbol} has a zero amount")
        if self._last_bars and request.symbol not in self._last_bars:
            raise BrokerError(
                f"no market data for symbol {request.symbol}; paper trading knows "
                f"{', '.join(sorted(self._last_bars))}"
            )
        asset = self.asset(request.symbol)
        amount = asset.round_amount(request.amount)
        if amount == 0:
            raise BrokerError(
                f"order for {request.symbol} is smaller than one lot ({asset.lot_size})"
            )
        order = Order(
            id=f"paper-{self._next_order}",
            asset=asset,
            amount=amount,
            created=self._now(),
            created_bar=self._bar_index,
            limit=None if request.limit_price is None else asset.round_price(request.limit_price),
            stop=None if request.stop_price is None else asset.round_price(request.stop_price),
        )
        self._next_order += 1
        self._orders[order.id] = order
        self._open[order.id] = order
        self._client_ids[request.client_order_id] = order.id
        self._client_of[order.id] = request.client_order_id
        return self._view(order)

    def cancel_order(self, order_id: str) -> BrokerOrder:
        """Cancel what is left of an open order."""
        order = self._orders.get(order_id)
        if order is None:
            raise BrokerError(f"no paper order {order_id}")
        if order.is_open:
            order.status = OrderStatus.CANCELLED
            del self._open[order_id]
        return self._view(order)

    def get_order(
        self, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> BrokerOrder | None:
        """The order by broker id or client order id, or None."""
        if order_id is None and client_order_id is not None:
            order_id = self._client_ids.get(client_order_id)
        order = self._orders.get(order_id) if order_id is not None else None
        return None if order is None else self._view(order)

    def open_orders(self) -> list[BrokerOrder]:
        """Open orders, oldest first."""
        return [self._view(order) for order in self._open.values()]

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        """Fills of the order so far, oldest first."""
        return list(self._fills.get(order_id, []))

    # -- helpers -------------------------------------------------------------------------

    def _now(self) -> pd.Timestamp:
        if self._last_bars:
            return max(bar.dt for bar in self._last_bars.values())
        return pd.Timestamp.now(tz="UTC")

    def _client_id_of(self, order_id: str) -> str:
        return self._client_of[order_id]

    def _view(self, order: Order) -> BrokerOrder:
        fills = self._fills.get(order.id, [])
        filled = sum((f.amount for f in fills), Decimal(0))
        notional = sum((f.amount * f.price for f in fills), Decimal(0))
        return BrokerOrder(
            id=order.id,
            client_order_id=self._client_id_of(order.id),
            symbol=order.asset.symbol,
            amount=order.amount,
            filled=filled,
            average_price=notional / filled if filled else None,
            commission=order.commission,
            status=order.status,
            created=order.created,
            limit_price=order.limit,
            stop_price=order.stop,
        )
