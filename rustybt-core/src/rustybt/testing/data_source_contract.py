"""The behavioural contract every data source honours, as a test class to subclass."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pytest

from rustybt.data.schema import BAR_COLUMNS, BAR_SCHEMA, to_utc_timestamp
from rustybt.data.source import DataSource
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError
from rustybt.plugins import Kind
from rustybt.testing.registry import registry_providing


class DataSourceContract:
    """Subclass as ``TestXxx`` and define the ``data_source`` fixture and the attributes.

    ``source_name``: the name the source is registered under (checked against the
    installed plugins). ``symbols``: two or more symbols with bars between ``start`` and
    ``end`` at ``frequency``. ``unknown_symbol``: a symbol the source does not have.
    """

    source_name: ClassVar[str]
    symbols: ClassVar[tuple[str, ...]]
    start: ClassVar[str]
    end: ClassVar[str]
    frequency: ClassVar[str] = "1d"
    unknown_symbol: ClassVar[str] = "NO-SUCH-SYMBOL-XYZ"

    @pytest.fixture
    def bars(self, data_source: DataSource) -> pd.DataFrame:
        return data_source.fetch_bars(
            list(self.symbols),
            to_utc_timestamp(self.start),
            to_utc_timestamp(self.end),
            self.frequency,
        )

    def test_is_registered_under_its_name(self) -> None:
        registry = registry_providing(Kind.DATA_SOURCE, self.source_name)
        assert self.source_name in registry.names(Kind.DATA_SOURCE)

    def test_satisfies_the_protocol_and_declares_the_frequency(
        self, data_source: DataSource
    ) -> None:
        assert isinstance(data_source, DataSource)
        assert data_source.name == self.source_name
        assert self.frequency in data_source.capabilities.frequencies

    def test_fetch_returns_exactly_the_canonical_schema(self, bars: pd.DataFrame) -> None:
        assert tuple(bars.columns) == BAR_COLUMNS
        for field in BAR_SCHEMA:
            if field.name == "timestamp":
                assert str(bars["timestamp"].dtype) == "datetime64[ns, UTC]"
            elif field.name == "symbol":
                assert pd.api.types.is_string_dtype(bars["symbol"])
            else:
                assert bars[field.name].dtype == "float64", field.name

    def test_fetch_returns_every_requested_symbol_within_the_range(
        self, bars: pd.DataFrame
    ) -> None:
        assert set(bars["symbol"]) == set(self.symbols)
        assert bars["timestamp"].min() >= to_utc_timestamp(self.start)
        assert bars["timestamp"].max() <= to_utc_timestamp(self.end)

    def test_fetch_is_sorted_by_symbol_then_time_and_valid(self, bars: pd.DataFrame) -> None:
        ordered = bars.sort_values(["symbol", "timestamp"], ignore_index=True)
        pd.testing.assert_frame_equal(bars.reset_index(drop=True), ordered)
        validate_bars(bars, lambda i: f"row {i}")

    def test_fetch_twice_gives_the_same_bars(
        self, data_source: DataSource, bars: pd.DataFrame
    ) -> None:
        again = data_source.fetch_bars(
            list(self.symbols),
            to_utc_timestamp(self.start),
            to_utc_timestamp(self.end),
            self.frequency,
        )
        pd.testing.assert_frame_equal(bars, again)

    def test_unknown_symbol_is_a_data_error_naming_it(self, data_source: DataSource) -> None:
        with pytest.raises(DataError, match=self.unknown_symbol.replace("/", ".")):
            data_source.fetch_bars(
                [self.unknown_symbol],
                to_utc_timestamp(self.start),
                to_utc_timestamp(self.end),
                self.frequency,
            )

    def test_end_before_start_is_a_data_error(self, data_source: DataSource) -> None:
        with pytest.raises(DataError):
            data_source.fetch_bars(
                list(self.symbols),
                to_utc_timestamp(self.end),
                to_utc_timestamp(self.start),
                self.frequency,
            )

    def test_latest_bars_gives_one_canonical_row_per_symbol(self, data_source: DataSource) -> None:
        latest = data_source.latest_bars(list(self.symbols), self.frequency)
        assert tuple(latest.columns) == BAR_COLUMNS
        assert sorted(latest["symbol"]) == sorted(self.symbols)
