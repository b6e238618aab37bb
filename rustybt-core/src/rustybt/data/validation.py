"""Bar validation: the rules every loaded bar satisfies, checked on every load."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rustybt.data.schema import BAR_COLUMNS, PRICE_COLUMNS
from rustybt.errors import DataError

RowLocator = Callable[[int], str]
"""Describes row ``i`` of a frame for an error message (``"AAPL.csv, line 7"``)."""


def validate_bars(frame: pd.DataFrame, locate: RowLocator) -> pd.DataFrame:
    """Check ``frame`` against the bar rules and return it with canonical columns and dtypes.

    The rules: every canonical column present; no missing OHLC or volume; no negative price
    or volume; ``high >= max(open, close)`` and ``low <= min(open, close)``; timestamps
    strictly increasing within each symbol. The first violation raises
    :class:`DataError` naming the row (through ``locate``), the symbol, the timestamp and
    the rule. Nothing is dropped or filled.
    """
    missing = [column for column in BAR_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{locate(-1)}: missing column(s) {', '.join(missing)}")
    if list(frame.columns) != list(BAR_COLUMNS):
        frame = frame.loc[:, list(BAR_COLUMNS)]
    numeric = ("volume", *PRICE_COLUMNS)
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            converted = pd.to_numeric(frame[column], errors="coerce")
            bad = np.flatnonzero(converted.isna().to_numpy() & frame[column].notna().to_numpy())
            if len(bad):
                value = frame[column].iloc[bad[0]]
                raise DataError(f"{locate(int(bad[0]))}: {column} is not a number: {value!r}")
            frame = frame.assign(**{column: converted})
    not_float = {c: "float64" for c in numeric if frame[c].dtype != np.float64}
    if not_float:
        frame = frame.astype(not_float)

    def fail(mask: np.ndarray, rule: str) -> None:
        hits = np.flatnonzero(mask)
        if len(hits):
            i = int(hits[0])
            row = frame.iloc[i]
            raise DataError(f"{locate(i)}: {row['symbol']} at {_when(row['timestamp'])}: {rule}")

    values = {column: frame[column].to_numpy() for column in numeric}
    for column in numeric:
        fail(np.isnan(values[column]), f"{column} is missing")
    for column in numeric:
        fail(values[column] < 0, f"{column} is negative ({column} >= 0)")
    opens, highs, lows, closes = (values[c] for c in PRICE_COLUMNS)
    fail(
        highs < np.maximum(opens, closes), "high is below open or close (high >= max(open, close))"
    )
    fail(lows > np.minimum(opens, closes), "low is above open or close (low <= min(open, close))")

    stamps = pd.DatetimeIndex(frame["timestamp"]).asi8
    same_symbol = _same_as_previous(frame["symbol"])
    not_increasing = np.concatenate([[False], same_symbol & (stamps[1:] <= stamps[:-1])])
    fail(not_increasing, "timestamps are not strictly increasing (sorted, no duplicates)")
    return frame.reset_index(drop=True)


def _same_as_previous(symbols: pd.Series) -> np.ndarray:
    """For rows 1..n-1, whether the symbol equals the previous row's (compared in Arrow,
    so large loads create no Python strings)."""
    if len(symbols) < 2:
        return np.zeros(max(len(symbols) - 1, 0), dtype=bool)
    values = pa.array(symbols)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    same = pc.equal(values.slice(1), values.slice(0, len(values) - 1))
    return same.to_numpy(zero_copy_only=False).astype(bool)


def _when(stamp: pd.Timestamp) -> str:
    if stamp.hour == stamp.minute == stamp.second == 0:
        return stamp.strftime("%Y-%m-%d")
    return stamp.isoformat()
