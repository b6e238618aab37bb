"""The built-in ``files`` data source: a directory of CSV or Parquet files, one per symbol.

Each file is named after its symbol (``AAPL.csv`` or ``AAPL.parquet``; a ``/`` in a symbol
becomes ``-``, so ``BTC/USDT`` reads ``BTC-USDT.csv``). Columns: ``date`` or ``timestamp``,
``open``, ``high``, ``low``, ``close``, ``volume``; names are case-insensitive and other
columns are ignored. Dates without a time zone are UTC; a date without a time is a daily bar,
and daily bars are stamped 00:00 UTC. Every file is validated when first read, against the
bar rules of :func:`~rustybt.data.validation.validate_bars` and this module's own (a readable
CSV or Parquet file, at least one bar, every column once, dates from 1678 to 2261, bars a
supported frequency apart); the first violation is a :class:`DataError` naming the file, the
line (CSV) or row (Parquet), the column or date, and what a valid file needs.

Corporate actions (:mod:`rustybt.data.actions`), as zipline's csvdir bundle reads them: the
optional columns ``split`` (new shares per old share, 1 on other days) and ``dividend`` (cash
per share, 0 on other days; an empty cell is no action) make the bar's date an ex-date, and
such a dividend is paid on its ex-date. An optional file ``SYMBOL.actions.csv`` beside the
bars lists a symbol's actions with the columns ``ex_date,kind,value,pay_date`` (``kind``
``split`` or ``dividend``, ``value`` as in those columns, ``pay_date`` empty or a dividend's
pay date); its rows replace the columns' rows of the same date and kind, which must have the
same value, and add the others. A folder without either has no actions: its bars are taken
as they are.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from rustybt.data.actions import csvdir_actions, empty_actions, validate_actions
from rustybt.data.bar_table import BarTable
from rustybt.data.parquet_files import read_columns, read_table
from rustybt.data.schema import BAR_SCHEMA, FREQUENCIES, PRICE_COLUMNS, to_utc_timestamp
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import bar_time, quoted, validate_bars, values_pass
from rustybt.errors import ConfigError, DataError

SUFFIXES = (".csv", ".parquet")
ACTIONS_SUFFIX = ".actions.csv"
"""A symbol's corporate actions file is ``SYMBOL.actions.csv`` (see the module's docstring)."""
_DAY_NS = 86_400 * 10**9
_NUMBERS = (*PRICE_COLUMNS, "volume")
_LAYOUT = "a bar file is text: a line date,open,high,low,close,volume, then one line per bar"
_COLUMNS = "a bar file needs the columns date (or timestamp), open, high, low, close, volume"
_NUMBER_TYPES = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
_SERIAL = pa_csv.ReadOptions(use_threads=False)
_ACTION_NEUTRALS = {"split": 1.0, "dividend": 0.0}
"""The csvdir action columns and their value on a day without that action."""
_BAR_NAMES = ("timestamp", "date", *_NUMBERS)
_READ_NAMES = (*_BAR_NAMES, *_ACTION_NEUTRALS)
_READ_SET = frozenset(_READ_NAMES)
_TIMES = BAR_SCHEMA.field("timestamp").type
_FLOAT = pa.float64()
_ACTIONS_LAYOUT = "an actions file is a line ex_date,kind,value,pay_date, then one line per action"
# Timestamps are int64 nanoseconds, which reach from 1677-09-21 to 2262-04-11.
_EARLIEST = pd.Timestamp("1678-01-01", tz="UTC")
_AFTER_LATEST = pd.Timestamp("2262-01-01", tz="UTC")


def symbol_file_stem(symbol: str) -> str:
    """The file name (without suffix) that holds ``symbol``'s bars."""
    return symbol.replace("/", "-")


@attrs.frozen
class _Parsed:
    """One file's bars in the canonical schema (not yet checked against the bar rules), a
    function naming row ``i`` as ``file, line N`` (CSV) or ``file, row N``, and the
    corporate actions of its ``split`` and ``dividend`` columns (None: it has none)."""

    table: pa.Table
    locate: Callable[[int], str]
    actions: pd.DataFrame | None


@attrs.frozen(eq=False)
class BarColumns:
    """Some columns of the daily bars of several symbols, one symbol after another:
    ``stamps`` (int64 UTC nanoseconds, increasing within each symbol), ``values`` (column
    name -> float64) and ``bounds``: the bars of the ``k``-th symbol are the rows
    ``bounds[k]:bounds[k + 1]``."""

    stamps: np.ndarray
    bounds: np.ndarray
    values: dict[str, np.ndarray]


@attrs.frozen
class _ColumnRead:
    """One usual Parquet file read in part: its bar times, the number columns asked for,
    and its float64 ``split`` and ``dividend`` columns (empty: it has none)."""

    stamps: pa.ChunkedArray
    values: dict[str, pa.ChunkedArray]
    actions: dict[str, pa.ChunkedArray]


class FileDataSource:
    """Bars read from ``data_dir``, one CSV or Parquet file per symbol."""

    name = "files"
    capabilities = SourceCapabilities(
        asset_classes=("equity", "index", "crypto", "future", "fx"), frequencies=tuple(FREQUENCIES)
    )

    def __init__(self, *, data_dir: str | Path | None = None) -> None:
        if data_dir is None:
            raise ConfigError(
                "source 'files' needs --data-dir DIR (a directory of SYMBOL.csv files)"
            )
        self.data_dir = Path(data_dir)
        if self.data_dir.is_file():
            raise ConfigError(
                f"data directory {self.data_dir} is a file; give the directory that holds it"
            )
        if not self.data_dir.is_dir():
            raise ConfigError(f"data directory {self.data_dir} does not exist")
        self._tables: dict[str, BarTable] = {}
        self._column_actions: dict[str, pd.DataFrame | None] = {}
        self._actions: dict[str, pd.DataFrame | None] = {}
        # The bars of each batch of files read, keyed by their symbols in the order read;
        # each symbol's table is a view of its rows.
        self._reads: dict[tuple[str, ...], pd.DataFrame] = {}
        self._read_stamps: dict[tuple[str, ...], np.ndarray] = {}
        # Each symbol's bar times (int64 ns), a view of its batch's.
        self._stamps: dict[str, np.ndarray] = {}
        self._column_reads: dict[tuple[tuple[str, ...], tuple[str, ...]], BarColumns] = {}

    @property
    def symbols(self) -> list[str]:
        """Symbols for which ``data_dir`` holds a file (``-`` kept as written)."""
        return sorted(
            {
                p.stem
                for p in self.data_dir.iterdir()
                if p.suffix.lower() in SUFFIXES and not p.name.lower().endswith(ACTIONS_SUFFIX)
            }
        )

    def has_symbol(self, symbol: str) -> bool:
        """True when ``data_dir`` holds a file for ``symbol``."""
        stem = symbol_file_stem(symbol)
        return any((self.data_dir / f"{stem}{suffix}").is_file() for suffix in SUFFIXES)

    def _tables_for(self, symbols: list[str]) -> list[BarTable]:
        """The bar table of each symbol, reading and validating the files not read yet.

        Files are parsed one by one into Arrow tables and validated together, which keeps
        the per-file cost small when a run loads hundreds of symbols.
        """
        unread = [s for s in dict.fromkeys(symbols) if s not in self._tables]
        if unread:
            paths = [self._path_of(symbol) for symbol in unread]
            parsed = [self._parse(symbol, path) for symbol, path in zip(unread, paths, strict=True)]
            offsets = np.concatenate([[0], np.cumsum([p.table.num_rows for p in parsed])])

            def locate(i: int) -> str:
                k = int(np.searchsorted(offsets, i, side="right")) - 1
                return parsed[k].locate(int(i - offsets[k]))

            combined = _numpy_frame(pa.concat_tables([p.table for p in parsed]))
            combined = validate_bars(combined, locate)
            stamps = pd.DatetimeIndex(combined["timestamp"]).asi8
            for k, symbol in enumerate(unread):
                rows = slice(int(offsets[k]), int(offsets[k + 1]))
                self._tables[symbol] = BarTable(
                    combined.iloc[rows],
                    source_name="files",
                    frequency=_infer_frequency(stamps[rows], parsed[k].locate),
                    symbol=symbol,
                    stamps=stamps[rows],
                )
                self._column_actions[symbol] = parsed[k].actions
                self._stamps[symbol] = stamps[rows]
            self._reads[tuple(unread)] = combined
            self._read_stamps[tuple(unread)] = stamps
            del parsed, combined
            # Parsing takes two or three times the bars' size from Arrow's allocator, which
            # keeps what is freed for later Arrow work; a backtest does none, and would hold
            # it through the run (about 15 MB for 100 symbols of 10 years).
            pa.default_memory_pool().release_unused()
        return [self._tables[s] for s in symbols]

    def bar_columns(self, symbols: Sequence[str], columns: Sequence[str]) -> BarColumns | None:
        """Every daily bar of ``symbols``, with only ``columns`` (of open, high, low,
        close, volume) read from their files: for a reader of a few columns of many files
        (a pipeline). Its bars keep the bar rules that concern what is read (the
        ``low <= open, close <= high`` rule when a price besides the close is asked for:
        all four are then read), and the files' ``split`` and ``dividend`` columns are read
        as :meth:`fetch_bars` reads them, for :meth:`fetch_actions`.

        None unless every symbol's file is a usual Parquet file not read whole yet: times
        and numbers, at least one bar, daily bars (dates), values that keep those rules.
        :meth:`fetch_bars` then reads the files whole and reports what is wrong with them.
        """
        wanted = tuple(dict.fromkeys(symbols))
        names = tuple(name for name in _NUMBERS if name in columns)
        if set(names) & {"open", "high", "low"}:
            names = tuple(name for name in _NUMBERS if name in PRICE_COLUMNS or name in names)
        if not wanted or any(symbol in self._tables for symbol in wanted):
            return None
        known = self._column_reads.get((wanted, names))
        if known is not None:
            return known
        try:
            with os.scandir(self.data_dir) as entries:
                files = {entry.name for entry in entries if entry.is_file()}
        except OSError:
            return None
        paths = []
        for symbol in wanted:
            stem = symbol_file_stem(symbol)
            if f"{stem}.csv" in files or f"{stem}.parquet" not in files:
                return None
            paths.append(self.data_dir / f"{stem}.parquet")
        reads = []
        for path in paths:
            read = _read_usual_columns(path, names)
            if read is None:
                return None
            reads.append(read)
        result = _checked_columns(reads, names)
        if result is None:
            return None
        actions = {}
        for symbol, read in zip(wanted, reads, strict=True):
            if read.actions:
                bars = pa.table({"timestamp": read.stamps})
                path = self.data_dir / f"{symbol_file_stem(symbol)}.parquet"
                try:
                    actions[symbol] = _arrow_actions(symbol, bars, read.actions, path)
                except DataError:
                    return None
        del reads
        pa.default_memory_pool().release_unused()
        for symbol in wanted:
            self._column_actions.setdefault(symbol, actions.get(symbol))
        self._column_reads[(wanted, names)] = result
        return result

    def _path_of(self, symbol: str) -> Path:
        stem = symbol_file_stem(symbol)
        for suffix in SUFFIXES:
            path = self.data_dir / f"{stem}{suffix}"
            if path.is_file():
                return path
        available = ", ".join(self.symbols) or "no symbol files"
        raise DataError(
            f"unknown symbol '{symbol}' in source 'files' (has: {available}); "
            f"expected {self.data_dir / (stem + '.csv')}"
        )

    def _parse(self, symbol: str, path: Path) -> _Parsed:
        """The file's bars and actions (see :class:`_Parsed`)."""
        if path.suffix.lower() == ".csv":
            return self._parse_csv(symbol, path)
        return self._parse_parquet(symbol, path)

    def _parse_csv(self, symbol: str, path: Path) -> _Parsed:
        def locate(i: int) -> str:
            return str(path) if i < 0 else f"{path}, line {i + 2}"

        if path.stat().st_size == 0:
            raise DataError(f"{path}: cannot read file: it is empty; {_LAYOUT}")
        fast = _usual_csv(path, symbol)
        if fast is not None:
            table, actions = fast
            return _Parsed(table, locate, _arrow_actions(symbol, table, actions, path))
        try:
            with warnings.catch_warnings():
                # index_col=False: lines with more fields than the header must not turn the
                # first column into an index and shift the rest (pandas only warns then).
                warnings.simplefilter("error", pd.errors.ParserWarning)
                raw = pd.read_csv(path, index_col=False, low_memory=False)
        except pd.errors.ParserWarning:
            raise DataError(
                f"{path}: cannot read file as CSV: its lines have more fields than the header "
                f"line; {_LAYOUT}"
            ) from None
        except (ValueError, OSError) as exc:  # pandas' parser errors are ValueErrors
            reason = _first_line(exc)
            raise DataError(f"{path}: cannot read file as CSV: {reason}; {_LAYOUT}") from None
        raw.columns = _column_names(raw.columns, path)
        time_column = _time_column(raw.columns, path)
        _no_bars_without(len(raw), path)
        table = _canonical(raw, time_column, symbol, locate)
        return _Parsed(table, locate, _pandas_actions(symbol, table, raw, path))

    def _parse_parquet(self, symbol: str, path: Path) -> _Parsed:
        def locate(i: int) -> str:
            return str(path) if i < 0 else f"{path}, row {i + 1}"

        try:
            table = read_table(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"{path}: cannot read file as Parquet: {_first_line(exc)}") from None
        table = table.rename_columns(_column_names(table.column_names, path))
        time_column = _time_column(table.column_names, path)
        _no_bars_without(table.num_rows, path)
        present = [name for name in _ACTION_NEUTRALS if name in table.column_names]
        numeric = {name: _float64(table.column(name)) for name in present}
        usual = _usual_table(table, time_column, symbol)
        if usual is None:
            raw = pd.DataFrame(
                {
                    name: _arrow_to_pandas(table.column(name), name, path)
                    for name in (time_column, *_NUMBERS)
                }
            )
            usual = _canonical(raw, time_column, symbol, locate)
        if all(column.type == pa.float64() for column in numeric.values()):
            return _Parsed(usual, locate, _arrow_actions(symbol, usual, numeric, path))
        texts = pd.DataFrame({name: table.column(name).to_pandas() for name in numeric})
        return _Parsed(usual, locate, _pandas_actions(symbol, usual, texts, path))

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from their files, ``start`` to ``end`` inclusive (see DataSource)."""
        wanted = list(dict.fromkeys(symbols))
        tables = self._tables_for(wanted)
        batch = self._batch_between(wanted, tables, start, end, frequency)
        if batch is not None:
            return batch
        frames = [
            t.bars_between(s, start, end, frequency) for t, s in zip(tables, wanted, strict=True)
        ]
        if len(frames) == 1:
            return frames[0].reset_index(drop=True)
        order = sorted(range(len(wanted)), key=wanted.__getitem__)
        # Every bar of one batch read in symbol order (a run's usual request) is that
        # batch's frame: no copy of all the bars while the run builds its arrays from them.
        read = self._reads.get(tuple(wanted[i] for i in order))
        if read is not None and sum(len(frame) for frame in frames) == len(read):
            return read.copy(deep=False)
        return pd.concat([frames[i] for i in order], ignore_index=True)

    def _batch_between(
        self,
        wanted: list[str],
        tables: list[BarTable],
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
    ) -> pd.DataFrame | None:
        """What :meth:`fetch_bars` returns for several symbols read together in one batch,
        selected from that batch's frame at once; None when ``wanted`` is not such a
        batch or when some symbol has no bar in the range (the symbol-by-symbol path then
        answers, raising what it raises)."""
        key = tuple(sorted(wanted))
        read = self._reads.get(key)
        if read is None or len(wanted) < 2 or any(t.frequency != frequency for t in tables):
            return None
        first, last = to_utc_timestamp(start).value, to_utc_timestamp(end).value
        if last < first:
            return None
        inside = 0
        for symbol in key:
            stamps = self._stamps[symbol]
            count = int(stamps.searchsorted(last, "right")) - int(stamps.searchsorted(first))
            if count <= 0:
                return None
            inside += count
        if inside == len(read):
            return read.copy(deep=False)
        stamps = self._read_stamps[key]
        return read[(stamps >= first) & (stamps <= last)].reset_index(drop=True)

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The last bar in each symbol's file."""
        wanted = list(dict.fromkeys(symbols))
        tables = self._tables_for(wanted)
        frames = [t.latest([s], frequency) for t, s in zip(tables, wanted, strict=True)]
        return pd.concat(frames, ignore_index=True).sort_values("symbol", ignore_index=True)

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The splits and dividends of ``symbols`` with ex-dates from ``start`` to ``end``
        inclusive, from their bar files' ``split`` and ``dividend`` columns and their
        ``SYMBOL.actions.csv`` files (see the module's docstring), in
        :data:`~rustybt.data.actions.ACTIONS_SCHEMA`; none for a symbol without either."""
        wanted = list(dict.fromkeys(symbols))
        # Symbols read in part (bar_columns) have their column actions already.
        self._tables_for([symbol for symbol in wanted if symbol not in self._column_actions])
        frames = [f for f in map(self._actions_of, wanted) if f is not None]
        if not frames:
            return empty_actions()
        actions = pd.concat(frames)
        inside = actions["ex_date"].between(to_utc_timestamp(start), to_utc_timestamp(end))
        return actions[inside].reset_index(drop=True)

    def _actions_of(self, symbol: str) -> pd.DataFrame | None:
        """``symbol``'s actions (None: it has none): its bar file's, with its actions file's
        rows in place of those of the same date and kind."""
        if symbol not in self._actions:
            columns = self._column_actions[symbol]
            path = self.data_dir / f"{symbol_file_stem(symbol)}{ACTIONS_SUFFIX}"
            if not path.is_file():
                self._actions[symbol] = columns
            else:
                listed = _read_actions_file(symbol, path)
                self._actions[symbol] = _merged_actions(
                    empty_actions() if columns is None else columns, listed, symbol, path
                )
        return self._actions[symbol]


def _read_usual_columns(path: Path, names: tuple[str, ...]) -> _ColumnRead | None:
    """The times, the number columns ``names`` and the ``split`` and ``dividend`` columns
    of the Parquet file at ``path``, when it is a usual one (see
    :meth:`FileDataSource.bar_columns`); None for any other file."""
    picked: dict[str, str] = {}

    def choose(columns: list[str]) -> list[str] | None:
        found: dict[str, str] = {}
        for original in columns:
            name = str(original).strip().lower()
            if name in _READ_SET:
                if name in found:  # twice: the whole reading reports it
                    return None
                found[name] = original
        time_column = "timestamp" if "timestamp" in found else "date"
        if time_column not in found or not found.keys() >= set(_NUMBERS):
            return None
        picked["time"] = found[time_column]
        picked.update((name, found[name]) for name in (*names, *_ACTION_NEUTRALS) if name in found)
        return list(picked.values())

    try:
        table = read_columns(path, choose)
    except (pa.ArrowException, OSError, ValueError):
        return None
    if table is None or table.num_rows == 0:
        return None
    stamps = _utc_nanoseconds(table.column(picked.pop("time")))
    numbers = {name: _float64(table.column(original)) for name, original in picked.items()}
    if stamps.type != _TIMES or any(column.type != _FLOAT for column in numbers.values()):
        return None
    return _ColumnRead(
        stamps=stamps,
        values={name: numbers[name] for name in names},
        actions={name: numbers[name] for name in _ACTION_NEUTRALS if name in numbers},
    )


def _checked_columns(reads: list[_ColumnRead], names: tuple[str, ...]) -> BarColumns | None:
    """The files' columns end to end as numpy arrays, when their bars are daily, in
    increasing time per file and keep the rules on values; None otherwise."""
    bounds = np.cumsum([0, *(len(read.stamps) for read in reads)], dtype=np.int64)
    stamps = np.concatenate([c for read in reads for c in _numpy_chunks(read.stamps)])
    stamps = stamps.view(np.int64)
    # A missing time (NaT, the least int64) is no midnight either: 2**63 is no whole
    # number of days.
    if np.remainder(stamps, _DAY_NS).any():
        return None
    later = stamps[1:] > stamps[:-1]
    later[bounds[1:-1] - 1] = True  # a file's first bar follows another file's last
    if not later.all():
        return None
    values = {
        name: np.concatenate([c for read in reads for c in _numpy_chunks(read.values[name])])
        for name in names
    }
    if not values_pass(values):
        return None
    return BarColumns(stamps=stamps, bounds=bounds, values=values)


def _numpy_frame(table: pa.Table) -> pd.DataFrame:
    """``table`` (in the canonical schema) as the frame ``to_pandas`` makes, but with its
    times and numbers in numpy's memory: the source keeps them for the whole run, and in
    Arrow's allocator they would pin the pages the parse freed around them."""
    numbers = np.empty((len(_NUMBERS), table.num_rows))
    for row, name in zip(numbers, _NUMBERS, strict=True):
        np.concatenate(_numpy_chunks(table.column(name)), out=row)
    # Transposed, the array is the frame's one block of numbers, taken without a copy.
    frame = pd.DataFrame(numbers.T, columns=list(_NUMBERS), copy=False)
    frame.insert(0, "symbol", table.column("symbol").to_pandas())
    stamps = np.concatenate(_numpy_chunks(table.column("timestamp")))
    frame.insert(0, "timestamp", pd.DatetimeIndex(stamps).tz_localize("UTC"))
    return frame


def _numpy_chunks(column: pa.ChunkedArray) -> list[np.ndarray]:
    """The chunks of ``column`` as numpy arrays, missing values as NaN (NaT for times),
    as ``to_pandas`` gives them; chunks without any are not copied."""
    return [chunk.to_numpy(zero_copy_only=False) for chunk in column.chunks]


def _column_names(names: Iterable[object], path: Path) -> list[str]:
    """``names`` stripped and in lower case; raises :class:`DataError` when a column the
    source reads is there twice (``Close`` and ``close``)."""
    cleaned = [str(name).strip().lower() for name in names]
    for name in _READ_NAMES:
        if cleaned.count(name) > 1:
            raise DataError(
                f"{path}: column {name!r} is there {cleaned.count(name)} times (names are "
                "case-insensitive); keep one"
            )
    return cleaned


def _time_column(columns: Sequence[str], path: Path) -> str:
    """The name of the column holding the bars' times; raises :class:`DataError` naming
    every column the file lacks."""
    has = ", ".join(quoted(name) for name in columns[:8]) or "none"
    time_column = next((name for name in ("timestamp", "date") if name in columns), None)
    if time_column is None:
        raise DataError(f"{path}: missing column 'date' or 'timestamp' (has: {has}); {_COLUMNS}")
    missing = [name for name in _NUMBERS if name not in columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (has: {has}); {_COLUMNS}")
    return time_column


def _no_bars_without(rows: int, path: Path) -> None:
    if rows == 0:
        raise DataError(f"{path}: the file holds no bars, only column names; add bars or remove it")


def _canonical(
    raw: pd.DataFrame, time_column: str, symbol: str, locate: Callable[[int], str]
) -> pa.Table:
    """``raw``'s bars in the canonical schema, checked against the bar rules (here, so that
    a bad value is reported with its line)."""
    frame = pd.DataFrame(
        {
            "timestamp": _parse_timestamps(raw[time_column], locate),
            "symbol": symbol,
            **{name: raw[name] for name in _NUMBERS},
        }
    )
    frame = validate_bars(frame, locate)
    return pa.Table.from_pandas(frame, schema=BAR_SCHEMA, preserve_index=False)


def _usual_table(table: pa.Table, time_column: str, symbol: str) -> pa.Table | None:
    """``table`` in the canonical schema when it is the usual file (times, and numbers in
    every price and volume column), converted in Arrow without a pass over the rows; None
    for anything else, which the row-by-row path reads and judges."""
    columns = {
        "timestamp": _utc_nanoseconds(table.column(time_column)),
        "symbol": pa.repeat(pa.scalar(symbol, pa.string()), table.num_rows),
        **{name: _float64(table.column(name)) for name in _NUMBERS},
    }
    if not all(columns[f.name].type == f.type for f in BAR_SCHEMA):
        return None
    return pa.Table.from_arrays([columns[name] for name in BAR_SCHEMA.names], schema=BAR_SCHEMA)


def _usual_csv(path: Path, symbol: str) -> tuple[pa.Table, dict[str, pa.ChunkedArray]] | None:
    """The bars of the CSV file at ``path`` read by Arrow's CSV reader, when it is the usual
    file: distinct column names, ISO dates or times, numbers, no empty cell in the columns a
    bar needs; and its ``split`` and ``dividend`` columns, numbers or empty, when it has
    them. None for anything else (including what Arrow cannot read), which pandas' reader
    reads and reports line by line. Both readers parse decimal text to the same, correctly
    rounded doubles."""
    try:
        data = path.read_bytes()
        # Parsed on this thread: Arrow's threads would keep memory after the parse (about
        # 15 MB for 100 symbols of 10 years); reading only the bar columns, with numbers
        # known to be numbers, makes up for the time they would save.
        table = pa_csv.read_csv(
            pa.BufferReader(data), read_options=_SERIAL, convert_options=_bar_columns(data)
        )
        names = [name.strip().lower() for name in table.column_names]
    except (pa.ArrowException, OSError, UnicodeDecodeError):
        return None
    empty_cells = any(
        column.null_count
        for name, column in zip(names, table.columns, strict=True)
        if name not in _ACTION_NEUTRALS
    )
    if len(set(names)) != len(names) or table.num_rows == 0 or empty_cells:
        return None
    table = table.rename_columns(names)
    time_column = next((name for name in ("timestamp", "date") if name in names), None)
    if time_column is None or any(name not in names for name in _NUMBERS):
        return None
    stamps = table.column(time_column)
    if pa.types.is_date(stamps.type):
        table = table.set_column(
            names.index(time_column), time_column, stamps.cast(pa.timestamp("s"))
        )
    bars = _usual_table(table, time_column, symbol)
    if bars is None:
        return None
    return bars, {name: table.column(name) for name in _ACTION_NEUTRALS if name in names}


def _bar_columns(data: bytes) -> pa_csv.ConvertOptions | None:
    """How to read only the columns a bar needs from CSV text ``data``, prices and volume
    as float64 (every number becomes one; integers convert exactly, and larger ones round
    as the text does), when its header line is plain names (no quotes) without a name
    twice. None reads every column, leaving such files to the checks that follow."""
    header = data.split(b"\n", 1)[0]
    if b'"' in header:
        return None
    try:
        names = header.decode("utf-8-sig").rstrip("\r").split(",")
    except UnicodeDecodeError:
        return None
    cleaned = dict(zip(names, (name.strip().lower() for name in names), strict=True))
    if len(set(cleaned.values())) != len(names):
        return None
    numbers = (*_NUMBERS, *_ACTION_NEUTRALS)
    return pa_csv.ConvertOptions(
        include_columns=[name for name, clean in cleaned.items() if clean in _READ_NAMES],
        column_types={name: pa.float64() for name, clean in cleaned.items() if clean in numbers},
    )


def _arrow_actions(
    symbol: str, bars: pa.Table, columns: dict[str, pa.ChunkedArray], path: Path
) -> pd.DataFrame | None:
    """The actions in a file's float64 ``split`` and ``dividend`` ``columns`` (any present),
    dated by the ``bars`` of the same rows (None: no action); only the rows with an action
    leave Arrow."""
    events = None
    for name, column in columns.items():
        hits = pc.fill_null(pc.not_equal(column, _ACTION_NEUTRALS[name]), False)
        events = hits if events is None else pc.or_(events, hits)
    if events is None or not pc.any(events).as_py():
        return None
    rows = pa.table({"date": bars.column("timestamp"), **columns}).filter(events)
    return csvdir_actions(symbol, rows.to_pandas(), where=str(path))


def _pandas_actions(
    symbol: str, bars: pa.Table, raw: pd.DataFrame, path: Path
) -> pd.DataFrame | None:
    """The actions in ``raw``'s ``split`` and ``dividend`` columns as read (numbers, text or
    empty), dated by the ``bars`` of the same rows (None: no such column); a cell that is
    no number raises :class:`DataError`."""
    present = [name for name in _ACTION_NEUTRALS if name in raw.columns]
    if not present:
        return None
    frame = raw[present].reset_index(drop=True)
    frame.insert(0, "date", bars.column("timestamp").to_pandas())
    return csvdir_actions(symbol, frame, where=str(path))


def _read_actions_file(symbol: str, path: Path) -> pd.DataFrame:
    """The actions listed in ``path`` (``SYMBOL.actions.csv``), validated; raises
    :class:`DataError` for a file that is no such list."""
    try:
        listed = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False)
    except (ValueError, OSError) as exc:  # pandas' parser errors are ValueErrors
        raise DataError(
            f"{path}: cannot read corporate actions: {_first_line(exc)}; {_ACTIONS_LAYOUT}"
        ) from None
    listed.columns = [str(name).strip().lower() for name in listed.columns]
    listed = listed.replace("", None)
    listed["symbol"] = symbol
    return validate_actions(listed, where=str(path))


def _merged_actions(
    columns: pd.DataFrame, listed: pd.DataFrame, symbol: str, path: Path
) -> pd.DataFrame:
    """The actions of a bar file's columns and of its actions file ``path`` together: a row
    of both (same date and kind) is the actions file's, and must have the same value."""
    keys = ["ex_date", "kind"]
    both = columns.merge(listed, on=keys, suffixes=("", "_listed"))
    differ = ~np.isclose(both["value"], both["value_listed"], rtol=1e-9, atol=0.0)
    if differ.any():
        row = both[differ].iloc[0]
        raise DataError(
            f"{path}: {symbol}: the {row['kind']} on {row['ex_date'].date()} is "
            f"{row['value_listed']:g} here but {row['value']:g} in the bar file's "
            f"{row['kind']} column; make them agree"
        )
    kept = columns.merge(listed[keys], on=keys, how="left", indicator=True)
    only_columns = columns[(kept["_merge"] == "left_only").to_numpy()]
    return validate_actions(pd.concat([only_columns, listed]), where=str(path))


def _utc_nanoseconds(stamps: pa.ChunkedArray) -> pa.ChunkedArray:
    """Timestamps of any unit and zone as UTC nanoseconds (naive ones are UTC by the files
    source's rule); other columns, and timestamps beyond the nanosecond range, unchanged
    for the row-by-row path to judge."""
    if not pa.types.is_timestamp(stamps.type) or stamps.type == BAR_SCHEMA.field(0).type:
        return stamps
    try:
        utc = stamps.cast(pa.timestamp(stamps.type.unit, tz="UTC"))
        return utc.cast(pa.timestamp("ns", tz="UTC"))
    except pa.ArrowInvalid:
        return stamps


def _float64(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integer and float columns as float64; others unchanged for the row-by-row path."""
    if column.type == pa.float64() or not any(is_type(column.type) for is_type in _NUMBER_TYPES):
        return column
    return column.cast(pa.float64(), safe=False)


def _arrow_to_pandas(column: pa.ChunkedArray, name: str, path: Path) -> pd.Series:
    """A Parquet column the fast path could not take, as pandas values the CSV path reads:
    numbers as float64, text as text (checked row by row later). Other types raise
    :class:`DataError`."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _arrow_to_pandas(column.cast(kind.value_type), name, path)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return column.to_pandas()
    if name in _NUMBERS:
        if not any(is_type(kind) for is_type in _NUMBER_TYPES):
            raise DataError(
                f"{path}: column {name} holds {kind} values; prices and volume must be numbers"
            )
        return column.cast(pa.float64(), safe=False).to_pandas()
    if not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        raise DataError(
            f"{path}: column {name} holds {kind} values; dates must be timestamps, dates, or "
            "text like 2010-01-04"
        )
    try:
        return column.to_pandas()
    except (pa.ArrowException, ValueError, OverflowError) as exc:
        raise DataError(f"{path}: cannot read column {name}: {_first_line(exc)}") from None


def _parse_timestamps(column: pd.Series, locate: Callable[[int], str]) -> pd.Series:
    """``column`` (datetimes, or text in any format pandas reads) as UTC timestamps; a
    missing, unreadable or out-of-range date raises :class:`DataError` naming its row."""
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
        parsed = pd.to_datetime(column, utc=True)
    else:
        parsed = pd.to_datetime(column.astype("string"), utc=True, errors="coerce", format="mixed")
    bad = np.flatnonzero(
        (parsed.isna() | (parsed < _EARLIEST) | (parsed >= _AFTER_LATEST)).to_numpy()
    )
    if len(bad):
        i = int(bad[0])
        value = column.iloc[i]
        shown = quoted(value if isinstance(value, str) else str(value))
        if pd.isna(value):
            raise DataError(f"{locate(i)}: the date is missing; every bar needs its date")
        if pd.notna(parsed.iloc[i]):
            raise DataError(
                f"{locate(i)}: date {shown} is outside the years "
                f"{_EARLIEST.year} to {_AFTER_LATEST.year - 1} that bars can have"
            )
        raise DataError(
            f"{locate(i)}: cannot parse date {shown}; write ISO dates like 2010-01-04 "
            "or 2010-01-04 09:30 (UTC unless an offset like +01:00 follows)"
        )
    return parsed.astype("datetime64[ns, UTC]")


def _infer_frequency(stamps: np.ndarray, locate: Callable[[int], str]) -> str:
    """The frequency of bars stamped at ``stamps`` (int64 ns, increasing): daily when every
    stamp is a midnight, else the smallest gap between bars, which must be a supported one
    (a bar off the grid, such as a date with another time zone, is named)."""
    midnight = stamps % _DAY_NS == 0
    if midnight.all():
        return "1d"
    if len(stamps) < 2:
        raise DataError(
            f"{locate(0)}: a single bar at {_time(stamps[0])} does not tell the bar "
            "frequency; add the bars around it, or write a daily bar as a date"
        )
    gaps = np.diff(stamps)
    k = int(np.argmin(gaps))
    smallest = pd.Timedelta(int(gaps[k]))
    if smallest >= pd.Timedelta(_DAY_NS):
        i = int(np.argmin(midnight))
        raise DataError(
            f"{locate(i)}: the daily bar at {_time(stamps[i])} is not at 00:00 UTC; write "
            "daily bars as dates (2010-01-04), or with their time zone's offset removed"
        )
    for name, length in FREQUENCIES.items():
        if smallest == length:
            return name
    raise DataError(
        f"{locate(k + 1)}: the bar at {_time(stamps[k + 1])} is {_duration(smallest)} after "
        f"the one before; supported frequencies are {', '.join(FREQUENCIES)} (a date with "
        "another time zone? a missing or extra bar?)"
    )


def _time(stamp: np.int64) -> str:
    return bar_time(pd.Timestamp(int(stamp), tz="UTC"))


def _duration(length: pd.Timedelta) -> str:
    return str(length).removeprefix("0 days ")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
