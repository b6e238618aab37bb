"""A live bar feed: the warm-up bars up front, then each bar fetched once its time has come."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.source import DataSource
from rustybt.engine.clock import TimeSource
from rustybt.engine.feed import fetch_run_bars
from rustybt.errors import DataError
from rustybt.retry import RetriesExhaustedError, RetryPolicy, RetryWatch, call_with_retries


class PolledBars:
    """Bars of ``source`` polled as they close.

    A bar the source does not have yet is asked for again every ``retry_seconds`` of
    ``time``, ``retries`` times (:mod:`rustybt.retry`); one that never arrives is reported
    to ``missing(label, error)`` and left empty (the strategy sees no trade in it).
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
        self._policy = RetryPolicy(
            attempts=retries + 1, first_delay=retry_seconds, max_delay=retry_seconds, jitter=0
        )
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
        try:
            bars = call_with_retries(
                lambda: self.source.fetch_bars(self._symbols, label, label, self._frequency),
                self._policy,
                retryable=lambda exc: isinstance(exc, DataError),
                watch=RetryWatch(what=f"fetching the {label.isoformat()} bar", failed=_quiet),
                time=self._time,
                interrupted=self._stop,
            )
        except RetriesExhaustedError as exhausted:
            assert isinstance(exhausted.last, DataError)
            self._missing(label, exhausted.last)
            return None
        return bars[bars["timestamp"] == label]


def _quiet(error: BaseException, attempt: int, delay: float) -> None:
    """A bar not there yet is the normal case of a live feed: nothing to warn about."""
