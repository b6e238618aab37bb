"""What a run's results frame is made of, collected session by session.

The loop appends each session's cash, the positions that changed (:class:`PositionChange`,
none while the ledger stays the same), their value when the loop already worked it out, the
recorded variables (one shared dict until the strategy records again), and the session's
transactions, orders and corporate actions (:class:`AppliedSplit`, :class:`PaidDividend`)
only when there are any. At the end, :meth:`SessionRecords.value_columns` turns it into each
session's figures, valuing each session exactly; :meth:`SessionRecords.detail_columns` into
what each session held, traded and ordered (the results frame's lists of dicts, made only
when the frame is read); :meth:`SessionRecords.recorded_columns` gives the recorded
variables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import compress
from operator import mul
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.finance.ledger import Ledger
from rustybt.finance.order import Order, OrderStatus, zipline_order_dict
from rustybt.finance.transaction import Transaction
from rustybt.portfolio import position_amount

_OPEN = OrderStatus.OPEN

Shown = tuple[Asset, float, int, int]
"""What the results' ``positions`` entries show of a held position besides its price:
``(asset, cost_basis as a float, up, down)``, where the asset's tick is ``up / down`` (whole
powers of ten), so a price in ticks is ``ticks × up / down``, rounded once to a float."""

HeldRow = tuple[int, str, "int | float", Decimal, Shown, int]
"""One held position as a results row shows it, but its price: ``(column, symbol, amount,
cost_basis, shown, lots)``. ``column`` is the asset's column in the ledger and the bar
arrays; ``amount`` is the position as strategies see it
(:func:`rustybt.portfolio.position_amount`); ``shown`` is :data:`Shown`; ``lots`` is the
position in lots.

A plain tuple on purpose: a run makes one per fill and keeps them all, and building the
results walks every position of every session. Plain tuples of numbers and strings unpack
faster than named fields are read and leave the garbage collector nothing to traverse; an
attrs class here measured a few per cent slower on the 100-asset benchmark."""

PositionChange = tuple[int, "HeldRow | None"]
"""One position changed since the previous record: ``(column, row)``, with ``row`` None
once the position is closed."""

PositionChanges = tuple[PositionChange, ...]
"""The positions changed from one record to the next (empty when none did)."""


class HeldPositionChanges:
    """The changes to a ledger's held positions from one record to the next.

    A session stores only what changed (a fill moves one position or two); the positions of
    every session are rebuilt from the changes at the end (:func:`held_by_session`).
    """

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._seen: int | None = None
        self._assets: dict[int, tuple[Asset, str, bool, int, int]] = {}
        """Per column, what its rows always show of the asset (see :meth:`_asset_figures`)."""

    def changes(self) -> PositionChanges:
        """The positions changed since the last call (all held positions, the first time);
        empty when nothing changed."""
        ledger = self._ledger
        if ledger.revision == self._seen:
            return ()
        changed = []
        for i in ledger.changed_since(self._seen):
            lots = int(ledger.lots[i])
            changed.append((i, self._held(i, lots, ledger.cost_basis[i]) if lots else None))
        self._seen = ledger.revision
        return tuple(changed)

    def _held(self, column: int, lots: int, cost_basis: Decimal) -> HeldRow:
        figures = self._assets.get(column)
        if figures is None:
            figures = self._assets[column] = self._asset_figures(column)
        asset, symbol, whole, up, down = figures
        amount = lots if whole else position_amount(asset, lots * asset.lot_size)
        return (column, symbol, amount, cost_basis, (asset, float(cost_basis), up, down), lots)

    def _asset_figures(self, column: int) -> tuple[Asset, str, bool, int, int]:
        """The asset in ``column``, its symbol, whether its amounts are its lots, and its
        tick as ``up / down`` (whole powers of ten, see :data:`Shown`)."""
        asset = self._ledger.assets[column]
        exponent = asset.tick_exponent
        up, down = (10**exponent, 1) if exponent >= 0 else (1, 10**-exponent)
        return asset, asset.symbol, asset.whole_units and asset.lot_size == 1, up, down


def zipline_transaction(fill: Transaction) -> dict[str, Any]:
    """A fill as an entry of zipline's results ``transactions`` column (``sid`` the asset,
    figures as floats), plus the ``symbol``."""
    asset = fill.asset
    return {
        "sid": asset,
        "symbol": asset.symbol,
        "amount": int(fill.amount) if asset.lot_exponent >= 0 else float(fill.amount),
        "price": float(fill.price),
        "commission": float(fill.commission),
        "dt": fill.dt,
        "order_id": fill.order_id,
    }


@attrs.frozen(kw_only=True)
class AppliedSplit:
    """A split applied to the position in ``asset`` at the start of its ex-date
    ``ex_date``: ``ratio`` is zipline's (old shares per new share, 0.25 for 4-for-1);
    ``shares`` were held before it, ``new_shares`` after; ``cash`` is the fraction of a share
    cut off, paid at the new cost basis (negative: a short paid it)."""

    asset: Asset
    ex_date: pd.Timestamp
    ratio: float
    shares: Decimal
    new_shares: Decimal
    cash: Decimal

    def entry(self) -> dict[str, Any]:
        """The split as an entry of the results' ``actions`` column (figures as floats,
        share counts as the position's amounts are)."""
        asset = self.asset
        return {
            "kind": "split",
            "sid": asset,
            "symbol": asset.symbol,
            "ex_date": self.ex_date,
            "ratio": self.ratio,
            "shares": _shares(asset, self.shares),
            "new_shares": _shares(asset, self.new_shares),
            "cash": float(self.cash),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the exact figures as decimal strings."""
        return {
            "kind": "split",
            "symbol": self.asset.symbol,
            "ex_date": self.ex_date.date().isoformat(),
            "ratio": self.ratio,
            "shares": str(self.shares),
            "new_shares": str(self.new_shares),
            "cash": str(self.cash),
        }


@attrs.frozen(kw_only=True)
class PaidDividend:
    """A cash dividend of ``amount`` per share of ``asset``, earned by the ``shares`` held at
    the start of ``ex_date`` and paid (``cash`` = shares × amount; negative: a short owed
    it) at the start of ``pay_date`` (None: after the run's last session)."""

    asset: Asset
    ex_date: pd.Timestamp
    pay_date: pd.Timestamp | None
    amount: Decimal
    shares: Decimal
    cash: Decimal

    def entry(self) -> dict[str, Any]:
        """The dividend as an entry of the results' ``actions`` column (figures as floats,
        share counts as the position's amounts are)."""
        asset = self.asset
        return {
            "kind": "dividend",
            "sid": asset,
            "symbol": asset.symbol,
            "ex_date": self.ex_date,
            "pay_date": self.pay_date,
            "amount": float(self.amount),
            "shares": _shares(asset, self.shares),
            "cash": float(self.cash),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the exact figures as decimal strings."""
        return {
            "kind": "dividend",
            "symbol": self.asset.symbol,
            "ex_date": self.ex_date.date().isoformat(),
            "pay_date": None if self.pay_date is None else self.pay_date.date().isoformat(),
            "amount": str(self.amount),
            "shares": str(self.shares),
            "cash": str(self.cash),
        }


AppliedAction = AppliedSplit | PaidDividend
"""A corporate action as it changed a run's books at a session's start."""


def _shares(asset: Asset, shares: Decimal) -> int | float:
    """A share count as the results show amounts: an int for whole units."""
    return int(shares) if asset.lot_exponent >= 0 else float(shares)


def held_by_session(changes: list[PositionChanges]) -> list[tuple[HeldRow, ...]]:
    """The held positions of each session (in asset order), from the changes recorded per
    session; sessions without changes share the previous tuple."""
    entries: dict[int, HeldRow] = {}
    held: tuple[HeldRow, ...] = ()
    by_session = []
    for session_changes in changes:
        if session_changes:
            for column, row in session_changes:
                if row is None:
                    entries.pop(column, None)
                else:
                    entries[column] = row
            held = tuple(map(entries.__getitem__, sorted(entries)))
        by_session.append(held)
    return by_session


@attrs.define
class SessionRecords:
    """Per-session results of one run, in the order the sessions ran.

    A session's value is not worked out while the run goes on: its cash and held positions
    are kept, and :meth:`value_columns` values them at the session's closing prices at the end.
    ``starting_value`` and ``starting_cash`` are the books' before the first session
    (``starting_cash`` None: the starting value, nothing held).
    """

    starting_value: Decimal
    starting_cash: Decimal | None = None
    cash: list[Decimal] = attrs.Factory(list)
    position_changes: list[PositionChanges] = attrs.Factory(list)
    positions_units: list[int | None] = attrs.Factory(list)
    recorded: list[dict[str, Any]] = attrs.Factory(list)
    activity: dict[int, tuple[Sequence[Transaction], list[Order]]] = attrs.Factory(dict)
    actions: dict[int, tuple[AppliedAction, ...]] = attrs.Factory(dict)
    _held_by_session: list[tuple[HeldRow, ...]] | None = attrs.field(
        default=None, init=False, repr=False
    )

    def add_actions(self, applied: tuple[AppliedAction, ...]) -> None:
        """The corporate actions applied at the start of the session to be added next
        (call before its :meth:`add`)."""
        self.actions[len(self.cash)] = applied

    def applied_actions(self) -> tuple[AppliedAction, ...]:
        """Every action applied, in the order of the sessions."""
        return tuple(action for row in sorted(self.actions) for action in self.actions[row])

    def add(
        self,
        cash: Decimal,
        position_changes: PositionChanges,
        positions_units: int | None,
        recorded: dict[str, Any],
        transactions: Sequence[Transaction],
        orders: Collection[Order],
    ) -> None:
        """Append one session. ``recorded`` must not be changed afterwards (pass a new dict
        when the strategy records). ``position_changes`` is what
        :meth:`HeldPositionChanges.changes` returned for this session (empty when nothing
        changed); ``positions_units`` is the positions' value at the
        session's close in the ledger's value units when already known (None: worked out
        at the end). ``orders`` are captured as they stand now."""
        if transactions or orders:
            # A copy of each open order; one that is done never changes again, so is kept.
            captured = [o.snapshot() if o.status is _OPEN else o for o in orders]
            self.activity[len(self.cash)] = (transactions, captured)
        self.cash.append(cash)
        self.position_changes.append(position_changes)
        self.positions_units.append(positions_units)
        self.recorded.append(recorded)

    def value_columns(
        self, ticks_at_session_end: np.ndarray, ledger: Ledger
    ) -> dict[str, np.ndarray]:
        """Each session's figures, as arrays under Zipline's names: ``portfolio_value``,
        ``returns``, ``pnl``, ``cash``, ``positions_value``, ``capital_used``,
        ``starting_cash``, the ``long_value`` and ``short_value`` and the ``longs_count``
        and ``shorts_count``.

        ``ticks_at_session_end`` holds each session's closing prices in ticks (session ×
        asset); ``ledger`` is the run's, whose value units turn them into money.

        Cash moved by corporate actions shows as zipline shows it: in ``capital_used``
        (dividends paid and split fractions alike); a dividend paid at a session's start
        is in that session's ``starting_cash`` already and in none of the ``pnl``, as
        zipline takes both after paying it (its ``returns`` do count it).
        """
        count = len(self.cash)
        flows: dict[int, Decimal] = {}
        for row, (session_transactions, _) in self.activity.items():
            flows[row] = sum((t.cash_flow for t in session_transactions), Decimal(0))
        paid: dict[int, Decimal] = {}
        for row, applied in self.actions.items():
            flows[row] = flows.get(row, Decimal(0)) + sum((a.cash for a in applied), Decimal(0))
            dividends = [a.cash for a in applied if isinstance(a, PaidDividend)]
            if dividends:
                paid[row] = sum(dividends, Decimal(0))
        capital_used = [0.0] * count
        for row, flow in flows.items():
            capital_used[row] = float(flow)
        held, lots = self._lots_by_session()
        values: Mapping[str, Sequence[float] | np.ndarray] | None = None
        if not paid:
            values = self._scaled_values(held, lots, ticks_at_session_end, ledger)
        if values is None:
            values = self._values(self._held(), ticks_at_session_end, ledger, paid)
        columns: dict[str, np.ndarray] = {
            name: np.asarray(column, dtype=np.float64)
            for name, column in {**values, "capital_used": capital_used}.items()
        }
        columns["starting_cash"] = self._starting_cash(columns["cash"], paid)
        columns.update(self._long_and_short(held, lots, ticks_at_session_end, ledger))
        return columns

    def detail_columns(
        self, ticks_at_session_end: np.ndarray, ledger: Ledger
    ) -> dict[str, np.ndarray]:
        """What each session held, traded and ordered, under Zipline's names: the
        ``positions``, ``transactions``, ``orders`` and ``actions`` (one list of dicts per
        session, as one-dimensional object arrays). The arguments are
        :meth:`value_columns`'.

        The dicts carry the asset as ``sid``, as Zipline's do, beside its ``symbol``.
        """
        count = len(self.cash)
        transactions: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        orders: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        actions: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        for row, (session_transactions, session_orders) in self.activity.items():
            transactions[row] = [zipline_transaction(t) for t in session_transactions]
            orders[row] = [zipline_order_dict(o, symbol=True) for o in session_orders]
        for row, applied in self.actions.items():
            actions[row] = [action.entry() for action in applied]
        columns: dict[str, np.ndarray] = {}
        # Lists per row as one-dimensional object arrays, ready for the frame.
        for name, rows in (
            ("positions", self._positions(self._held(), _rows_of(ticks_at_session_end))),
            ("transactions", transactions),
            ("orders", orders),
            ("actions", actions),
        ):
            columns[name] = np.fromiter(rows, dtype=object, count=count)
        return columns

    def _held(self) -> list[tuple[HeldRow, ...]]:
        """The held positions of each session (:func:`held_by_session`), worked out once."""
        if self._held_by_session is None:
            self._held_by_session = held_by_session(self.position_changes)
        return self._held_by_session

    def _starting_cash(self, cash: np.ndarray, paid: dict[int, Decimal]) -> np.ndarray:
        """Each session's cash at its start: the previous session's (``cash``, floats), plus
        the dividends ``paid`` at its start, exactly, where there are any."""
        first = self.starting_value if self.starting_cash is None else self.starting_cash
        starting = np.concatenate(([float(first)], cash[:-1]))
        for row, dividends in paid.items():
            starting[row] = float((self.cash[row - 1] if row else first) + dividends)
        return starting

    def recorded_columns(self) -> dict[str, np.ndarray]:
        """Each recorded variable's value per session (NaN before it was first recorded)."""
        if not any(self.recorded):
            return {}
        recorded = pd.DataFrame(self.recorded)
        return {name: recorded[name].to_numpy() for name in recorded.columns}

    def _lots_by_session(self) -> tuple[np.ndarray, np.ndarray]:
        """The columns ever held, and each session's position in lots in each of them
        (session × column)."""
        count = len(self.cash)
        changes_of = self.position_changes
        # Each change as (session, column, change in lots); their running sum down each
        # column is the position of every session, with no per-session work.
        sessions, columns, moves = [], [], []
        held_lots: dict[int, int] = {}
        for session in compress(range(count), changes_of):
            for column, row in changes_of[session]:
                lots = 0 if row is None else row[5]
                sessions.append(session)
                columns.append(column)
                moves.append(lots - held_lots.get(column, 0))
                held_lots[column] = lots
        held, place = np.unique(np.array(columns, dtype=np.int64), return_inverse=True)
        by_session = np.zeros((count, len(held)), dtype=np.int64)
        by_session[sessions, place] = moves
        np.cumsum(by_session, axis=0, out=by_session)
        return held, by_session

    def _scaled_values(
        self, held: np.ndarray, lots: np.ndarray, ticks: np.ndarray, ledger: Ledger
    ) -> dict[str, np.ndarray] | None:
        """What :meth:`_values` gives (sessions without dividends), worked out for every
        session at once; None when the figures are too large for it.

        Every figure is a decimal: cash, and positions in value units of 10**e. Scaled by
        10**k, the finest of their places, each session's value is an integer N, and its
        value, P&L and return are N / 10**k, (N - N') / 10**k and (N - N') / N' (N' the
        previous session's). While every N is below 2**52 and 10**k at most 10**22, numpy
        holds each operand exactly, and one IEEE division rounds the exact quotient once:
        the float Python's exact integer division gives.
        """
        exponent = ledger.value_exponent
        if exponent > 0:
            return None
        count = len(self.cash)
        units = np.zeros(count, dtype=np.int64)
        if len(held):
            held_ticks = ticks[:, held]
            per_lot = np.array(ledger.value_unit_multipliers(), dtype=np.int64)[held]
            largest = _largest(lots) * _largest(per_lot) * _largest(held_ticks) * len(held)
            if largest >= _EXACT_INT64:
                return None
            units = (lots * per_lot * held_ticks).sum(axis=1)
        known = [
            (row, value) for row, value in enumerate(self.positions_units) if value is not None
        ]
        if known:
            if max(abs(value) for _, value in known) >= _EXACT_INT64:
                return None
            rows, values = zip(*known, strict=True)
            units[list(rows)] = values
        places = -exponent
        # Cash is a new object only when a session moved it: each distinct one, once.
        identities = np.fromiter(map(id, self.cash), dtype=np.uint64, count=count)
        _, first_rows, which = np.unique(identities, return_index=True, return_inverse=True)
        fractions = [self.cash[row].as_integer_ratio() for row in first_rows.tolist()]
        start = self.starting_value.as_integer_ratio()
        for _, denominator in (*fractions, start):
            denominator_places = _decimal_places(denominator)
            if denominator_places is None:
                return None
            places = max(places, denominator_places)
        if places > _EXACT_POWERS_OF_TEN:
            return None
        scale = 10**places
        scaled = [n * (scale // d) for n, d in fractions]
        first = start[0] * (scale // start[1])
        unit_scale = 10 ** (places + exponent)
        largest = max(map(abs, (first, *scaled))) + _largest(units) * unit_scale
        if largest >= _EXACT_FLOAT:
            return None
        cash = np.array(scaled, dtype=np.int64)[which.reshape(-1)]
        value = cash + units * unit_scale
        previous = np.concatenate(([first], value[:-1]))
        change = value - previous
        divisor = float(scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            returns = np.where((change == 0) | (previous == 0), 0.0, change / previous)
        return {
            "portfolio_value": value / divisor,
            "returns": returns,
            "pnl": change / divisor,
            "cash": cash / divisor,
            "positions_value": units / float(10**-exponent),
        }

    def _long_and_short(
        self, held: np.ndarray, lots: np.ndarray, ticks_at_session_end: np.ndarray, ledger: Ledger
    ) -> dict[str, np.ndarray]:
        """Per session, the value at the close of the long positions (``long_value``, ≥ 0)
        and of the short ones (``short_value``, ≤ 0), as floats, and how many of each
        (``longs_count``, ``shorts_count``; a position priced at 0 is neither), from the
        lots of the columns ``held`` (:meth:`_lots_by_session`)."""
        position = lots.astype(np.float64)
        money_per_tick = np.array(ledger.value_unit_multipliers(), dtype=np.float64)[held]
        money_per_tick *= float(Decimal((0, (1,), ledger.value_exponent)))
        position *= money_per_tick
        values = np.multiply(position, ticks_at_session_end[:, held], out=position)
        return {
            "long_value": np.maximum(values, 0.0).sum(axis=1),
            "short_value": np.minimum(values, 0.0).sum(axis=1),
            "longs_count": (values > 0).sum(axis=1, dtype=np.int64),
            "shorts_count": (values < 0).sum(axis=1, dtype=np.int64),
        }

    def _values(
        self,
        held: list[tuple[HeldRow, ...]],
        ticks: np.ndarray,
        ledger: Ledger,
        paid: dict[int, Decimal],
    ) -> dict[str, list[float]]:
        """Value, return, P&L, cash and positions value per session; the P&L leaves out
        the dividends ``paid`` at a session's start (by row). ``ticks`` holds each
        session's closing prices (session × asset), read only for the sessions whose
        positions' value was not recorded during the run.

        Each is an exact fraction of integers (cash's numerator and denominator, positions
        in the ledger's value units), which Python divides into the nearest float: the
        figures equal exact Decimal arithmetic rounded once, at less cost.
        """
        multiplier = ledger.value_unit_multipliers()
        unit_num, unit_den = Decimal((0, (1,), ledger.value_exponent)).as_integer_ratio()
        names = ("portfolio_value", "returns", "pnl", "cash", "positions_value")
        columns: dict[str, list[float]] = {name: [] for name in names}
        value_column, returns, pnl, cash_column, positions_value = columns.values()
        weights: dict[int, tuple[list[int], list[int]]] = {}
        previous_num, previous_den = self.starting_value.as_integer_ratio()
        last_cash: Decimal | None = None
        flat = False
        rows = zip(held, self.cash, self.positions_units, strict=True)
        for row, (holdings, cash, known) in enumerate(rows):
            if cash is not last_cash:
                last_cash = cash
                cash_num, cash_den = cash.as_integer_ratio()
                cash_float = cash_num / cash_den
                den = cash_den * unit_den
            elif flat and not holdings:  # a flat book whose cash did not move: no change
                value_column.append(cash_float)
                cash_column.append(cash_float)
                positions_value.append(0.0)
                pnl.append(0.0)
                returns.append(0.0)
                continue
            flat = not holdings
            if flat:
                units = 0
            elif known is not None:
                units = known * unit_num
            else:
                held_weights = weights.get(id(holdings))
                if held_weights is None:
                    held_weights = weights[id(holdings)] = (
                        [column for column, *_ in holdings],
                        [lots * multiplier[column] for column, _, _, _, _, lots in holdings],
                    )
                columns_held, lot_units = held_weights
                closes = ticks[row].tolist()
                units = sum(map(mul, lot_units, map(closes.__getitem__, columns_held))) * unit_num
            # value = cash + units × unit = (cash_num × unit_den + units × cash_den) / den
            num = cash_num * unit_den + units * cash_den
            value_column.append(num / den)
            cash_column.append(cash_float)
            positions_value.append(units / unit_den if units else 0.0)
            change = num * previous_den - previous_num * den
            if paid and row in paid:
                paid_num, paid_den = paid[row].as_integer_ratio()
                earned = change * paid_den - paid_num * den * previous_den
                pnl.append(earned / (den * previous_den * paid_den))
                returns.append(change / (den * previous_num) if previous_num else 0.0)
            elif change:
                pnl.append(change / (den * previous_den))
                returns.append(change / (den * previous_num) if previous_num else 0.0)
            else:
                pnl.append(0.0)
                returns.append(0.0)
            previous_num, previous_den = num, den
        return columns

    def _positions(
        self, held: list[tuple[HeldRow, ...]], ticks: Iterable[list[int]]
    ) -> list[list[dict[str, Any]]]:
        """Each session's positions as zipline's results list them (``sid`` the asset,
        figures as floats), plus the ``symbol``; integer true division rounds each exact
        price (ticks × up / down) once."""
        return [
            [
                {
                    "sid": asset,
                    "symbol": symbol,
                    "amount": amount,
                    "cost_basis": cost_basis,
                    "last_sale_price": closes[column] * up / down,
                }
                for column, symbol, amount, _, (asset, cost_basis, up, down), _ in holdings
            ]
            if holdings
            else []
            for holdings, closes in zip(held, ticks, strict=True)
        ]


_EXACT_INT64 = 2**62
"""Below this, sums of products stay exact in int64 (with room for their sum's sign)."""
_EXACT_FLOAT = 2**52
"""Below this, an integer and the difference of two such are exact in a float64."""
_EXACT_POWERS_OF_TEN = 22
"""10**22 is the largest power of ten a float64 holds exactly."""


def _largest(values: np.ndarray) -> int:
    """The largest magnitude in ``values`` (0 when empty), as a Python integer."""
    return int(np.abs(values).max()) if values.size else 0


def _decimal_places(denominator: int) -> int | None:
    """The fewest decimal places that write ``1 / denominator`` exactly (the k with
    ``denominator`` dividing 10**k), or None when no number of places does."""
    twos = (denominator & -denominator).bit_length() - 1
    rest = denominator >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    return max(twos, fives) if rest == 1 else None


def _rows_of(ticks: np.ndarray, block: int = 256) -> Iterator[list[int]]:
    """The rows of ``ticks`` as lists of Python ints, converted a block of rows at a time:
    the whole array at once would hold an int object per session and asset (about 10 MB
    for 100 assets over 10 years) while the frame is built."""
    for start in range(0, len(ticks), block):
        yield from ticks[start : start + block].tolist()
