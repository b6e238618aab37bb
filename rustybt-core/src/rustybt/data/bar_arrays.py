"""A run's bars as aligned numpy arrays, prepared once so the per-bar loop never touches pandas."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rustybt.assets import Asset

FIELDS = ("open", "high", "low", "close", "volume")
_MADE_WHEN_READ = frozenset({"open", "high", "low"})
"""Fields few strategies read: their arrays are made the first time one is read."""


class FieldArrays(dict[str, np.ndarray]):
    """A run's ``[time, asset]`` arrays by field. Open, high and low are made from the bars
    the first time they are read (``fields["open"]``): most runs read only closes and
    volumes, and each array is as large as the run's bars. Iterating gives the arrays made
    so far."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[str], np.ndarray]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, field: str) -> np.ndarray:
        if field not in _MADE_WHEN_READ:
            raise KeyError(field)
        values = self[field] = self._make(field)
        return values


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Each NaN in a ``[time, asset]`` array replaced by the last non-NaN above it (a new
    array)."""
    if not values.size:
        return values.copy()
    valid = ~np.isnan(values)
    # Most data has a bar in every row from each asset's first on: then there is nothing
    # to carry forward, and finding so is a fraction of the cost of filling.
    counts = valid.sum(axis=0)
    if np.all((counts == 0) | (counts == len(values) - valid.argmax(axis=0))):
        return values.copy()
    rows = np.where(valid, np.arange(values.shape[0])[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    filled = values[rows, np.arange(values.shape[1])]
    seen = np.maximum.accumulate(valid, axis=0)
    return np.where(seen, filled, np.nan)


def last_rows(mask: np.ndarray) -> np.ndarray:
    """For each cell of a ``[time, asset]`` boolean array, the last row at or above it that is
    True in its column (-1 above the first)."""
    rows = np.where(mask, np.arange(mask.shape[0])[:, None], -1)
    return np.maximum.accumulate(rows, axis=0)


def session_to_date(fields: Mapping[str, np.ndarray], field: str, bounds: np.ndarray) -> np.ndarray:
    """Each row's daily bar so far: ``field`` of the row's session from its first row to that
    row, per asset, from ``[time, asset]`` ``fields`` whose sessions span rows
    ``bounds[i]:bounds[i + 1]``. Minute bars roll up as Zipline rolls them: the first open,
    the highest high, the lowest low, the last close (each NaN while the asset has no bar in
    the session), the volumes summed in time order, and the price (the close carried
    forward, across sessions too). A session's last row holds its whole daily bar."""
    values = fields[field]
    if field == "price":
        return values
    lengths = np.diff(bounds)
    rows = np.arange(len(values))[:, None]
    if field == "close":
        first_row = np.repeat(bounds[:-1], lengths)[:, None]
        traded = last_rows(~np.isnan(values)) >= first_row
        return np.where(traded, fields["price"], np.nan)
    if field == "open":
        opened = np.where(np.isnan(values), len(values), rows)
        first = np.repeat(np.minimum.reduceat(opened, bounds[:-1], axis=0), lengths, axis=0)
        picked = np.take_along_axis(values, np.minimum(first, len(values) - 1), axis=0)
        return np.where(first <= rows, picked, np.nan)
    running = {"high": np.fmax, "low": np.fmin, "volume": np.add}[field]
    if field == "volume":
        values = np.where(np.isnan(values), 0.0, values)
    so_far = np.empty_like(values)
    for first, stop in itertools.pairwise(bounds.tolist()):
        running.accumulate(values[first:stop], axis=0, out=so_far[first:stop])
    return so_far


def symbol_columns(symbols: pd.Series, universe: Sequence[str]) -> np.ndarray:
    """The position of each entry of ``symbols`` in ``universe`` (-1 when absent), matched
    in Arrow so hundreds of thousands of bars need no Python strings."""
    values = pa.array(symbols)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    positions = pc.index_in(values, value_set=pa.array(universe, type=values.type))
    return positions.fill_null(-1).to_numpy().astype(np.int64)


def timeline_rows(timeline: pd.DatetimeIndex, stamps: pd.Series) -> np.ndarray:
    """The row of each UTC stamp in the sorted ``timeline`` (-1 when not on it)."""
    line = timeline.asi8
    values = pd.DatetimeIndex(stamps).asi8
    rows = np.searchsorted(line, values)
    inside = rows < len(line)
    inside[inside] = line[rows[inside]] == values[inside]
    return np.where(inside, rows, -1)


class BarArrays:
    """OHLCV of ``assets`` on ``timeline`` (bar labels, UTC), one column per asset.

    Missing bars are NaN (volume 0). ``price`` is the close carried forward over missing
    bars (Zipline's ``"price"`` field); ``ticks`` is ``price`` on each asset's tick grid as
    int64 (0 before an asset's first bar). ``first_bar``/``last_bar`` give, per asset, the
    index of its first and last real bar (-1 when it has none), and ``earliest_bar`` the
    first of them (-1 when no asset has a bar). ``version`` changes whenever the arrays do
    (an asset added, a live bar written), so arrays derived from them know to be rebuilt.
    """

    def __init__(
        self, bars: pd.DataFrame, assets: Sequence[Asset], timeline: pd.DatetimeIndex
    ) -> None:
        self.assets = list(assets)
        self.column = {asset: i for i, asset in enumerate(self.assets)}
        self.timeline = timeline
        shape = (len(timeline), len(self.assets))
        self.dropped_rows = 0
        cells: np.ndarray | None = None
        keep: np.ndarray | None = None
        if len(bars):
            cols = symbol_columns(bars["symbol"], [asset.symbol for asset in self.assets])
            rows = timeline_rows(timeline, bars["timestamp"])
            keep = (rows >= 0) & (cols >= 0)
            self.dropped_rows = int((~keep).sum())
            # Flat positions: one scatter per field, quicker than a (row, column) pair index.
            cells = rows * shape[1] + cols
            if self.dropped_rows:
                cells = cells[keep]
            else:
                keep = None
        # Only the columns, not the frame, are kept for the fields made when read.
        columns = {f: bars[f].to_numpy(dtype="float64") for f in FIELDS} if len(bars) else {}

        def make(field: str) -> np.ndarray:
            array = np.full(shape, np.nan)
            if cells is not None:
                values = columns[field]
                array.reshape(-1)[cells] = values if keep is None else values[keep]
            return array

        self.fields = FieldArrays(make)
        for f in FIELDS:
            if f not in _MADE_WHEN_READ:
                self.fields[f] = make(f)
        traded = ~np.isnan(self.fields["close"])
        self.fields["volume"] = np.where(traded, self.fields["volume"], 0.0)
        self.fields["price"] = forward_fill(self.fields["close"])
        any_bar = traded.any(axis=0)
        self.first_bar = np.where(any_bar, traded.argmax(axis=0), -1)
        self.last_bar = np.where(any_bar, len(timeline) - 1 - traded[::-1].argmax(axis=0), -1)
        self._tick = np.array([float(a.tick_size) for a in self.assets])
        self.ticks = self._to_ticks(self.fields["price"])
        self.traded = traded
        self.earliest_bar = _earliest(self.first_bar)
        self.version = 0

    def add_assets(self, assets: Sequence[Asset], bars: pd.DataFrame) -> None:
        """Append a column for each of ``assets``, filled from ``bars`` as the constructor
        would (a strategy asked for a new symbol mid-run); existing columns keep their
        positions, and this object and its ``fields``/``column`` mappings stay the same
        objects, so whoever holds them sees the new columns."""
        more = BarArrays(bars, assets, self.timeline)
        for name in (*FIELDS, "price"):  # every field made now: the new columns widen them
            self.fields[name] = np.hstack([self.fields[name], more.fields[name]])
        for asset in more.assets:
            self.column[asset] = len(self.assets)
            self.assets.append(asset)
        self.dropped_rows += more.dropped_rows
        self.first_bar = np.concatenate([self.first_bar, more.first_bar])
        self.last_bar = np.concatenate([self.last_bar, more.last_bar])
        self._tick = np.concatenate([self._tick, more._tick])
        self.ticks = np.hstack([self.ticks, more.ticks])
        self.traded = np.hstack([self.traded, more.traded])
        self.earliest_bar = _earliest(self.first_bar)
        self.version += 1

    def _to_ticks(self, price: np.ndarray) -> np.ndarray:
        """Prices as whole numbers of each asset's tick (0 where there is no price)."""
        ticks = np.divide(price, self._tick)
        np.rint(ticks, out=ticks)
        np.copyto(ticks, 0.0, where=np.isnan(ticks))
        return ticks.astype(np.int64)

    def write_bar(self, bar: int, bars: pd.DataFrame) -> None:
        """Store bars that arrived for row ``bar`` (a live feed), updating the derived
        arrays (price, ticks, traded, first/last bar) for that row exactly as the
        constructor computes them for stored data."""
        fields = self.fields
        columns = {asset.symbol: i for i, asset in enumerate(self.assets)}
        for record in bars.to_dict("records"):
            column = columns[record["symbol"]]
            for name in FIELDS:
                fields[name][bar, column] = float(record[name])
        traded = ~np.isnan(fields["close"][bar])
        self.traded[bar] = traded
        fields["volume"][bar] = np.where(traded, fields["volume"][bar], 0.0)
        previous = fields["price"][bar - 1] if bar > 0 else np.full(len(self.assets), np.nan)
        fields["price"][bar] = np.where(traded, fields["close"][bar], previous)
        self.ticks[bar] = self._to_ticks(fields["price"][bar])
        self.first_bar = np.where((self.first_bar < 0) & traded, bar, self.first_bar)
        self.last_bar = np.where(traded, np.maximum(self.last_bar, bar), self.last_bar)
        self.earliest_bar = _earliest(self.first_bar)
        self.version += 1


def _earliest(first_bar: np.ndarray) -> int:
    """The first of the assets' first bars (-1 when none has a bar)."""
    has_bars = first_bar >= 0
    return int(first_bar[has_bars].min()) if has_bars.any() else -1
