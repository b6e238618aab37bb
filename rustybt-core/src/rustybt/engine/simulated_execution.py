"""Simulated execution: the session's open orders filled against its own bars.

The one fill model (:func:`rustybt.finance.execution.fill_orders`: Zipline's timing,
commission, slippage, volume limits) used by backtests and paper sessions alike, so a
strategy's paper fills are its backtest fills on the same bars by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.assets import Asset
from rustybt.engine.books import Books
from rustybt.errors import RustyBTError
from rustybt.finance.execution import exact_volume, fill_orders
from rustybt.finance.order import Order
from rustybt.strategy_file import strategy_error

if TYPE_CHECKING:
    from rustybt.engine.engine import TradingEngine


class SimulatedExecution:
    """Fills orders from the bar after the one they were placed in, through the cost models
    of the books it is bound to. Until it is bound to an engine it keeps books of its own
    (``books``), which :meth:`fill_bar` fills against quotes given by the caller."""

    def __init__(self, books: Books | None = None) -> None:
        self.books = books or Books(Decimal(0))
        self._engine: TradingEngine | None = None

    def bind(self, engine: TradingEngine) -> None:
        """Use ``engine``'s books and fill against its bars."""
        self._engine = engine
        self.books = engine.books
        self._open_by_asset = engine.books.orders.open_by_asset

    def submit(self, order: Order) -> None:
        """Nothing to send: the order waits in the book for the next bar."""

    def cancel(self, order: Order) -> None:
        """Nothing to tell: the book cancels the order."""

    def execute_bar(self, bar: int) -> None:
        """Fill the open orders of every asset that traded in the engine's bar ``bar``.

        A cost model the strategy wrote runs here: an exception from it stops the run as
        one from ``handle_data`` does, naming the strategy's file and line."""
        open_by_asset = self._open_by_asset
        if not open_by_asset:
            return
        engine = self._engine
        if engine is None:
            raise RuntimeError("execute_bar needs an engine: bind() this execution first")
        arrays = engine.arrays
        now = engine.current_dt()
        traded, ticks, volumes = arrays.traded[bar], arrays.ticks[bar], arrays.fields["volume"][bar]
        columns, books, data = arrays.column, self.books, engine.data
        costs, record_fill, prune = books.costs, books.record_fill, books.orders.prune
        try:
            for asset, orders in list(open_by_asset.items()):
                column = columns[asset]
                if traded[column]:
                    fill_orders(
                        orders,
                        asset=asset,
                        close=asset.price_from_ticks(ticks[column]),
                        volume=exact_volume(float(volumes[column])),
                        dt=now,
                        bar_index=bar,
                        costs=costs,
                        data=data,
                        on_fill=record_fill,
                    )
                    prune(asset)
        except RustyBTError:
            raise
        except Exception as exc:
            if not costs.runs_strategy_code():
                raise  # only RustyBT's own code ran: a bug, to be reported with its traceback
            raise strategy_error(exc, engine.algorithm.source_path) from exc

    def fill_bar(
        self, bar: int, quotes: Sequence[tuple[Asset, Decimal, float, pd.Timestamp]]
    ) -> None:
        """Fill open orders against one bar given as ``(asset, close, volume, time)``
        quotes (a standalone account, such as ``rustybt test-broker --broker paper``, with
        no strategy: a cost model written for zipline cannot run here)."""
        books = self.books
        open_by_asset = books.orders.open_by_asset
        for asset, close, volume, dt in quotes:
            orders = open_by_asset.get(asset)
            if orders:
                fill_orders(
                    orders,
                    asset=asset,
                    close=close,
                    volume=exact_volume(float(volume)),
                    dt=dt,
                    bar_index=bar,
                    costs=books.costs,
                    data=None,
                    on_fill=books.record_fill,
                )
                books.orders.prune(asset)
