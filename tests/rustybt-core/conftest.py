"""Bars written to a temporary directory and read through the real `files` source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar

FIRST_SESSION = "2024-01-02"


def sessions(count: int, first: str = FIRST_SESSION) -> pd.DatetimeIndex:
    """The first ``count`` XNYS sessions from ``first``."""
    last = pd.Timestamp(first) + pd.Timedelta(days=2 * count + 10)
    return get_calendar("XNYS").sessions(first, last)[:count]


@pytest.fixture
def bar_dir(tmp_path: Path) -> Callable[..., Path]:
    """``write(symbol, closes, volumes=1000)`` writes SYMBOL.csv with one bar per XNYS session
    from 2024-01-02 (open = close, high/low 1 % around it) and returns the directory."""
    directory = tmp_path / "bars"
    directory.mkdir()

    def write(
        symbol: str, closes: Sequence[float], volumes: Sequence[float] | float = 1000
    ) -> Path:
        if not isinstance(volumes, Sequence):
            volumes = [volumes] * len(closes)
        frame = pd.DataFrame(
            {
                "date": sessions(len(closes)).strftime("%Y-%m-%d"),
                "open": closes,
                "high": [c * 1.01 for c in closes],
                "low": [c * 0.99 for c in closes],
                "close": closes,
                "volume": volumes,
            }
        )
        frame.to_csv(directory / f"{symbol}.csv", index=False)
        return directory

    return write


@pytest.fixture
def run_strategy(bar_dir: Callable[..., Path]):
    """``run(bars={symbol: closes}, volumes=..., capital=..., **functions)`` backtests
    Zipline-style functions over those bars (files source) for every session written."""

    def run(
        bars: dict[str, Sequence[float]],
        volumes: float | Sequence[float] = 1000,
        capital: float = 100000,
        **functions,
    ):
        for symbol, closes in bars.items():
            directory = bar_dir(symbol, closes, volumes)
        count = len(next(iter(bars.values())))
        days = sessions(count)
        return run_backtest(
            TradingAlgorithm(**functions),
            start=days[0],
            end=days[-1],
            capital_base=capital,
            source="files",
            data_dir=directory,
        )

    return run
