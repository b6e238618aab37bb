"""The yfinance source passes core's data source contract, against the fake Yahoo."""

from __future__ import annotations

import pytest
from rustybt.testing import DataSourceContract
from rustybt_yfinance.source import YFinanceSource


class TestYFinanceSource(DataSourceContract):
    source_name = "yfinance"
    symbols = ("AAPL", "MSFT")
    start, end = "2024-01-02", "2024-03-28"

    @pytest.fixture
    def data_source(self, yahoo: YFinanceSource) -> YFinanceSource:
        return yahoo
