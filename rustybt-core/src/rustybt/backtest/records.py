"""What a backtest's results frame is made of, collected session by session.

The loop appends the exact end-of-session values (``Decimal``), the session's transactions
and orders only when there are any, the recorded variables (one shared dict until the
strategy records again) and the held positions (one shared snapshot until the ledger
changes).
:meth:`SessionRecords.columns` turns it all into the frame's columns once, at the end.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.finance.ledger import Ledger
from rustybt.finance.order import Order
from rustybt.finance.transaction import Transaction
from rustybt.portfolio import position_amount

PositionEntry = tuple[int, str, Any, Decimal, Decimal]
"""The fixed part of one held position in the ``positions`` column: (asset column, symbol,
amount as strategies see it, cost basis, the asset's tick as a Decimal)."""


class HeldPositions:
    """Snapshots of a ledger's held positions, each made from the last by redoing only the
    positions that changed since: a fill moves one position, so the others are reused."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._entries: list[PositionEntry | None] = []
        self._seen = -1

    def snapshot(self) -> tuple[PositionEntry, ...]:
        """An entry for every non-zero position, in the ledger's asset order."""
        ledger = self._ledger
        if len(self._entries) < len(ledger.assets):
            self._entries.extend([None] * (len(ledger.assets) - len(self._entries)))
        for i in np.flatnonzero(ledger.changed_at > self._seen).tolist():
            lots = int(ledger.lots[i])
            self._entries[i] = self._entry(i, lots, ledger.cost_basis[i]) if lots else None
        self._seen = ledger.changes
        return tuple(filter(None, self._entries))

    def _entry(self, column: int, lots: int, cost_basis: Decimal) -> PositionEntry:
        asset = self._ledger.assets[column]
        whole = asset.whole_units and asset.lot_size == 1
        amount = lots if whole else position_amount(asset, lots * asset.lot_size)
        # ticks × tick is exact (int64 ticks have at most 19 digits) and gives the price
        # with the tick's exponent, quicker than scaleb.
        tick = Decimal((0, (1,), asset.tick_exponent))
        return (column, asset.symbol, amount, cost_basis, tick)


@attrs.define
class SessionRecords:
    """Per-session results of one run, in the order the sessions ran."""

    starting_value: Decimal
    values: list[Decimal] = attrs.Factory(list)
    cash: list[Decimal] = attrs.Factory(list)
    holdings: list[tuple[PositionEntry, ...]] = attrs.Factory(list)
    recorded: list[dict[str, Any]] = attrs.Factory(list)
    activity: dict[int, tuple[list[Transaction], list[dict[str, Any]]]] = attrs.Factory(dict)

    def add(
        self,
        value: Decimal,
        cash: Decimal,
        holdings: tuple[PositionEntry, ...],
        recorded: dict[str, Any],
        transactions: list[Transaction],
        orders: Collection[Order],
    ) -> None:
        """Append one session. ``recorded`` must not be changed afterwards (pass a new dict
        when the strategy records); ``holdings`` is a :meth:`HeldPositions.snapshot`;
        ``orders`` are captured as they stand now."""
        if transactions or orders:
            self.activity[len(self.values)] = (transactions, [o.to_dict() for o in orders])
        self.values.append(value)
        self.cash.append(cash)
        self.holdings.append(holdings)
        self.recorded.append(recorded)

    def columns(self, ticks_at_session_end: np.ndarray) -> dict[str, Any]:
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
            "positions": self._positions(ticks_at_session_end),
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

    def _positions(self, ticks_at_session_end: np.ndarray) -> list[list[dict[str, Any]]]:
        return [
            [
                {
                    "symbol": symbol,
                    "amount": amount,
                    "cost_basis": basis,
                    "last_sale_price": Decimal(ticks[i]) * tick,
                }
                for i, symbol, amount, basis, tick in holdings
            ]
            if holdings
            else []
            for holdings, ticks in zip(self.holdings, ticks_at_session_end.tolist(), strict=True)
        ]
