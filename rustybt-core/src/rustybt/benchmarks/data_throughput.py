"""Built-in benchmarks: bars read back from local files, in rows per second.

All three read the same workload: synthetic daily bars (see
:mod:`rustybt.benchmarks.synthetic_bars`) of 100 assets over 10 years of weekdays, about
252,000 rows, one file per symbol. ``scale`` takes fewer assets (at least one).

* the Parquet bar store (:class:`rustybt.data.store.BarStore`): setup fills a store from
  Parquet files, as ``rustybt fetch-data`` fills it from a network source; the timed part
  loads every symbol's whole range back (manifest lookup, SHA-256 check of the file,
  Parquet read, validation, range selection);
* the ``files`` source on CSV files written as a user exports them
  (``date,open,high,low,close,volume``) and on Parquet files: the timed part asks a new
  source for every symbol (reading and parsing each file, validation, the per-symbol
  tables and the range selection).
"""

from __future__ import annotations

import time
from pathlib import Path

import attrs
import pandas as pd

from rustybt.benchmarks.measurement import Metric, rows_per_second
from rustybt.benchmarks.synthetic_bars import (
    random_walk_bars,
    synthetic_symbols,
    write_symbol_files,
)
from rustybt.data.file_source import FileDataSource
from rustybt.data.store import BarStore

SESSIONS = pd.bdate_range("2014-01-02", periods=2520)
"""Ten years of weekdays."""
START, END = SESSIONS[0].tz_localize("UTC"), SESSIONS[-1].tz_localize("UTC")
FREQUENCY = "1d"


def _symbols(scale: float) -> list[str]:
    return synthetic_symbols(max(1, round(100 * scale)))


@attrs.define
class BarStoreLoad:
    """Rows per second of :meth:`BarStore.load` over every stored symbol."""

    symbols: list[str]
    description: str = (
        "Parquet bar store: load 100 assets x 10 years of daily bars (manifest, hash, read, "
        "validation)"
    )
    store: BarStore | None = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the bars as Parquet files and fill a bar store from them."""
        files = workdir / "files"
        files.mkdir()
        write_symbol_files(files, self.symbols, SESSIONS)
        self.store = BarStore(workdir / "store")
        self.store.fill(FileDataSource(data_dir=files), self.symbols, START, END, FREQUENCY)

    def run(self) -> dict[str, Metric]:
        """Time loading every symbol's stored bars."""
        began = time.perf_counter()
        rows = sum(
            len(self.store.load("files", FREQUENCY, symbol, START, END)) for symbol in self.symbols
        )
        return rows_per_second(rows, time.perf_counter() - began)


@attrs.define
class FilesParse:
    """Rows per second of the ``files`` source turning ``suffix`` files into validated bars."""

    symbols: list[str]
    suffix: str
    description: str
    data_dir: Path | None = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Write one file per symbol, CSV with ISO dates or Parquet with timestamps."""
        if self.suffix == "parquet":
            write_symbol_files(workdir, self.symbols, SESSIONS)
        else:
            for seed, symbol in enumerate(self.symbols):
                bars = random_walk_bars(symbol, SESSIONS, seed)
                bars = bars.rename(columns={"timestamp": "date"})
                bars["date"] = bars["date"].dt.strftime("%Y-%m-%d")
                bars.to_csv(workdir / f"{symbol}.csv", index=False)
        self.data_dir = workdir

    def run(self) -> dict[str, Metric]:
        """Time a new source reading every symbol's whole file."""
        began = time.perf_counter()
        bars = FileDataSource(data_dir=self.data_dir).fetch_bars(
            self.symbols, START, END, FREQUENCY
        )
        return rows_per_second(len(bars), time.perf_counter() - began)


def bar_store_load(scale: float = 1.0) -> BarStoreLoad:
    """Load 100 assets × 10 years of daily bars from the Parquet bar store."""
    return BarStoreLoad(symbols=_symbols(scale))


def files_csv_parse(scale: float = 1.0) -> FilesParse:
    """Parse 100 CSV files of 10 years of daily bars through the ``files`` source."""
    return FilesParse(
        symbols=_symbols(scale),
        suffix="csv",
        description="files source: parse 100 CSV files x 10 years of daily bars into bars",
    )


def files_parquet_parse(scale: float = 1.0) -> FilesParse:
    """Parse 100 Parquet files of 10 years of daily bars through the ``files`` source."""
    return FilesParse(
        symbols=_symbols(scale),
        suffix="parquet",
        description="files source: parse 100 Parquet files x 10 years of daily bars into bars",
    )
