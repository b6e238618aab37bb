"""The built-in ``files`` data source: a directory of CSV or Parquet files, one per symbol.

Each file is named after its symbol (``AAPL.csv`` or ``AAPL.parquet``; a ``/`` in a symbol
becomes ``-``, so ``BTC/USDT`` reads ``BTC-USDT.csv``). Columns: ``date`` or ``timestamp``,
``open``, ``high``, ``low``, ``close``, ``volume``; names are case-insensitive and other
columns are ignored. Dates without a time zone are UTC; a date without a time is a daily bar.
Every file is validated when first read; a violation names the file, the line and the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from rustybt.data.bar_table import BarTable
from rustybt.data.schema import FREQUENCIES
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import ConfigError, DataError
from rustybt.hookspecs import Register, hookimpl

SUFFIXES = (".csv", ".parquet")


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

    def _table(self, symbol: str) -> BarTable:
        if symbol not in self._tables:
            self._tables[symbol] = self._read(symbol, self._path_of(symbol))
        return self._tables[symbol]

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

    def _read(self, symbol: str, path: Path) -> BarTable:
        is_csv = path.suffix.lower() == ".csv"

        def locate(i: int) -> str:
            if i < 0:
                return str(path)
            return f"{path}, line {i + 2}" if is_csv else f"{path}, row {i + 1}"

        try:
            raw = pd.read_csv(path) if is_csv else pq.read_table(path).to_pandas()
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{path}: cannot read file: {reason}") from None
        raw.columns = [str(column).strip().lower() for column in raw.columns]
        time_column = next((c for c in ("timestamp", "date") if c in raw.columns), None)
        if time_column is None:
            raise DataError(f"{path}: missing column 'date' or 'timestamp'")
        stamps = _parse_timestamps(raw[time_column], locate)
        frame = raw.assign(timestamp=stamps, symbol=symbol)
        frame = validate_bars(frame, locate)
        return BarTable(frame, source_name="files", frequency=_infer_frequency(frame, path))

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from their files, ``start`` to ``end`` inclusive (see DataSource)."""
        frames = [self._table(s).select([s], start, end, frequency) for s in dict.fromkeys(symbols)]
        return pd.concat(frames, ignore_index=True).sort_values(
            ["symbol", "timestamp"], ignore_index=True
        )

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The last bar in each symbol's file."""
        frames = [self._table(s).latest([s], frequency) for s in dict.fromkeys(symbols)]
        return pd.concat(frames, ignore_index=True).sort_values("symbol", ignore_index=True)


def _parse_timestamps(column: pd.Series, locate) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
        parsed = pd.to_datetime(column, utc=True)
    else:
        parsed = pd.to_datetime(column.astype("string"), utc=True, errors="coerce", format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        raise DataError(f"{locate(int(bad[0]))}: cannot parse date {column.iloc[bad[0]]!r}")
    return parsed.astype("datetime64[ns, UTC]")


def _infer_frequency(frame: pd.DataFrame, path: Path) -> str:
    stamps = frame["timestamp"]
    if (stamps == stamps.dt.normalize()).all():
        return "1d"
    smallest = stamps.diff().dropna().min()
    for name, length in FREQUENCIES.items():
        if smallest == length:
            return name
    raise DataError(
        f"{path}: bars are {smallest} apart; supported frequencies are {', '.join(FREQUENCIES)}"
    )


@hookimpl
def rustybt_register_data_sources(register: Register) -> None:
    """Register the ``files`` source."""
    register("files", FileDataSource)
