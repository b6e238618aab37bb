"""A live bar feed: the warm-up bars up front, then each bar fetched once its time has come."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.source import DataSource
from rustybt.engine.clock import TimeSource
from rustybt.engine.feed import fetch_run_bars
from rustybt.errors import DataError


class PolledBars:
    """Bars of ``source`` polled as they close.

    A bar the source does not have yet is asked for again every ``retry_seconds`` of
    ``time``, ``retries`` times; one that never arrives is reported to ``missing(label,
    error)`` and left empty (the strategy sees no trade in it).
    """

    grows = True

    def __init__(
        self,
        source: DataSource,
        *,
        time: TimeSource,
        retries: int,
        retry_seconds: float,
        stop: Callable[[], bool],
        missing: Callable[[pd.Timestamp, DataError], None],
    ) -> None:
        self.source = source
        self._time = time
        self._retries = retries
        self._retry_ns = int(retry_seconds * 1e9)
        self._stop = stop
        self._missing = missing
        self._symbols: list[str] = []
        self._frequency = ""

    def load(
        self,
        assets: Sequence[Asset],
        timeline: pd.DatetimeIndex,
        first_run_bar: int,
        frequency: str,
    ) -> pd.DataFrame:
        """The warm-up bars (before row ``first_run_bar``); the run's bars are polled."""
        self._symbols = [asset.symbol for asset in assets]
        self._frequency = frequency
        warmup = assets if first_run_bar else ()
        return fetch_run_bars(
            self.source, warmup, timeline[0], timeline[max(first_run_bar - 1, 0)], frequency
        )

    def arrive(self, bar: int, label: pd.Timestamp) -> pd.DataFrame | None:
        """Fetch the bars labelled ``label`` now that their time has come (None when there
        are no symbols, or the bar never arrived)."""
        if not self._symbols:
            return None
        for attempt in range(self._retries + 1):
            try:
                bars = self.source.fetch_bars(self._symbols, label, label, self._frequency)
            except DataError as exc:
                if attempt == self._retries:
                    self._missing(label, exc)
                    return None
                self._time.sleep_until(self._time.now_ns() + self._retry_ns, self._stop)
                continue
            return bars[bars["timestamp"] == label]
        return None
