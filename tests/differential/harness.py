"""What the differential tests share: the data windows, the csvdir folders both engines read,
and where the oracle's interpreter is named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).parents[2]
DATA_START, START, END = "2008-01-02", "2010-01-04", "2012-12-31"
"""The data begins two years before the run, for the strategies' history windows."""
SYMBOLS = ("AAPL", "GOOG", "IBM", "MSFT")
ORACLE_PYTHON = "RUSTYBT_ZIPLINE_PYTHON"

ACTIONS_DATA_START, ACTIONS_START, ACTIONS_END = "2018-10-01", "2019-01-02", "2021-06-30"
"""The corporate-actions data: a quarter of warm-up (itself holding a dividend) for the
strategies' 60-day history windows, then two and a half years of events."""
OPENING_PRICES = {"AAA": 300.0, "BBB": 40.0, "CCC": 60.0}
CORPORATE_ACTIONS: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "AAA": {
        "split": (("2020-08-31", 4.0),),
        "dividend": (
            *(("2018-11-08", 0.73), ("2019-02-08", 0.73), ("2019-05-10", 0.77)),
            *(("2019-08-09", 0.77), ("2019-11-07", 0.77), ("2020-02-07", 0.77)),
            *(("2020-05-08", 0.82), ("2020-08-07", 0.82), ("2020-11-06", 0.205)),
            *(("2021-02-05", 0.205), ("2021-05-07", 0.22)),
        ),
    },
    "BBB": {
        "split": (("2020-06-15", 0.5),),
        "dividend": (
            *(("2019-03-12", 0.45), ("2019-09-10", 0.45), ("2020-03-10", 0.5)),
            *(("2020-09-10", 1.0), ("2021-03-10", 1.0)),
        ),
    },
    "CCC": {
        "split": (("2021-01-19", 1.5),),
        "dividend": (
            *(("2019-07-15", 0.25), ("2020-04-15", 0.25), ("2020-10-15", 0.28)),
            ("2021-01-19", 0.3),
        ),
    },
}
"""By symbol and kind, (ex-date, value) as csvdir's columns give them: AAA splits 4-for-1,
BBB 1-for-2 (a reverse split: odd share counts leave fractions paid in cash), CCC 3-for-2
on the day of a dividend; the dividends are cash per share held at the ex-date's start."""


def write_csvdir(bars: pd.DataFrame, folder: Path, actions: pd.DataFrame | None = None) -> Path:
    """``bars`` (the canonical schema) as a zipline csvdir folder ``folder/daily/*.csv``,
    prices rounded to tenths of a cent as zipline stores them; returns ``folder/daily``.

    ``actions`` (rustybt's corporate-actions schema: symbol, ex_date, kind, value) fill the
    ``dividend`` and ``split`` columns on their ex-dates; every other row, and every row
    without ``actions``, has dividend 0.0 and split 1.0 (no event)."""
    daily = folder / "daily"
    daily.mkdir()
    for symbol, rows in bars.groupby("symbol"):
        dates = rows["timestamp"].dt.strftime("%Y-%m-%d")
        frame = pd.DataFrame(
            {
                "date": dates,
                **{column: rows[column].round(3) for column in ("open", "high", "low", "close")},
                "volume": rows["volume"].round().astype("int64"),
                "dividend": 0.0,
                "split": 1.0,
            }
        )
        if actions is not None:
            for event in actions[actions["symbol"] == symbol].itertuples():
                on = dates == event.ex_date.strftime("%Y-%m-%d")
                if not on.any():
                    raise ValueError(f"{symbol}: no bar on the {event.kind}'s ex-date")
                frame.loc[on, event.kind] = event.value
        frame.to_csv(daily / f"{symbol}.csv", index=False)
    return daily


def corporate_actions() -> pd.DataFrame:
    """CORPORATE_ACTIONS as a frame of rustybt's corporate-actions schema (dividends paid on
    their ex-dates)."""
    from rustybt.data.actions import validate_actions

    rows = [
        {"symbol": symbol, "ex_date": pd.Timestamp(day, tz="UTC"), "kind": kind, "value": value}
        for symbol, kinds in CORPORATE_ACTIONS.items()
        for kind, events in kinds.items()
        for day, value in events
    ]
    return validate_actions(pd.DataFrame(rows), where="the differential corporate actions")


def corporate_action_bars(sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """Deterministic raw daily bars of CORPORATE_ACTIONS' symbols over ``sessions``: a random
    walk seeded by the symbol's name that drops by the dividend on each dividend's ex-date and
    trades at the new share's price from each split's ex-date on; prices in tenths of a cent,
    whole-share volumes."""
    frames = []
    for symbol, kinds in CORPORATE_ACTIONS.items():
        rng = np.random.default_rng(int(hashlib.sha256(symbol.encode()).hexdigest()[:8], 16))
        days = sessions.strftime("%Y-%m-%d")
        dividends = dict(kinds["dividend"])
        splits = dict(kinds["split"])
        if missing := (set(dividends) | set(splits)) - set(days):
            raise ValueError(f"{symbol}: ex-dates off the sessions: {sorted(missing)}")
        moves = 1 + rng.normal(0.0002, 0.015, len(days))
        close, level = np.empty(len(days)), OPENING_PRICES[symbol]
        for i, day in enumerate(days):
            level = (level - dividends.get(day, 0.0)) / splits.get(day, 1.0) * moves[i]
            close[i] = level
        opens = close * (1 + rng.normal(0, 0.004, len(days)))
        spread = close * rng.uniform(0.002, 0.015, len(days))
        volume = rng.integers(200_000, 3_000_001, len(days))
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "timestamp": sessions,
                    "open": opens.round(3),
                    "high": (np.maximum(opens, close) + spread).round(3),
                    "low": (np.minimum(opens, close) - spread).round(3),
                    "close": close.round(3),
                    "volume": volume.astype("float64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
