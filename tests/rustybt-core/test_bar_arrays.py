"""Placing long-format bars into the run's [time, asset] arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rustybt.data.bar_arrays import forward_fill, symbol_columns, timeline_rows

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


NAN = np.nan


@pytest.mark.parametrize(
    ("closes", "prices"),
    [
        # A bar in every row from each asset's first on: nothing to carry.
        ([[NAN, 1.0], [2.0, 1.5], [3.0, 1.25]], [[NAN, 1.0], [2.0, 1.5], [3.0, 1.25]]),
        # A gap, and an asset whose bars ended: the last close is carried forward.
        ([[1.0, 5.0], [NAN, 6.0], [3.0, NAN]], [[1.0, 5.0], [1.0, 6.0], [3.0, 6.0]]),
        # An asset without any bar stays without a price.
        ([[NAN, 4.0], [NAN, 4.5]], [[NAN, 4.0], [NAN, 4.5]]),
    ],
)
def test_the_price_is_the_close_carried_forward_over_missing_bars(closes, prices) -> None:
    closes = np.array(closes)
    filled = forward_fill(closes)
    np.testing.assert_array_equal(filled, prices)
    assert filled is not closes
