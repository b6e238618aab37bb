"""Splits and dividends applied to bars: history windows adjusted as of the current bar, as
zipline's ``data.history`` gives them, and whole runs back-adjusted (the ``adjusted`` mode).

A :class:`~rustybt.data.actions.Adjustments` says that rows before bar ``bars[k]`` are
multiplied by ``ratios[k]``. Zipline applies one to a history window once the run has reached
its bar: every row of the window before the bar is multiplied, cumulatively in the order of
the bars (on one bar the dividend before the split), and the whole window is then rounded to
3 decimals. The current row, and a window that no adjustment falls inside, stay raw.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence

import attrs
import numpy as np

from rustybt.data.actions import Adjustments, RunActions

PRICE_FIELDS = ("open", "high", "low", "close", "price")
"""The fields adjusted by the price ratios (splits and dividends)."""
VOLUME_FIELD = "volume"
"""The field adjusted by the volume ratios (splits only, inverted)."""
HISTORY_DECIMALS = 3
"""Zipline's ``DEFAULT_ASSET_PRICE_DECIMALS``: an adjusted window is rounded to these."""

Rows = range | np.ndarray
"""The timeline rows of a window's rows, ascending: a range for consecutive bars, an array
for one bar per session (a minute run's daily history)."""


@attrs.frozen
class ColumnAdjustments:
    """One column's adjustments of one kind, as lists (``bisect`` on a short list is the
    cheapest way to ask whether a window needs any)."""

    bars: list[int]
    ratios: list[float]
    stored_as_thousandths: bool = False
    """True for prices: zipline stores them as whole thousandths and adjusts what it reads
    back (``n × 0.001``), so an adjusted window starts from the same values."""

    def affects(self, first: int, current: int) -> bool:
        """Whether an adjustment falls inside a window whose first row is timeline row
        ``first``, as of bar ``current``: one whose bar is after ``first`` and at or
        before ``current``."""
        bars = self.bars
        reached = bisect_right(bars, current)
        return reached > 0 and bars[reached - 1] > first

    def apply(self, values: np.ndarray, rows: Rows, current: int) -> None:
        """Adjust ``values`` (one column's window, writeable, row ``i`` being timeline row
        ``rows[i]``) in place as of bar ``current``, then round it to
        :data:`HISTORY_DECIMALS`."""
        bars, ratios = self.bars, self.ratios
        first = int(rows[0])
        if self.stored_as_thousandths:
            np.multiply(np.round(values * 1000), 0.001, out=values)
        for k in range(bisect_right(bars, first), bisect_right(bars, current)):
            bar = bars[k]
            before = bar - first if type(rows) is range else int(np.searchsorted(rows, bar))
            values[:before] *= ratios[k]
        np.round(values, HISTORY_DECIMALS, out=values)


@attrs.frozen
class GroupAdjustments:
    """The adjustments of some of a list of assets' columns for one field: ``bars`` all their
    bars, sorted (to ask at once whether a window needs any), and ``members`` the position
    in the list and adjustments of each column that has some."""

    bars: list[int]
    members: tuple[tuple[int, ColumnAdjustments], ...]

    def affects(self, first: int, current: int) -> bool:
        """Whether any member's adjustment falls inside the window (see
        :meth:`ColumnAdjustments.affects`)."""
        bars = self.bars
        reached = bisect_right(bars, current)
        return reached > 0 and bars[reached - 1] > first

    def apply(self, values: np.ndarray, rows: Rows, current: int, *, by_column: bool) -> None:
        """Adjust the affected columns of ``values`` (writeable; one row per asset when
        ``by_column``, else one column per asset) in place as of bar ``current``."""
        first = int(rows[0])
        for position, column in self.members:
            if column.affects(first, current):
                column.apply(values[position] if by_column else values[:, position], rows, current)


class HistoryAdjustments:
    """A run's history adjustments by field and array column (from its
    :class:`~rustybt.data.actions.RunActions`), quick to ask about a window."""

    def __init__(self, run_actions: RunActions) -> None:
        prices = _by_column(run_actions.prices, stored_as_thousandths=True)
        volumes = _by_column(run_actions.volumes, stored_as_thousandths=False)
        self._tables: dict[str, dict[int, ColumnAdjustments]] = dict.fromkeys(PRICE_FIELDS, prices)
        self._tables[VOLUME_FIELD] = volumes

    def column(self, field: str, column: int) -> ColumnAdjustments | None:
        """The adjustments of ``field`` in array column ``column``; None without any."""
        return self._tables[field].get(column)

    def group(self, field: str, columns: Sequence[int]) -> GroupAdjustments | None:
        """The adjustments of ``field`` in array columns ``columns`` (a list of assets);
        None when none of them has any."""
        table = self._tables[field]
        members = tuple(
            (position, table[column]) for position, column in enumerate(columns) if column in table
        )
        if not members:
            return None
        bars = sorted({bar for _, adjustments in members for bar in adjustments.bars})
        return GroupAdjustments(bars=bars, members=members)

    def series(
        self, field: str, column: int, values: np.ndarray, rows: Rows, current: int
    ) -> np.ndarray:
        """``values`` (one column's window at timeline rows ``rows``) as of bar ``current``:
        the same array when no adjustment falls inside the window, else an adjusted copy."""
        adjustments = self._tables[field].get(column)
        if adjustments is None or not adjustments.affects(int(rows[0]), current):
            return values
        adjusted = np.array(values, dtype=np.float64)
        adjustments.apply(adjusted, rows, current)
        return adjusted


def _by_column(
    table: Mapping[int, Adjustments], *, stored_as_thousandths: bool
) -> dict[int, ColumnAdjustments]:
    return {
        column: ColumnAdjustments(
            bars=a.bars.tolist(),
            ratios=a.ratios.tolist(),
            stored_as_thousandths=stored_as_thousandths,
        )
        for column, a in table.items()
        if len(a.bars)
    }
