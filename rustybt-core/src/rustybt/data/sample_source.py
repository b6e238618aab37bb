"""The built-in ``sample`` data source: real daily bars shipped inside ``rustybt-core``.

The bars (AAPL, MSFT, GOOG, IBM 2000-2013 and the S&P 500 index as ``^GSPC`` 1999-2018,
adjusted for splits and dividends) come from permissively licensed public datasets; see
``sample/provenance.json`` and ``sample/LICENSES.md`` beside this module, and
``scripts/build_sample_data.py`` in the repository, which built the file.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

import pandas as pd
import pyarrow.parquet as pq

from rustybt.data.bar_table import BarTable
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import validate_bars

SAMPLE_FILE = "daily_bars.parquet"


@functools.cache
def _sample_table() -> BarTable:
    path = resources.files("rustybt.data") / "sample" / SAMPLE_FILE
    with resources.as_file(path) as local_path:
        frame = pq.read_table(local_path).to_pandas()
    frame = validate_bars(frame, lambda i: f"embedded sample data, row {i + 1}")
    return BarTable(frame, source_name="sample", frequency="1d")


class SampleDataSource:
    """Daily bars of a few real tickers, embedded in the package: works with no network."""

    name = "sample"
    capabilities = SourceCapabilities(asset_classes=("equity", "index"), frequencies=("1d",))

    @property
    def symbols(self) -> list[str]:
        """The tickers in the embedded dataset."""
        return _sample_table().symbols

    def has_symbol(self, symbol: str) -> bool:
        """True when the embedded dataset holds ``symbol``."""
        return symbol in _sample_table().symbols

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Embedded bars of ``symbols`` from ``start`` to ``end`` inclusive (see DataSource)."""
        return _sample_table().select(symbols, start, end, frequency)

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The last embedded bar of each symbol."""
        return _sample_table().latest(symbols, frequency)
