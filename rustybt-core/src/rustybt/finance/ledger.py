"""The ledger: exact cash and positions, and their value at any bar.

Cash, fill prices, commissions and realized P&L are ``Decimal``. Position sizes are kept as
whole numbers of lots (int64) and bar prices as whole numbers of ticks, so valuing every
position at every bar is one exact integer dot product: with ``units = ticks × 10^k`` on a
common decimal exponent, ``positions_value = Σ lots × units × 10^exponent``. The accounting
identity ``portfolio_value == cash + Σ amount × last_price`` therefore holds exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from rustybt.assets import Asset
from rustybt.finance.transaction import Transaction

_INT64_SAFE = 2**62
_FEW_POSITIONS = 8
"""Up to this many held positions are valued with Python integers, beyond with numpy."""

Holding = tuple[int, int, Decimal]
"""One held position as the ledger has it: ``(column, lots, cost_basis)``; ``column`` is the
asset's index in :attr:`Ledger.assets`. A plain tuple: what was read of one revision stays
true of it."""


class Ledger:
    """Cash and positions of one account over a fixed universe of assets."""

    def __init__(self, assets: Sequence[Asset], starting_cash: Decimal) -> None:
        self.assets: list[Asset] = []
        self.index: dict[Asset, int] = {}
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.commissions = Decimal(0)
        self.realized_pnl: list[Decimal] = []
        self.lots = np.zeros(0, dtype=np.int64)
        self.cost_basis: list[Decimal] = []
        self._lots_bound = 0
        self._units_bound = 0
        self._held = np.zeros(0, dtype=np.intp)
        self._held_at = 0
        self.held_count = 0
        """How many assets have a non-zero position (kept as positions change)."""
        self._few: list[tuple[int, int]] = []
        self._few_at = -1
        self.revision = 0
        """Goes up with every change to positions (fills, restored positions, new assets):
        what was worked out from the positions at one revision holds while it is the same."""
        self._changed_at: dict[int, int] = {}
        """The revision that last changed each column's position, the latest change last
        (a column moves to the end when it changes): :meth:`changed_since` reads only the
        changes it asks for."""
        self.add_assets(assets)

    def add_assets(self, assets: Sequence[Asset]) -> None:
        """Extend the universe (a paper broker meets new symbols as orders arrive).

        Value units are re-based when a finer tick or lot arrives, so call
        :meth:`value_units` again after adding assets.
        """
        new = [a for a in dict.fromkeys(assets) if a not in self.index]
        for asset in new:
            self.index[asset] = len(self.assets)
            self.assets.append(asset)
        self.lots = np.concatenate([self.lots, np.zeros(len(new), dtype=np.int64)])
        self.revision += 1
        for i in range(len(self.assets) - len(new), len(self.assets)):
            self._changed(i)
        self.cost_basis.extend([Decimal(0)] * len(new))
        exponents = [a.lot_exponent + a.tick_exponent for a in self.assets]
        self.value_exponent = min(exponents, default=0)
        self._unit_multiplier = np.array(
            [10 ** (e - self.value_exponent) for e in exponents], dtype=np.int64
        )

    # -- valuation -----------------------------------------------------------------------

    def value_units(self, ticks: np.ndarray) -> np.ndarray:
        """Convert prices in ticks (int64, ``[..., asset]``) to the ledger's value units.

        Call once with every price the run will use, so the ledger knows the largest unit
        and can tell when integer arithmetic would overflow.
        """
        units = ticks * self._unit_multiplier
        if units.size:
            self._units_bound = max(self._units_bound, int(np.abs(units).max()))
        return units

    def positions_value_units(self, units: np.ndarray) -> int:
        """``Σ lots × units`` exactly, for one row of :meth:`value_units` output."""
        if self.held_count <= _FEW_POSITIONS:
            # Python integers: exact at any size, and cheaper than a dot product for a few.
            if self._few_at != self.revision:
                self._few = [(i, int(self.lots[i])) for i in self.held().tolist()]
                self._few_at = self.revision
            total = 0
            for i, lots in self._few:
                total += lots * int(units[i])
            return total
        if self._lots_bound * self._units_bound * max(len(self.lots), 1) < _INT64_SAFE:
            return int(self.lots @ units)
        held = np.flatnonzero(self.lots)
        return sum(int(self.lots[i]) * int(units[i]) for i in held)

    def gross_value_units(self, units: np.ndarray) -> int:
        """``Σ |lots × units|`` exactly (long and short positions both count), for one row
        of :meth:`value_units` output."""
        held = self.held()
        if not len(held):
            return 0
        if self._lots_bound * self._units_bound * len(held) < _INT64_SAFE:
            return int(np.abs(self.lots[held] * units[held]).sum())
        pairs = zip(self.lots[held].tolist(), units[held].tolist(), strict=True)
        return sum(abs(lots * price) for lots, price in pairs)

    def value_unit_multipliers(self) -> list[int]:
        """Per asset, the value units that one tick of one lot is worth (``value_units``
        multiplies ticks by these)."""
        return self._unit_multiplier.tolist()

    def units_to_money(self, units: int) -> Decimal:
        """A value in ledger units as an exact Decimal amount of money."""
        return Decimal(units).scaleb(self.value_exponent)

    def portfolio_value(self, units: np.ndarray) -> Decimal:
        """``cash + Σ amount × price`` at the prices in ``units`` (one row), exactly."""
        if not self.held_count:
            return self.cash
        return self.cash + self.units_to_money(self.positions_value_units(units))

    # -- positions -----------------------------------------------------------------------

    def amount(self, asset: Asset) -> Decimal:
        """The position in ``asset`` (0 when not held or not in the universe)."""
        i = self.index.get(asset)
        if i is None:
            return Decimal(0)
        return Decimal(int(self.lots[i])) * asset.lot_size

    def changed_since(self, revision: int | None) -> list[int]:
        """Columns of the assets whose position changed after ``revision`` (every asset for
        None), in asset order."""
        if revision is None:
            return list(range(len(self.assets)))
        columns = []
        for column, changed_at in reversed(self._changed_at.items()):
            if changed_at <= revision:
                break
            columns.append(column)
        columns.sort()
        return columns

    def _changed(self, column: int) -> None:
        """Note that ``column``'s position changed at the current revision."""
        changed_at = self._changed_at
        changed_at.pop(column, None)
        changed_at[column] = self.revision

    def held(self) -> np.ndarray:
        """Indices of the assets with a non-zero position (read-only; recomputed only after
        positions change)."""
        if self._held_at != self.revision:
            held = np.flatnonzero(self.lots)
            held.flags.writeable = False
            self._held, self._held_at = held, self.revision
        return self._held

    def holding(self, column: int) -> Holding | None:
        """The position of the asset in ``column`` (:data:`Holding`), None when not held."""
        lots = int(self.lots[column])
        return (column, lots, self.cost_basis[column]) if lots else None

    def set_position(self, asset: Asset, lots: int, cost_basis: Decimal) -> None:
        """Set a position directly (restoring a checkpoint, adopting a broker's holdings)."""
        i = self.index[asset]
        self.held_count += bool(lots) - bool(self.lots[i])
        self.lots[i] = lots
        self.cost_basis[i] = cost_basis
        self.revision += 1
        self._changed(i)
        self._lots_bound = max(self._lots_bound, abs(lots))

    def credit(self, amount: Decimal) -> None:
        """Add ``amount`` to cash (negative: take it) for something other than a fill: a
        dividend paid or owed."""
        if amount:
            self.cash += amount
            self.revision += 1

    def split(self, asset: Asset, ratio: float) -> Decimal:
        """Apply a split to the position in ``asset``, as zipline does: ``ratio`` is old
        shares per new share (0.25 for 4-for-1). The amount becomes ``amount / ratio``
        truncated toward zero, the cost basis ``cost_basis × ratio`` rounded to the cent,
        and the fraction of a share cut off is paid in cash at the new cost basis, rounded
        to the cent (a short pays for it). Zipline works these out in floats; so does this,
        for the same cents. Returns the cash (0 when nothing is held)."""
        i = self.index[asset]
        lots = int(self.lots[i])
        if not lots:
            return Decimal(0)
        raw = float(Decimal(lots) * asset.lot_size) / ratio
        whole = math.trunc(raw)
        cost_basis = round(float(self.cost_basis[i]) * ratio, 2)
        cash = Decimal(repr(round((raw - whole) * cost_basis, 2)))
        new = int(Decimal(whole) / asset.lot_size)
        self.held_count -= not new  # a position of a fraction of a lot is gone
        self.lots[i] = new
        self.cost_basis[i] = Decimal(repr(cost_basis)) if new else Decimal(0)
        self.cash += cash
        self.revision += 1
        self._changed(i)
        self._lots_bound = max(self._lots_bound, abs(new))
        return cash

    def apply(self, transaction: Transaction) -> Decimal | None:
        """Book a fill: move cash, update the position and its average cost.

        Cost basis is the average fill price of the open position, with commissions of
        opening fills added per unit. A fill that reduces a position realizes
        ``(price - cost basis) × closed amount × side - commission``, which is recorded
        and returned; a fill that only opens or adds returns ``None``.
        """
        asset = transaction.asset
        i = self.index[asset]
        amount = transaction.amount
        if asset.lot_exponent == 0:  # a lot of one unit: the amount counts lots
            delta = int(amount)
            whole_lots = delta == amount
        else:
            delta = int(amount / asset.lot_size)
            whole_lots = delta * asset.lot_size == amount
        if not whole_lots:
            raise ValueError(
                f"fill amount {transaction.amount} is not a multiple of {asset.lot_size}"
            )
        old = int(self.lots[i])
        new = old + delta
        price, commission = transaction.price, transaction.commission
        notional = amount * price
        self.cash += -notional - commission  # Transaction.cash_flow
        self.commissions += commission
        basis = self.cost_basis[i]
        realized = None
        if old == 0 or (old > 0) == (delta > 0):
            old_amount = Decimal(old) * asset.lot_size
            new_amount = Decimal(new) * asset.lot_size
            basis = (old_amount * basis + notional + commission) / new_amount
        else:
            closed = min(abs(old), abs(delta))
            side = 1 if old > 0 else -1
            closed_amount = Decimal(closed) * asset.lot_size
            realized = (price - basis) * closed_amount * side - commission
            self.realized_pnl.append(realized)
            if new == 0:
                basis = Decimal(0)
            elif (new > 0) != (old > 0):
                basis = price
        self.held_count += bool(new) - bool(old)
        self.lots[i] = new
        self.cost_basis[i] = basis
        self.revision += 1
        changed_at = self._changed_at  # _changed, written out: one call fewer per fill
        changed_at.pop(i, None)
        changed_at[i] = self.revision
        if abs(new) > self._lots_bound:
            self._lots_bound = abs(new)
        return realized
