"""What a backtest's results frame is made of, collected session by session.

The loop appends the exact end-of-session values (``Decimal``), the session's transactions
and orders only when there are any, the recorded variables (one shared dict until the
strategy records again) and the holdings (one shared snapshot until the ledger changes).
:meth:`SessionRecords.columns` turns it all into the frame's columns once, at the end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.finance.order import Order
from rustybt.finance.transaction import Transaction
from rustybt.portfolio import position_amount


@attrs.frozen
class Holdings:
    """Positions at the end of a session: asset columns, their lots and cost bases."""

    columns: np.ndarray
    lots: np.ndarray
    cost_basis: tuple[Decimal, ...]


@attrs.define
class SessionRecords:
    """Per-session results of one run, in the order the sessions ran."""

    starting_value: Decimal
    values: list[Decimal] = attrs.Factory(list)
    cash: list[Decimal] = attrs.Factory(list)
    holdings: list[Holdings] = attrs.Factory(list)
    recorded: list[dict[str, Any]] = attrs.Factory(list)
    activity: dict[int, tuple[list[Transaction], list[dict[str, Any]]]] = attrs.Factory(dict)

    def add(
        self,
        value: Decimal,
        cash: Decimal,
        holdings: Holdings,
        recorded: dict[str, Any],
        transactions: list[Transaction],
        orders: Collection[Order],
    ) -> None:
        """Append one session. ``recorded`` must not be changed afterwards (pass a new dict
        when the strategy records); ``orders`` are captured as they stand now."""
        if transactions or orders:
            self.activity[len(self.values)] = (transactions, [o.to_dict() for o in orders])
        self.values.append(value)
        self.cash.append(cash)
        self.holdings.append(holdings)
        self.recorded.append(recorded)

    def columns(self, assets: Sequence[Asset], ticks_at_session_end: np.ndarray) -> dict[str, Any]:
        """The frame's columns, Zipline's names and order, then recorded variables.

        ``ticks_at_session_end`` holds each session's closing prices in ticks (session ×
        asset) for the ``positions`` column.
        """
        count = len(self.values)
        transactions: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        orders: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        capital_used = [0.0] * count
        for row, (session_transactions, session_orders) in self.activity.items():
            transactions[row] = [t.to_dict() for t in session_transactions]
            orders[row] = session_orders
            capital_used[row] = float(sum((t.cash_flow for t in session_transactions), Decimal(0)))
        columns: dict[str, Any] = {
            **self._values(),
            "capital_used": capital_used,
            "positions": self._positions(assets, ticks_at_session_end),
            "transactions": transactions,
            "orders": orders,
        }
        if any(self.recorded):
            recorded = pd.DataFrame(self.recorded)
            for name in recorded.columns:
                columns[name] = recorded[name].to_numpy()
        return columns

    def _values(self) -> dict[str, list[float]]:
        """Value, return, P&L, cash and positions value per session, each computed exactly
        and rounded to float once. A session whose value or cash did not change reuses the
        previous figures (the common case of a flat book)."""
        names = ("portfolio_value", "returns", "pnl", "cash", "positions_value")
        columns: dict[str, list[float]] = {name: [] for name in names}
        value_column, returns, pnl, cash_column, positions_value = columns.values()
        previous, value_float = self.starting_value, float(self.starting_value)
        last_cash: Decimal | None = None
        cash_float = 0.0
        for value, cash in zip(self.values, self.cash, strict=True):
            if cash is not last_cash:
                last_cash, cash_float = cash, float(cash)
            if value == previous:
                returns.append(0.0)
                pnl.append(0.0)
            else:
                returns.append(float(value / previous - 1) if previous else 0.0)
                pnl.append(float(value - previous))
                previous, value_float = value, float(value)
            value_column.append(value_float)
            cash_column.append(cash_float)
            positions_value.append(float(value - cash) if value != cash else 0.0)
        return columns

    def _positions(
        self, assets: Sequence[Asset], ticks_at_session_end: np.ndarray
    ) -> list[list[dict[str, Any]]]:
        symbols = [a.symbol for a in assets]
        # One tick as a Decimal per asset: ticks × tick is exact (int64 ticks have at most
        # 19 digits) and gives the price with the tick's exponent, quicker than scaleb.
        ticks_of = [Decimal((0, (1,), a.tick_exponent)) for a in assets]
        whole = [a.whole_units and a.lot_size == 1 for a in assets]
        # The fixed part of a position's entry, per (column, lots, cost basis object): a
        # fill changes one position, so the others' entries are reused from before.
        known: dict[tuple[int, int, int], tuple[int, str, Any, Decimal, Decimal]] = {}
        # The entries of one holdings snapshot, shared by every session until a fill.
        by_holdings: dict[int, list[tuple[int, str, Any, Decimal, Decimal]]] = {}
        column: list[list[dict[str, Any]]] = []
        for holdings, ticks in zip(self.holdings, ticks_at_session_end.tolist(), strict=True):
            entries = by_holdings.get(id(holdings))
            if entries is None:
                entries = []
                for i, lot, basis in zip(
                    holdings.columns.tolist(),
                    holdings.lots.tolist(),
                    holdings.cost_basis,
                    strict=True,
                ):
                    key = (i, lot, id(basis))
                    entry = known.get(key)
                    if entry is None:
                        amount = lot if whole[i] else _amount(assets[i], lot)
                        entry = known[key] = (i, symbols[i], amount, basis, ticks_of[i])
                    entries.append(entry)
                by_holdings[id(holdings)] = entries
            column.append(
                [
                    {
                        "symbol": symbol,
                        "amount": amount,
                        "cost_basis": basis,
                        "last_sale_price": Decimal(ticks[i]) * tick,
                    }
                    for i, symbol, amount, basis, tick in entries
                ]
            )
        return column


def _amount(asset: Asset, lots: int) -> Any:
    """A position of ``lots`` lots as strategies see it (int or Money)."""
    return position_amount(asset, lots * asset.lot_size)
