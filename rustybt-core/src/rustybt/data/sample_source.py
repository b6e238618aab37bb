"""The built-in ``sample`` data source: real daily bars shipped inside ``rustybt-core``.

The bars (AAPL, MSFT, GOOG, IBM 2000-2013 and the S&P 500 index as ``^GSPC`` 1999-2018)
are raw, as they traded, and come with the stocks' splits and dividends
(``sample/actions.parquet``, dividends paid on their ex-date), which a run applies on their
dates (or adjusts the bars for, with ``--adjustment adjusted``). They come from permissively
licensed public datasets; see ``sample/provenance.json`` and ``sample/LICENSES.md`` beside
this module, and ``scripts/build_sample_data.py`` in the repository, which built the files.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

import pandas as pd
import pyarrow.parquet as pq

from rustybt.data.actions import validate_actions
from rustybt.data.bar_table import BarTable
from rustybt.data.schema import to_utc_timestamp
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import validate_bars

SAMPLE_FILE = "daily_bars.parquet"
ACTIONS_FILE = "actions.parquet"


def _read_sample(name: str) -> pd.DataFrame:
    path = resources.files("rustybt.data") / "sample" / name
    with resources.as_file(path) as local_path:
        return pq.read_table(local_path).to_pandas()


@functools.cache
def _sample_table() -> BarTable:
    frame = validate_bars(_read_sample(SAMPLE_FILE), lambda i: f"embedded sample data, row {i + 1}")
    return BarTable(frame, source_name="sample", frequency="1d")


@functools.cache
def _sample_actions() -> pd.DataFrame:
    return validate_actions(_read_sample(ACTIONS_FILE), where="embedded sample actions")


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

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The splits and dividends of ``symbols`` with ex-dates from ``start`` to ``end``
        inclusive (see :data:`rustybt.data.actions.ACTIONS_SCHEMA`); the index has none."""
        actions = _sample_actions()
        wanted = actions["symbol"].isin(list(symbols)) & actions["ex_date"].between(
            to_utc_timestamp(start), to_utc_timestamp(end)
        )
        return actions[wanted].reset_index(drop=True)
