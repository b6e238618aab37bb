"""Bar feeds: where an engine's bars come from.

:class:`StoredBars` loads every bar of the run up front from a data source (a backtest, a
replayed session). A live session polls each bar as it closes
(:class:`rustybt.live.polled_bars.PolledBars`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.schema import empty_bars
from rustybt.data.source import DataSource


def fetch_run_bars(
    source: DataSource,
    assets: Sequence[Asset],
    start: pd.Timestamp,
    end: pd.Timestamp,
    frequency: str,
) -> pd.DataFrame:
    """``source``'s bars of ``assets`` from ``start`` to ``end`` (no assets: no bars)."""
    if not assets:
        return empty_bars()
    return source.fetch_bars([a.symbol for a in assets], start, end, frequency)


class StoredBars:
    """Every bar of the run, read from ``source`` before the first bar."""

    grows = False

    def __init__(self, source: DataSource) -> None:
        self.source = source

    def load(
        self,
        assets: Sequence[Asset],
        timeline: pd.DatetimeIndex,
        first_run_bar: int,
        frequency: str,
    ) -> pd.DataFrame:
        """The bars of ``assets`` over the whole ``timeline``."""
        return fetch_run_bars(self.source, assets, timeline[0], timeline[-1], frequency)

    def arrive(self, bar: int, label: pd.Timestamp) -> None:
        """Nothing arrives: every bar was loaded."""
        return None
