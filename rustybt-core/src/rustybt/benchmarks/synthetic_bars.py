"""Synthetic bars for benchmarks: seeded random walks, labelled SYN0001, SYN0002, ...

Never given a real ticker: these prices are made up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def synthetic_symbols(count: int) -> list[str]:
    """``["SYN0001", ...]``: names that cannot be mistaken for real tickers."""
    return [f"SYN{i:04d}" for i in range(1, count + 1)]


def random_walk_bars(symbol: str, timestamps: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """Valid OHLCV bars of a geometric random walk (2 % daily-ish volatility) on ``timestamps``."""
    rng = np.random.default_rng(seed)
    n = len(timestamps)
    closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, n)))
    opens = np.concatenate([[50.0], closes[:-1]]) * np.exp(rng.normal(0, 0.004, n))
    highs = np.maximum(opens, closes) * (1 + np.abs(rng.normal(0, 0.005, n)))
    lows = np.minimum(opens, closes) * (1 - np.abs(rng.normal(0, 0.005, n)))
    return pd.DataFrame(
        {
            "timestamp": timestamps,
            "open": opens.round(4),
            "high": highs.round(4),
            "low": lows.round(4),
            "close": closes.round(4),
            "volume": rng.lognormal(13, 0.5, n).round(),
        }
    ).assign(
        high=lambda f: f[["open", "high", "close"]].max(axis=1),
        low=lambda f: f[["open", "low", "close"]].min(axis=1),
    )


def write_symbol_files(directory: Path, symbols: list[str], timestamps: pd.DatetimeIndex) -> None:
    """One Parquet file per symbol in ``directory``, readable by the ``files`` source."""
    for seed, symbol in enumerate(symbols):
        random_walk_bars(symbol, timestamps, seed).to_parquet(directory / f"{symbol}.parquet")
