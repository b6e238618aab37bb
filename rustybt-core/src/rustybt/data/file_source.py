"""The built-in ``files`` data source: a directory of CSV or Parquet files, one per symbol.

Each file is named after its symbol (``AAPL.csv`` or ``AAPL.parquet``; a ``/`` in a symbol
becomes ``-``, so ``BTC/USDT`` reads ``BTC-USDT.csv``). Columns: ``date`` or ``timestamp``,
``open``, ``high``, ``low``, ``close``, ``volume``; names are case-insensitive and other
columns are ignored. Dates without a time zone are UTC; a date without a time is a daily bar.
Every file is validated when first read; a violation names the file, the line and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from rustybt.data.bar_table import BarTable
from rustybt.data.parquet_files import read_table
from rustybt.data.schema import BAR_SCHEMA, FREQUENCIES, PRICE_COLUMNS
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import ConfigError, DataError

SUFFIXES = (".csv", ".parquet")
_DAY_NS = 86_400 * 10**9


def symbol_file_stem(symbol: str) -> str:
    """The file name (without suffix) that holds ``symbol``'s bars."""
    return symbol.replace("/", "-")


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
        if not self.data_dir.is_dir():
            raise ConfigError(f"data directory {self.data_dir} does not exist")
        self._tables: dict[str, BarTable] = {}

    @property
    def symbols(self) -> list[str]:
        """Symbols for which ``data_dir`` holds a file (``-`` kept as written)."""
        return sorted({p.stem for p in self.data_dir.iterdir() if p.suffix.lower() in SUFFIXES})

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
            offsets = np.concatenate([[0], np.cumsum([table.num_rows for table, _ in parsed])])

            def locate(i: int) -> str:
                k = int(np.searchsorted(offsets, i, side="right")) - 1
                return parsed[k][1](int(i - offsets[k]))

            combined = pa.concat_tables([table for table, _ in parsed]).to_pandas()
            combined = validate_bars(combined, locate)
            stamps = pd.DatetimeIndex(combined["timestamp"]).asi8
            for k, (symbol, path) in enumerate(zip(unread, paths, strict=True)):
                rows = slice(int(offsets[k]), int(offsets[k + 1]))
                self._tables[symbol] = BarTable(
                    combined.iloc[rows],
                    source_name="files",
                    frequency=_infer_frequency(stamps[rows], path),
                    symbol=symbol,
                    stamps=stamps[rows],
                )
        return [self._tables[s] for s in symbols]

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

    def _parse(self, symbol: str, path: Path) -> tuple[pa.Table, Callable[[int], str]]:
        """The file's bars in the canonical schema (not yet checked against the bar rules),
        and a function naming row ``i`` as ``file, line N`` (CSV) or ``file, row N``."""
        if path.suffix.lower() == ".csv":
            return self._parse_csv(symbol, path)
        return self._parse_parquet(symbol, path)

    def _parse_csv(self, symbol: str, path: Path) -> tuple[pa.Table, Callable[[int], str]]:
        def locate(i: int) -> str:
            return str(path) if i < 0 else f"{path}, line {i + 2}"

        try:
            raw = pd.read_csv(path)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise DataError(f"{path}: cannot read file: {_first_line(exc)}") from None
        raw.columns = [str(column).strip().lower() for column in raw.columns]
        time_column = _time_column(raw.columns, path)
        frame = raw.assign(timestamp=_parse_timestamps(raw[time_column], locate), symbol=symbol)
        frame = validate_bars(frame, locate)  # here, for line numbers in value errors
        return pa.Table.from_pandas(frame, schema=BAR_SCHEMA, preserve_index=False), locate

    def _parse_parquet(self, symbol: str, path: Path) -> tuple[pa.Table, Callable[[int], str]]:
        def locate(i: int) -> str:
            return str(path) if i < 0 else f"{path}, row {i + 1}"

        try:
            table = read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: cannot read file: {_first_line(exc)}") from None
        table = table.rename_columns([name.strip().lower() for name in table.column_names])
        time_column = _time_column(table.column_names, path)
        stamps = table.column(time_column)
        if pa.types.is_timestamp(stamps.type) and stamps.type.tz is None:
            stamps = stamps.cast(pa.timestamp("ns")).cast(pa.timestamp("ns", tz="UTC"))
        columns = {
            "timestamp": stamps,
            "symbol": pa.repeat(pa.scalar(symbol, pa.string()), table.num_rows),
        }
        for name in (*PRICE_COLUMNS, "volume"):
            if name not in table.column_names:
                raise DataError(f"{path}: missing column(s) {name}")
            columns[name] = table.column(name)
        if all(columns[f.name].type == f.type for f in BAR_SCHEMA):  # the usual case: no cast
            return pa.Table.from_arrays(
                [columns[name] for name in BAR_SCHEMA.names], schema=BAR_SCHEMA
            ), locate
        try:
            return pa.table(columns).cast(BAR_SCHEMA), locate
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataError(f"{path}: {_first_line(exc)}") from None

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from their files, ``start`` to ``end`` inclusive (see DataSource)."""
        wanted = list(dict.fromkeys(symbols))
        tables = self._tables_for(wanted)
        frames = [
            t.bars_between(s, start, end, frequency) for t, s in zip(tables, wanted, strict=True)
        ]
        if len(frames) == 1:
            return frames[0].reset_index(drop=True)
        order = sorted(range(len(wanted)), key=wanted.__getitem__)
        return pd.concat([frames[i] for i in order], ignore_index=True)

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The last bar in each symbol's file."""
        wanted = list(dict.fromkeys(symbols))
        tables = self._tables_for(wanted)
        frames = [t.latest([s], frequency) for t, s in zip(tables, wanted, strict=True)]
        return pd.concat(frames, ignore_index=True).sort_values("symbol", ignore_index=True)


def _parse_timestamps(column: pd.Series, locate: Callable[[int], str]) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
        parsed = pd.to_datetime(column, utc=True)
    else:
        parsed = pd.to_datetime(column.astype("string"), utc=True, errors="coerce", format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        raise DataError(f"{locate(int(bad[0]))}: cannot parse date {column.iloc[bad[0]]!r}")
    return parsed.astype("datetime64[ns, UTC]")


def _infer_frequency(stamps: np.ndarray, path: Path) -> str:
    """The frequency of bars stamped at ``stamps`` (int64 ns): daily when every stamp is a
    midnight, else the smallest gap between bars."""
    if (stamps % _DAY_NS == 0).all():
        return "1d"
    smallest = pd.Timedelta(int(np.diff(stamps).min()))
    for name, length in FREQUENCIES.items():
        if smallest == length:
            return name
    raise DataError(
        f"{path}: bars are {smallest} apart; supported frequencies are {', '.join(FREQUENCIES)}"
    )


def _time_column(columns: Sequence[str], path: Path) -> str:
    for name in ("timestamp", "date"):
        if name in columns:
            return name
    raise DataError(f"{path}: missing column 'date' or 'timestamp'")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
