"""Placing long-format bars into the run's [time, asset] arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rustybt.data.bar_arrays import symbol_columns, timeline_rows

UNIVERSE = ["AAPL", "MSFT", "BTC/USDT"]


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", "category", "str"])
def test_symbols_are_matched_to_their_column_whatever_the_pandas_dtype(dtype) -> None:
    symbols = pd.Series(["MSFT", "AAPL", "IBM", "BTC/USDT", "MSFT"], dtype=dtype)
    assert symbol_columns(symbols, UNIVERSE).tolist() == [1, 0, -1, 2, 1]


def test_stamps_off_the_timeline_get_no_row() -> None:
    timeline = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-05"], tz="UTC")
    stamps = pd.Series(
        pd.DatetimeIndex(
            ["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-09"], tz="UTC"
        )
    )
    np.testing.assert_array_equal(timeline_rows(timeline, stamps), [-1, 1, -1, 2, -1])
