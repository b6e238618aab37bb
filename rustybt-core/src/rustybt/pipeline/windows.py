"""Trailing windows over a column's values, adjusted as of each window's session.

Zipline's AdjustedArray: an adjustment keyed by row ``k`` multiplies the rows ``0..k`` of
one asset's column by ``ratio`` in every window whose last row is ``k`` or later (the row
of an ex-date holds the bar of the session before it, so it is adjusted too). Windows are
produced in order of their last row from one working copy of the values, each adjustment
multiplied in once when the windows reach its row, as zipline does, so the floats agree
with zipline's exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import attrs
import numpy as np

Adjustment = tuple[int, float]
"""(asset column, ratio): multiply that column's rows up to the adjustment's row."""


class Windows:
    """The windows of ``window_length`` rows of ``values`` ending at each of the last
    ``count`` rows, oldest first, with ``adjustments`` (row -> [(column, ratio)]) applied as
    of each window's last row. Each window is a read-only (window_length, n_assets) array,
    valid until the next one is taken."""

    def __init__(
        self,
        values: np.ndarray,
        window_length: int,
        count: int,
        adjustments: Mapping[int, Sequence[Adjustment]] | None = None,
    ) -> None:
        if len(values) != count + window_length - 1:
            raise ValueError(
                f"{len(values)} rows cannot make {count} windows of {window_length} rows"
            )
        self.values = values
        self.window_length = window_length
        self.count = count
        self.adjustments = dict(adjustments or {})

    @property
    def adjusted(self) -> bool:
        """Whether any adjustment falls on these rows."""
        return bool(self.adjustments)

    def __iter__(self) -> Iterator[np.ndarray]:
        length = self.window_length
        if not self.adjustments:
            view = self.values.view()
            view.flags.writeable = False
            for end in range(length, length + self.count):
                yield view[end - length : end]
            return
        data = np.array(self.values, dtype=self.values.dtype, copy=True)
        keys = sorted(self.adjustments)
        position = 0
        for end in range(length, length + self.count):
            while position < len(keys) and keys[position] < end:
                row = keys[position]
                for column, ratio in self.adjustments[row]:
                    data[: row + 1, column] *= ratio
                position += 1
            window = data[end - length : end]
            window.flags.writeable = False
            yield window

    def rolling(self) -> Rolling:
        """Every window at once in the form rolling computations need (see
        :class:`Rolling`): the values back-adjusted as of the last row, and per window the
        scale that turns them into that window's values."""
        if not self.adjustments:
            values = self.values
            scale = np.ones((1, values.shape[1]))
        else:
            factors = self._suffix_factors()
            values = self.values * factors[:-1]
            # The window ending at row r is adjusted by what is keyed up to r: the rest,
            # keyed after r, is undone by dividing by the product of those ratios.
            scale = factors[self.window_length :]
        return Rolling(values=values, scale=scale, window_length=self.window_length)

    def latest(self) -> np.ndarray:
        """The last row of every window, adjusted as of it: a (count, n_assets) array."""
        last = self.values[self.window_length - 1 :]
        if not self.adjustments:
            return last
        out = np.array(last, dtype=np.float64, copy=True)
        first = self.window_length - 1
        for row, entries in self.adjustments.items():
            if row >= first:
                for column, ratio in entries:
                    out[row - first, column] *= ratio
        return out

    def _suffix_factors(self) -> np.ndarray:
        """Per row (plus one past the end) and column, the product of the ratios keyed at
        that row or later: rows x ratio product of what a window ending later applies."""
        rows, columns = self.values.shape
        keyed = np.ones((rows + 1, columns))
        for row, entries in self.adjustments.items():
            for column, ratio in entries:
                keyed[row, column] *= ratio
        return np.cumprod(keyed[::-1], axis=0)[::-1]


@attrs.frozen(eq=False)
class Rolling:
    """The windows of one input for computing a statistic over every session at once.

    ``values`` (``count + window_length - 1`` rows x assets) are back-adjusted as of the last
    row; the window ending at row ``e`` is ``values[e - window_length + 1 : e + 1] /
    scale[e - window_length + 1]``: ``scale`` has one row per window (or a single row of ones
    when nothing is adjusted), the adjustments not known yet on the window's last row. A
    statistic that is linear in the window (a sum, a mean) is thus the statistic of the
    back-adjusted values divided by the scale, and ratios of such statistics need no scale.
    """

    values: np.ndarray
    scale: np.ndarray
    window_length: int

    @property
    def count(self) -> int:
        """How many windows (sessions) there are."""
        return len(self.values) - self.window_length + 1

    def row(self, offset: int) -> np.ndarray:
        """Row ``offset`` (0 the oldest, -1 the newest) of every window, adjusted as of it:
        a new (count, assets) array, which the caller may write into."""
        first = offset % self.window_length
        rows = self.values[first : first + self.count]
        result: np.ndarray = rows / self.scale
        return result

    def one_signed(self, data: np.ndarray | None = None) -> bool:
        """Whether ``data`` (default: the values) is float64, finite where not NaN and
        never both negative and positive: the data whose rolling sums
        :func:`rolling_nansum` gives to zipline's precision (no cancellation)."""
        data = self.values if data is None else data
        if data.dtype != np.float64:
            return False
        if data.size == 0:
            return True
        low = float(np.fmin.reduce(data, axis=None))
        high = float(np.fmax.reduce(data, axis=None))
        if np.isinf(low) or np.isinf(high):
            return False
        return not (low < 0.0 < high)


ROLLING_BLOCK = 512
"""Rows summed from one starting point at least: the rolling sums start afresh every
block, so rounding does not pile up over a long history."""


def rolling_nansum(data: np.ndarray, window_length: int) -> tuple[np.ndarray, np.ndarray]:
    """The sums of ``data`` over every run of ``window_length`` rows skipping NaN, and how
    many values each sum has: two (len(data) - window_length + 1, columns) arrays, the
    sums new (the caller may write into them), the counts possibly read-only.

    Sums are differences of running sums restarted every block of windows (at least
    :data:`ROLLING_BLOCK` rows and four windows long), so each is within a few ulps of the
    block's largest running sum; for data of one sign that is within ~1e-13 of the sum a
    window-by-window sum gives. A window without values sums to 0 with a count of 0.
    """
    windows = len(data) - window_length + 1
    # The minimum is NaN exactly when a value is: one pass, nothing allocated.
    if data.size and np.isnan(np.min(data)):
        missing = np.isnan(data)
        filled = np.where(missing, 0.0, data)
        counts_so_far = np.cumsum(~missing, axis=0, dtype=np.int64)
        counts = counts_so_far[window_length - 1 :].copy()
        counts[1:] -= counts_so_far[: windows - 1]
    else:
        filled = data
        # Every window is full: one count stands for all (a read-only view).
        counts = np.broadcast_to(np.int64(window_length), (windows, data.shape[1]))
    sums = np.empty((windows, data.shape[1]))
    block = max(ROLLING_BLOCK, 4 * window_length)
    for start in range(0, windows, block):
        stop = min(windows, start + block)
        running = np.cumsum(filled[start : stop + window_length - 1], axis=0)
        sums[start] = running[window_length - 1]
        np.subtract(
            running[window_length : window_length + stop - start - 1],
            running[: stop - start - 1],
            out=sums[start + 1 : stop],
        )
    return sums, counts
