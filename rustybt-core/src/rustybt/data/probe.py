"""Probing a data source: fetch a little, validate it, time it (``rustybt test-data``)."""

from __future__ import annotations

import time

import attrs
import pandas as pd

from rustybt.data.schema import date_option
from rustybt.data.source import DataSource
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError


@attrs.frozen(kw_only=True)
class ProbeResult:
    """What a probe of one symbol found."""

    source: str
    symbol: str
    frequency: str
    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    latest_close: float
    latency_seconds: float

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (timestamps in ISO 8601)."""
        return {
            "source": self.source,
            "symbol": self.symbol,
            "frequency": self.frequency,
            "rows": self.rows,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "latest_close": self.latest_close,
            "latency_seconds": round(self.latency_seconds, 6),
        }


def probe_source(
    source: DataSource,
    symbol: str,
    *,
    frequency: str = "1d",
    start: object | None = None,
    end: object | None = None,
) -> ProbeResult:
    """Fetch ``symbol`` from ``source`` and validate the bars.

    With neither ``start`` nor ``end``, asks for the latest bar only; with ``start``, the
    bars from ``start`` to ``end`` (default: now). Raises :class:`ConfigError` for a
    ``start`` or ``end`` that is no date, :class:`DataError` when the source returns no
    bars or invalid ones.
    """
    began = time.perf_counter()
    if start is None and end is None:
        bars = source.latest_bars([symbol], frequency)
    else:
        end_at = date_option("end", end) if end is not None else pd.Timestamp.now(tz="UTC")
        start_at = date_option("start", start) if start is not None else end_at
        bars = source.fetch_bars([symbol], start_at, end_at, frequency)
    latency = time.perf_counter() - began
    bars = validate_bars(bars, lambda i: f"source '{source.name}', {symbol}, bar {i + 1}")
    if bars.empty:
        raise DataError(f"source '{source.name}' returned no bars for {symbol}")
    return ProbeResult(
        source=source.name,
        symbol=symbol,
        frequency=frequency,
        rows=len(bars),
        first=bars["timestamp"].iloc[0],
        last=bars["timestamp"].iloc[-1],
        latest_close=float(bars["close"].iloc[-1]),
        latency_seconds=latency,
    )
