"""Bar validation: the rules every loaded bar satisfies, checked on every load."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rustybt.data.schema import BAR_COLUMNS, PRICE_COLUMNS
from rustybt.errors import DataError

RowLocator = Callable[[int], str]
"""Describes row ``i`` of a frame for an error message (``"AAPL.csv, line 7"``)."""

MAX_PRICE = 1e12
"""The largest price a bar may carry. Above any real quote in any currency, so a larger one
is a unit or parsing mistake; it also keeps ``price * shares`` far from float overflow."""

MAX_VOLUME = 1e18
"""The largest volume a bar may carry (a meme coin trades ~1e14 units a day); with
:data:`MAX_PRICE` it keeps ``price * volume`` finite."""

_NUMERIC = ("volume", *PRICE_COLUMNS)
_OHLC_RULE = "a bar needs low <= open, close <= high"


def validate_bars(frame: pd.DataFrame, locate: RowLocator) -> pd.DataFrame:
    """Check ``frame`` against the bar rules and return it with canonical columns and dtypes.

    The rules: every canonical column present; prices and volume are numbers (text, true/false
    and empty cells are refused); prices are finite, above 0 and at most :data:`MAX_PRICE`;
    volume is finite, at least 0 and at most :data:`MAX_VOLUME`; ``low <= open, close <=
    high``; timestamps strictly increasing within each symbol. The first violation raises
    :class:`DataError` naming the row (through ``locate``), the symbol, the timestamp, the
    column and value, and what a valid bar needs. Nothing is dropped or filled.
    """
    missing = [column for column in BAR_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{locate(-1)}: missing column(s) {', '.join(missing)}")
    if list(frame.columns) != list(BAR_COLUMNS):
        frame = frame.loc[:, list(BAR_COLUMNS)]
    converted = {
        column: _as_float(frame[column], column, locate)
        for column in _NUMERIC
        if frame[column].dtype != np.float64
    }
    if converted:
        frame = frame.assign(**converted)
    values = {column: frame[column].to_numpy() for column in _NUMERIC}
    _check_values(frame, values, locate)
    _check_ohlc(frame, values, locate)
    _check_order(frame, locate)
    return frame.reset_index(drop=True)


def values_pass(values: Mapping[str, np.ndarray]) -> bool:
    """Whether the float64 columns in ``values`` (some of open, high, low, close, volume)
    keep :func:`validate_bars`' rules on values: prices finite, above 0 and at most
    :data:`MAX_PRICE`; volume finite, at least 0 and at most :data:`MAX_VOLUME`; and
    ``low <= open, close <= high`` when all four prices are there. A yes or no over many
    bars at once; :func:`validate_bars` tells what is wrong, and where."""
    for column, data in values.items():
        if not len(data):
            continue
        # A NaN makes the minimum NaN, which fails the comparison.
        low, high = float(data.min()), float(data.max())
        if column == "volume" and not (low >= 0 and high <= MAX_VOLUME):
            return False
        if column != "volume" and not (low > 0 and high <= MAX_PRICE):
            return False
    if not all(column in values for column in PRICE_COLUMNS):
        return True
    opens, highs, lows, closes = (values[c] for c in PRICE_COLUMNS)
    return not ((highs < np.maximum(opens, closes)) | (lows > np.minimum(opens, closes))).any()


def _as_float(column: pd.Series, name: str, locate: RowLocator) -> pd.Series:
    """``column`` as float64; text that is no number, and true/false values, raise
    :class:`DataError` naming the first such row."""
    if column.dtype.kind in "iuf":
        return column.astype(np.float64)
    if column.dtype.kind == "b":
        raise DataError(
            f"{locate(0)}: {name} holds true/false values, not numbers; write the {name} "
            "as a number like 12.5"
        )
    # Text (CSV cells pandas could not read as numbers, Parquet strings), nullable numbers.
    numbers = pd.to_numeric(column.astype("string"), errors="coerce")
    unreadable = np.flatnonzero(numbers.isna().to_numpy() & column.notna().to_numpy())
    if len(unreadable):
        i = int(unreadable[0])
        raise DataError(
            f"{locate(i)}: {name} is not a number: {quoted(column.iloc[i])}; write a plain number "
            "like 12.5 (no currency signs or thousands separators)"
        )
    return pd.Series(
        numbers.to_numpy(dtype=np.float64, na_value=np.nan), index=column.index, name=name
    )


def _check_values(frame: pd.DataFrame, values: dict[str, np.ndarray], locate: RowLocator) -> None:
    """Every price finite, above 0 and at most MAX_PRICE; every volume finite, at least 0
    and at most MAX_VOLUME (one pass per column, NaN failing both comparisons)."""
    with np.errstate(invalid="ignore"):
        bad = ~((values["volume"] >= 0) & (values["volume"] <= MAX_VOLUME))
        for column in PRICE_COLUMNS:
            bad |= ~((values[column] > 0) & (values[column] <= MAX_PRICE))
    if not bad.any():
        return
    i = int(np.argmax(bad))
    for column in (*PRICE_COLUMNS, "volume"):
        problem = _value_problem(column, float(values[column][i]))
        if problem:
            raise _bar_error(frame, i, locate, problem)


def _value_problem(column: str, value: float) -> str | None:
    """What is wrong with ``value`` in ``column``, or None when nothing is."""
    if np.isnan(value):
        return f"{column} is missing; fill in the value or remove the bar"
    if np.isinf(value):
        return f"{column} is {value!r}; prices and volume must be finite numbers"
    if column == "volume":
        if value < 0:
            return f"volume is negative ({value!r}); volume must be 0 or more"
        if value > MAX_VOLUME:
            return (
                f"volume is {value!r}, above the largest plausible volume ({MAX_VOLUME:g}); "
                "check the file's units"
            )
        return None
    if value <= 0:
        return f"{column} is {value!r}; prices must be above 0 (remove bars without a price)"
    if value > MAX_PRICE:
        return (
            f"{column} is {value!r}, above the largest plausible price ({MAX_PRICE:g}); "
            "check the file's units and decimal separator"
        )
    return None


def _check_ohlc(frame: pd.DataFrame, values: dict[str, np.ndarray], locate: RowLocator) -> None:
    """``low <= open, close <= high``, naming the first pair of prices that breaks it."""
    opens, highs, lows, closes = (values[c] for c in PRICE_COLUMNS)
    bad = (highs < np.maximum(opens, closes)) | (lows > np.minimum(opens, closes))
    if not bad.any():
        return
    i = int(np.argmax(bad))
    high, low = float(highs[i]), float(lows[i])
    if high < low:
        problem = f"high is below low ({high!r} < {low!r})"
    else:
        column, value = next(
            (c, float(values[c][i])) for c in ("open", "close") if not low <= values[c][i] <= high
        )
        if value > high:
            problem = f"high is below {column} ({high!r} < {value!r})"
        else:
            problem = f"low is above {column} ({low!r} > {value!r})"
    raise _bar_error(frame, i, locate, f"{problem}; {_OHLC_RULE}")


def _check_order(frame: pd.DataFrame, locate: RowLocator) -> None:
    """Timestamps strictly increasing within each symbol."""
    stamps = pd.DatetimeIndex(frame["timestamp"]).asi8
    unknown = np.flatnonzero(stamps == np.iinfo(np.int64).min)
    if len(unknown):
        where = locate(int(unknown[0]))
        raise DataError(f"{where}: the bar's time is missing; every bar needs one")
    same_symbol = _same_as_previous(frame["symbol"])
    not_after = np.concatenate([[False], same_symbol & (stamps[1:] <= stamps[:-1])])
    if not not_after.any():
        return
    i = int(np.argmax(not_after))
    previous = bar_time(frame["timestamp"].iloc[i - 1])
    if stamps[i] == stamps[i - 1]:
        problem = "a second bar at the same time; keep one bar per time"
    else:
        problem = f"this bar is earlier than the one above it ({previous}); sort the bars by time"
    raise _bar_error(frame, i, locate, problem)


def _bar_error(frame: pd.DataFrame, i: int, locate: RowLocator, problem: str) -> DataError:
    row = frame.iloc[i]
    return DataError(f"{locate(i)}: {row['symbol']} at {bar_time(row['timestamp'])}: {problem}")


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


def bar_time(stamp: pd.Timestamp) -> str:
    """``stamp`` as an error message shows a bar's time: the date alone at midnight."""
    if stamp.hour == stamp.minute == stamp.second == 0:
        return stamp.strftime("%Y-%m-%d")
    return stamp.isoformat()


def quoted(value: object, limit: int = 40) -> str:
    """``value``'s repr for an error message, cut to ``limit`` characters: a cell of a
    damaged file can be long, and its repr never breaks the message's line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
