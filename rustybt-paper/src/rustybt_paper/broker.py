"""The paper broker: the engine's simulated execution, behind the broker interface.

In a paper session the paper broker *is* the session's execution
(:class:`rustybt.engine.SimulatedExecution`): it fills the session's own order book into
the session's own ledger, so there is one record of every order and one of the money, and
paper fills are backtest fills by construction. On its own (``rustybt test-broker
--broker paper``, the broker contract) it keeps an account of its own and fills against
bars handed to :meth:`PaperBroker.on_bar`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
from rustybt.assets import Asset
from rustybt.broker import Balance, BarQuote, BrokerFill, BrokerOrder, OrderRequest
from rustybt.engine import Books, SimulatedExecution
from rustybt.errors import BrokerError
from rustybt.finance.commission import CommissionModel, to_decimal
from rustybt.finance.order import Order
from rustybt.finance.slippage import SlippageModel
from rustybt.finance.transaction import Transaction


class PaperBroker(SimulatedExecution):
    """A simulated account in ``currency``: cash, positions and orders in exact Decimal."""

    name = "paper"

    def __init__(
        self,
        *,
        initial_capital: float | Decimal | str = 100000,
        currency: str = "USD",
        commission: CommissionModel | None = None,
        slippage: SlippageModel | None = None,
    ) -> None:
        books = Books(to_decimal(initial_capital), id_prefix="paper")
        every_class = list(books.costs.commission)
        if commission is not None:
            books.costs.set_commission(commission, every_class)
        if slippage is not None:
            books.costs.set_slippage(slippage, every_class)
        books.listeners.append(self._note_fill)
        super().__init__(books)
        self.currency = currency
        self._assets: dict[str, Asset] = {}
        self._order_of_client: dict[str, str] = {}
        self._client_of_order: dict[str, str] = {}
        self._fills: dict[str, list[BrokerFill]] = {}
        self._bar_index = -1
        self._last_bars: dict[str, BarQuote] = {}
        self._new_fills: list[BrokerFill] = []

    # -- bars, when the broker keeps its own account -----------------------------------------

    def on_bar(self, bar_index: int, bars: Mapping[str, BarQuote]) -> list[BrokerFill]:
        """Advance to bar ``bar_index`` and fill open orders against ``bars`` (by symbol),
        as the engine fills against its own bars; return the fills, in order."""
        self._bar_index = bar_index
        self._last_bars.update(bars)
        self._new_fills = []
        quotes = []
        for symbol, bar in bars.items():
            asset = self.asset(symbol)
            quotes.append((asset, asset.price_from_float(bar.close), float(bar.volume), bar.dt))
        self.fill_bar(bar_index, quotes)
        return self._new_fills

    def asset(self, symbol: str) -> Asset:
        """The asset traded under ``symbol`` (created on first use)."""
        asset = self._assets.get(symbol)
        if asset is None:
            asset = self._assets[symbol] = Asset(symbol=symbol)
            self.books.ledger.add_assets([asset])
        return asset

    def _note_fill(self, order: Order, transaction: Transaction) -> None:
        fill = BrokerFill(
            fill_id=transaction.fill_id,
            order_id=order.id,
            client_order_id=self._client_of_order[order.id],
            symbol=order.asset.symbol,
            amount=transaction.amount,
            price=transaction.price,
            commission=transaction.commission,
            dt=transaction.dt,
        )
        self._fills.setdefault(order.id, []).append(fill)
        self._new_fills.append(fill)

    # -- the Broker protocol -------------------------------------------------------------

    def connect(self) -> None:
        """Nothing to connect to."""

    def close(self) -> None:
        """Nothing to close."""

    def balances(self) -> dict[str, Balance]:
        """Cash in the account currency (all of it free: paper orders reserve nothing)."""
        cash = self.books.ledger.cash
        return {self.currency: Balance(currency=self.currency, total=cash, free=cash)}

    def positions(self) -> dict[str, Decimal]:
        """Non-zero positions by symbol."""
        ledger = self.books.ledger
        return {ledger.assets[i].symbol: ledger.amount(ledger.assets[i]) for i in ledger.held()}

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Accept ``request``; it fills on later bars. Reused client ids and empty or
        unknown-symbol orders are refused with a :class:`BrokerError`."""
        if request.client_order_id in self._order_of_client:
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
        order = self.books.orders.place(
            asset=asset,
            amount=amount,
            created=self._now(),
            created_bar=self._bar_index,
            limit=request.limit_price,
            stop=request.stop_price,
        )
        self._order_of_client[request.client_order_id] = order.id
        self._client_of_order[order.id] = request.client_order_id
        return self._view(order)

    def cancel_order(self, order_id: str) -> BrokerOrder:
        """Cancel what is left of an open order."""
        order = self.books.orders.get(order_id)
        if order is None:
            raise BrokerError(f"no paper order {order_id}")
        if order.is_open:
            self.books.orders.cancel(order)
        return self._view(order)

    def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """The order by broker id or client order id (any symbol: ids are unique here), or
        None."""
        if order_id is None and client_order_id is not None:
            order_id = self._order_of_client.get(client_order_id)
        order = self.books.orders.get(order_id) if order_id is not None else None
        return None if order is None else self._view(order)

    def open_orders(self) -> list[BrokerOrder]:
        """Open orders, oldest first."""
        return [self._view(order) for order in self.books.orders.open_orders()]

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        """Fills of the order so far, oldest first."""
        return list(self._fills.get(order_id, []))

    # -- helpers -------------------------------------------------------------------------

    def _now(self) -> pd.Timestamp:
        if self._last_bars:
            return max(bar.dt for bar in self._last_bars.values())
        return pd.Timestamp.now(tz="UTC")

    def _view(self, order: Order) -> BrokerOrder:
        fills = self._fills.get(order.id, [])
        notional = sum((f.amount * f.price for f in fills), Decimal(0))
        return BrokerOrder(
            id=order.id,
            client_order_id=self._client_of_order[order.id],
            symbol=order.asset.symbol,
            amount=order.amount,
            filled=order.filled,
            average_price=notional / order.filled if order.filled else None,
            commission=order.commission,
            status=order.status,
            created=order.created,
            limit_price=order.limit,
            stop_price=order.stop,
        )
