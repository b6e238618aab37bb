"""The canonical bar schema every data source returns."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

from rustybt.errors import ConfigError

BAR_SCHEMA = pa.schema(
    [
        pa.field("timestamp", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("open", pa.float64(), nullable=False),
        pa.field("high", pa.float64(), nullable=False),
        pa.field("low", pa.float64(), nullable=False),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("volume", pa.float64(), nullable=False),
    ]
)
"""Bars as stored and exchanged: UTC nanosecond timestamps, float64 prices and volume.

A daily bar is stamped with its session date at 00:00 UTC; an intraday bar with the UTC
time its interval opens.
"""

BAR_COLUMNS: tuple[str, ...] = tuple(BAR_SCHEMA.names)
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")

FREQUENCIES: Mapping[str, pd.Timedelta] = {
    "1m": pd.Timedelta(minutes=1),
    "5m": pd.Timedelta(minutes=5),
    "15m": pd.Timedelta(minutes=15),
    "1h": pd.Timedelta(hours=1),
    "1d": pd.Timedelta(days=1),
}
"""Supported bar frequencies and the length of one bar."""


def empty_bars() -> pd.DataFrame:
    """A frame with the canonical columns and dtypes and no rows."""
    return BAR_SCHEMA.empty_table().to_pandas()


def to_utc_timestamp(value: object) -> pd.Timestamp:
    """``value`` (a date string, date, datetime or Timestamp) as a UTC Timestamp.

    Naive values are taken to be UTC already.
    """
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def date_option(name: str, value: object) -> pd.Timestamp:
    """``value``, given as ``name`` (``start``, ``end``), as a UTC Timestamp, like
    :func:`to_utc_timestamp`; a value that is no date (``2010-13-45``, ``NaT``, a number)
    raises :class:`ConfigError` naming ``name`` and the value."""
    if isinstance(value, int | float) and not pd.isna(value):  # epoch numbers are no dates
        raise ConfigError(f"{name} {value!r} is not a date; use YYYY-MM-DD")
    try:
        stamp = to_utc_timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        reason = str(exc).split(":")[0] or type(exc).__name__
        raise ConfigError(f"{name} {value!r} is not a date ({reason}); use YYYY-MM-DD") from None
    if pd.isna(stamp):
        raise ConfigError(f"{name} {value!r} is not a date; use YYYY-MM-DD")
    return stamp
