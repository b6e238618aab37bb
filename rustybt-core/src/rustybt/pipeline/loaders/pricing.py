"""EquityPricing from a data source: daily bars, shifted one session, with as-of
adjustments for splits and dividends (zipline's USEquityPricingLoader over a bundle).

The row of pipeline session D holds the bar of the session before D (missing bars: NaN
prices, volume 0, as zipline's daily bar reader gives them; prices as that reader gives them
back from whole thousandths, see :func:`as_zipline_reads`). A split with ex-date E
(``value`` new shares per old) multiplies earlier prices by ``1 / value`` and volumes by
``value``; a dividend multiplies earlier prices by ``1 - amount / close`` of the session
before E; both in the windows computed on E or later (``adjustment="raw"``). With
``adjustment="adjusted"`` the source's bars are back-adjusted for every action up to the
last session asked for and windows are not adjusted further.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.actions import DIVIDEND, SPLIT, source_actions
from rustybt.errors import DataError
from rustybt.pipeline.loaders.base import LoadedColumn
from rustybt.pipeline.windows import Adjustment

FIELDS = ("open", "high", "low", "close", "volume")
PRICE_FIELDS = ("open", "high", "low", "close")
EARLIEST_BAR = pd.Timestamp("1678-01-01", tz="UTC")
LATEST_BAR = pd.Timestamp("2261-12-31", tz="UTC")
"""The widest range of bar times (int64 nanoseconds): asking for it gets a whole history."""
_DAY_NS = 86_400 * 10**9


@attrs.frozen(eq=False)
class PricingChunk:
    """The bars of a range of pipeline sessions: ``fields`` (name -> rows x assets, row i
    the bar of the session before ``dates[i]``), ``present`` (bar sessions x assets:
    whether a bar exists on the session before each date, and on the last date itself),
    ``first_bars``/``last_bars`` (per asset, the row of ``bar_sessions`` of its first and
    last bar in the source's whole history, -1 when before the first row, ``len`` when
    after the last) and the adjustments by kind (``price``, ``volume``)."""

    dates: pd.DatetimeIndex
    fields: dict[str, np.ndarray]
    bar_sessions: pd.DatetimeIndex
    present: np.ndarray
    first_bars: np.ndarray
    last_bars: np.ndarray
    adjustments: dict[str, dict[int, list[Adjustment]]]


class PricingLoader:
    """Loads EquityPricing columns from ``source``; ``sessions`` (tz-naive labels) are the
    calendar's, to find the session before each one (see the module doc)."""

    def __init__(self, source: Any, sessions: pd.DatetimeIndex, adjustment: str = "raw") -> None:
        self.source = source
        self.sessions = sessions
        self.adjustment = adjustment
        self._chunk: PricingChunk | None = None
        self._chunk_key: tuple[Any, ...] | None = None

    def chunk(
        self, dates: pd.DatetimeIndex, assets: Sequence[Asset], fields: Sequence[str] = FIELDS
    ) -> PricingChunk:
        """The bars for ``dates`` (pipeline sessions, tz-naive) of ``assets``, read once
        per range: the ``fields`` asked for (the close always: dividends need it) and
        those of the range's earlier reads."""
        key = (dates[0], dates[-1], len(dates), tuple(a.symbol for a in assets))
        wanted = {"close", *fields}
        if self._chunk is not None and self._chunk_key == key:
            if wanted <= self._chunk.fields.keys():
                return self._chunk
            wanted |= self._chunk.fields.keys()
        chunk = self._read(dates, assets, tuple(name for name in FIELDS if name in wanted))
        self._chunk, self._chunk_key = chunk, key
        return chunk

    def load(
        self, columns: Sequence[Any], dates: pd.DatetimeIndex, assets: Sequence[Asset]
    ) -> dict[Any, LoadedColumn]:
        """The EquityPricing ``columns`` on ``dates`` for ``assets``."""
        for column in columns:
            if column.name not in FIELDS:
                raise DataError(
                    f"EquityPricing has no column {column.name!r} in source "
                    f"'{self.source.name}' (has: {', '.join(FIELDS)})"
                )
        chunk = self.chunk(dates, assets, [column.name for column in columns])
        loaded = {}
        for column in columns:
            kind = "volume" if column.name == "volume" else "price"
            loaded[column] = LoadedColumn(
                values=chunk.fields[column.name], adjustments=chunk.adjustments[kind]
            )
        return loaded

    def _read(
        self, dates: pd.DatetimeIndex, assets: Sequence[Asset], names: tuple[str, ...]
    ) -> PricingChunk:
        position = int(self.sessions.searchsorted(dates[0]))
        if position == 0:
            raise DataError(
                f"pipeline session {dates[0].date()} is the calendar's first; it has no "
                "session before it to read a bar from"
            )
        first = self.sessions[position - 1]
        bar_sessions = dates.insert(0, first)
        symbols = [a.symbol for a in assets]
        shape = (len(bar_sessions), len(assets))
        raw = {name: np.full(shape, 0.0 if name == "volume" else np.nan) for name in names}
        present = np.zeros(shape, dtype=bool)
        labels = bar_sessions.as_unit("ns").asi8
        history = None
        batch = self._bar_columns(symbols, names)
        if batch is not None:
            _place_batch(batch, labels, raw, present)
            history = (batch.stamps[batch.bounds[:-1]], batch.stamps[batch.bounds[1:] - 1])
        else:
            start = pd.Timestamp(bar_sessions[0]).tz_localize("UTC")
            end = pd.Timestamp(bar_sessions[-1]).tz_localize("UTC")
            bars = self._fetch(symbols, start, end)
            stamps = bars["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
            columns = _symbol_columns(bars["symbol"], symbols)
            values = {name: bars[name].to_numpy(dtype=np.float64) for name in names}
            _scatter(stamps, columns, values, labels, raw, present)
        for name in names:
            if name in PRICE_FIELDS:
                raw[name] = as_zipline_reads(raw[name])
        first_bars, last_bars = self._bar_range(present, bar_sessions, symbols, history)
        fields = {name: values[:-1] for name, values in raw.items()}
        adjustments: dict[str, dict[int, list[Adjustment]]] = {"price": {}, "volume": {}}
        if self.adjustment == "raw":
            adjustments = self._adjustments(dates, symbols, fields["close"])
        else:
            fields = self._back_adjusted(fields, dates, symbols)
        return PricingChunk(
            dates=dates,
            fields=fields,
            bar_sessions=bar_sessions,
            present=present,
            first_bars=first_bars,
            last_bars=last_bars,
            adjustments=adjustments,
        )

    def _bar_columns(self, symbols: list[str], names: tuple[str, ...]) -> Any:
        """The source's bars of ``symbols`` read in part (``bar_columns``, see
        :meth:`rustybt.data.file_source.FileDataSource.bar_columns`), or None when it has
        no such reading or declines it."""
        read = getattr(self.source, "bar_columns", None)
        return read(symbols, names) if read is not None and symbols else None

    def _bar_range(
        self,
        present: np.ndarray,
        bar_sessions: pd.DatetimeIndex,
        symbols: list[str],
        history: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per asset, the row of ``bar_sessions`` of its first and of its last bar in the
        source's whole history: -1 for a first bar before the first row, ``len`` for a last
        bar after the last row (zipline's asset database records an asset's first and last
        bar of the whole bundle). ``history``: each asset's first and last bar time (int64
        ns) when known; otherwise only a source that lists its symbols (one holding whole
        datasets) is asked about bars outside the range, and for others the range's bars
        tell."""
        rows = len(bar_sessions)
        any_bar = present.any(axis=0)
        first = np.where(any_bar, np.argmax(present, axis=0), rows)
        last = np.where(any_bar, rows - 1 - np.argmax(present[::-1], axis=0), -1)
        unsure = np.flatnonzero((first > 0) | (last < rows - 1))
        labels = bar_sessions.as_unit("ns").asi8
        if history is not None:
            earliest, latest = history
            first[unsure[earliest[unsure] < labels[0]]] = -1
            last[unsure[latest[unsure] > labels[-1]]] = rows
            return first, last
        if not len(unsure) or getattr(self.source, "symbols", None) is None:
            return first, last
        bars = self._fetch([symbols[i] for i in unsure], EARLIEST_BAR, LATEST_BAR)
        if not len(bars):
            return first, last
        stamps = bars["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        columns = _symbol_columns(bars["symbol"], symbols)
        for column in unsure:
            mine = stamps[columns == column]
            if not len(mine):
                continue
            if mine[0] < labels[0]:
                first[column] = -1
            if mine[-1] > labels[-1]:
                last[column] = rows
        return first, last

    def _fetch(self, symbols: list[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """The bars of ``symbols`` in the range; a symbol without any there (not listed
        yet, delisted) has none, where a source refuses the whole batch for it."""
        try:
            return self.source.fetch_bars(symbols, start, end, "1d")
        except DataError as exc:
            if not _no_bars(exc):
                raise
        frames = []
        for symbol in symbols:
            try:
                frames.append(self.source.fetch_bars([symbol], start, end, "1d"))
            except DataError as exc:
                if not _no_bars(exc):
                    raise
        if not frames:
            return pd.DataFrame(columns=["timestamp", "symbol", *FIELDS])
        return pd.concat(frames, ignore_index=True)

    def _adjustments(
        self, dates: pd.DatetimeIndex, symbols: list[str], closes: np.ndarray
    ) -> dict[str, dict[int, list[Adjustment]]]:
        start = pd.Timestamp(dates[0]).tz_localize("UTC")
        end = pd.Timestamp(dates[-1]).tz_localize("UTC")
        actions = source_actions(self.source, symbols, start, end)
        price: dict[int, list[Adjustment]] = {}
        volume: dict[int, list[Adjustment]] = {}
        if actions.empty:
            return {"price": price, "volume": volume}
        labels = dates.as_unit("ns").asi8
        positions = {symbol: i for i, symbol in enumerate(symbols)}
        ex_dates = actions["ex_date"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        # zipline lists the splits of a row before its dividends.
        for kind in (SPLIT, DIVIDEND):
            for symbol, ex, value, row_kind in zip(
                actions["symbol"], ex_dates, actions["value"], actions["kind"], strict=True
            ):
                column = positions.get(symbol)
                if row_kind != kind or column is None:
                    continue
                stamp = np.datetime64(ex, "ns").astype(np.int64)
                row = int(np.searchsorted(labels, stamp))
                if row >= len(labels) or labels[row] != stamp:
                    row = int(np.searchsorted(labels, stamp, side="right"))
                if row >= len(labels):
                    continue
                if kind == SPLIT:
                    ratio = 1.0 / float(value)
                    price.setdefault(row, []).append((column, ratio))
                    volume.setdefault(row, []).append((column, 1.0 / ratio))
                    continue
                before = closes[row, column]
                ratio = 1.0 - float(value) / before
                if np.isfinite(ratio) and ratio > 0:
                    price.setdefault(row, []).append((column, ratio))
        return {"price": price, "volume": volume}

    def _back_adjusted(
        self, fields: dict[str, np.ndarray], dates: pd.DatetimeIndex, symbols: list[str]
    ) -> dict[str, np.ndarray]:
        adjustments = self._adjustments(dates, symbols, fields["close"])
        adjusted = {}
        for name, values in fields.items():
            kind = "volume" if name == "volume" else "price"
            out = np.array(values, copy=True)
            for row in sorted(adjustments[kind]):
                for column, ratio in adjustments[kind][row]:
                    out[: row + 1, column] *= ratio
            adjusted[name] = out
        return adjusted


def _no_bars(exc: DataError) -> bool:
    message = str(exc).lower()
    return "no bars" in message or "no data" in message


def as_zipline_reads(prices: np.ndarray) -> np.ndarray:
    """``prices`` as zipline's daily bar reader gives them: stored as whole thousandths
    of a dollar (rounded half to even) and read back as ``thousandths * 0.001``, so that
    equal-looking prices compare and rank as they do in zipline."""
    result: np.ndarray = prices * 1000.0
    np.round(result, out=result)
    result *= 0.001
    return result


def _place_batch(
    batch: Any, labels: np.ndarray, raw: dict[str, np.ndarray], present: np.ndarray
) -> None:
    """Write the bars of ``batch`` (a source's ``BarColumns``: symbol after symbol, in the
    columns' order) that fall on the sessions ``labels`` into ``raw`` (field -> sessions x
    symbols) and ``present``. A symbol whose bars there are on consecutive sessions, as
    usual, is copied at once; the bars of the others go one by one."""
    stamps = batch.stamps
    bounds = batch.bounds.tolist()
    scattered = []
    for column in range(len(bounds) - 1):
        start, stop = bounds[column], bounds[column + 1]
        mine = stamps[start:stop]
        low = start + int(mine.searchsorted(labels[0]))
        high = start + int(mine.searchsorted(labels[-1], side="right"))
        if low == high:
            continue
        row = int(labels.searchsorted(stamps[low]))
        rows = slice(row, row + high - low)
        if np.array_equal(stamps[low:high], labels[rows]):
            for name, values in raw.items():
                values[rows, column] = batch.values[name][low:high]
            present[rows, column] = True
        else:
            scattered.append(np.arange(low, high))
    if scattered:
        picked = np.concatenate(scattered)
        columns = np.searchsorted(batch.bounds, picked, side="right") - 1
        fields = {name: batch.values[name][picked] for name in raw}
        _scatter(stamps[picked], columns, fields, labels, raw, present)


def _scatter(
    stamps: np.ndarray,
    columns: np.ndarray,
    values: dict[str, np.ndarray],
    labels: np.ndarray,
    raw: dict[str, np.ndarray],
    present: np.ndarray,
) -> None:
    """Write bars one by one (times ``stamps``, in symbol ``columns``, fields ``values``)
    into ``raw`` and ``present`` (sessions ``labels`` x symbols); bars off the sessions
    and of symbols not asked for (column -1) are left out."""
    if not len(stamps):
        return
    cells = _cells(stamps, columns, labels, present.shape[1])
    kept = cells >= 0
    every = bool(kept.all())
    if not every:
        cells = cells[kept]
    for name, column in values.items():
        raw[name].reshape(-1)[cells] = column if every else column[kept]
    present.reshape(-1)[cells] = True


def _cells(stamps: np.ndarray, columns: np.ndarray, labels: np.ndarray, width: int) -> np.ndarray:
    """The flat position in a (sessions x ``width`` symbols) array of each bar stamped
    ``stamps`` (int64 ns) of the symbol in column ``columns`` (-1: not asked for), -1 for a
    bar off the sessions (``labels``, int64 ns midnights) or of a symbol not asked for."""
    # Sessions are midnights: a table from each day of the range to its session's row
    # places the bars in one gather.
    days = (labels - labels[0]) // _DAY_NS
    row_of_day = np.full(int(days[-1]) + 1, -1, dtype=np.int64)
    row_of_day[days] = np.arange(len(labels))
    offsets = stamps - labels[0]
    day = np.clip(offsets // _DAY_NS, 0, len(row_of_day) - 1)
    rows = row_of_day[day]
    cells = rows * width + columns
    on_session = (offsets % _DAY_NS == 0) & (offsets >= 0) & (stamps <= labels[-1]) & (rows >= 0)
    cells[~on_session | (columns < 0)] = -1
    return cells


def _symbol_columns(named: pd.Series, symbols: list[str]) -> np.ndarray:
    """The position in ``symbols`` of each row's symbol (-1: not asked for)."""
    codes, uniques = pd.factorize(named)
    positions = {symbol: i for i, symbol in enumerate(symbols)}
    lookup = np.array([positions.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    columns: np.ndarray = lookup[codes]
    return columns
