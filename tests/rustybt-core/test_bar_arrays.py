"""Placing long-format bars into the run's [time, asset] arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rustybt.assets import Asset
from rustybt.data.bar_arrays import BarArrays, forward_fill, symbol_columns, timeline_rows

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


TIMELINE = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], tz="UTC")


def bars_of(symbol: str, days: list[str], base: float) -> pd.DataFrame:
    """Long-format bars of ``symbol`` on ``days``: open base, high base + 2, low base - 1,
    close base + 1, volume 1,000, base going up by 10 a day."""
    bases = base + 10 * np.arange(len(days))
    return pd.DataFrame(
        {
            "timestamp": pd.DatetimeIndex(days, tz="UTC"),
            "symbol": symbol,
            "open": bases,
            "high": bases + 2,
            "low": bases - 1,
            "close": bases + 1,
            "volume": 1000.0,
        }
    )


def test_open_high_and_low_are_made_when_first_read_with_the_bars_values() -> None:
    bars = pd.concat(
        [
            bars_of("AAPL", ["2024-01-02", "2024-01-03", "2024-01-04"], 100.0),
            bars_of("MSFT", ["2024-01-03", "2024-01-08"], 50.0),  # one bar off the timeline
        ]
    )
    arrays = BarArrays(bars, [Asset(symbol="AAPL"), Asset(symbol="MSFT")], TIMELINE)
    assert set(arrays.fields) == {"close", "volume", "price"}
    np.testing.assert_array_equal(
        arrays.fields["open"], [[100.0, NAN], [110.0, 50.0], [120.0, NAN]]
    )
    np.testing.assert_array_equal(arrays.fields["low"][:, 0], [99.0, 109.0, 119.0])
    assert arrays.fields["high"] is arrays.fields["high"]  # made once
    with pytest.raises(KeyError):
        arrays.fields["vwap"]


def test_assets_added_later_widen_the_fields_not_read_yet_too() -> None:
    arrays = BarArrays(
        bars_of("AAPL", list(TIMELINE.strftime("%Y-%m-%d")), 100.0),
        [Asset(symbol="AAPL")],
        TIMELINE,
    )
    arrays.add_assets([Asset(symbol="MSFT")], bars_of("MSFT", ["2024-01-04"], 50.0))
    np.testing.assert_array_equal(
        arrays.fields["open"], [[100.0, NAN], [110.0, NAN], [120.0, 50.0]]
    )
    np.testing.assert_array_equal(arrays.fields["close"][:, 1], [NAN, NAN, 51.0])
