"""What the differential tests share: the data windows, the csvdir folders both engines read,
and where the oracle's interpreter is named."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

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
    return _actions_frame(CORPORATE_ACTIONS, where="the differential corporate actions")


def _actions_frame(
    actions: dict[str, dict[str, tuple[tuple[str, float], ...]]], where: str
) -> pd.DataFrame:
    """``actions`` (by symbol and kind, (ex-date, value)) as a frame of rustybt's
    corporate-actions schema, validated; ``where`` names them in a validation error."""
    from rustybt.data.actions import validate_actions

    rows = [
        {"symbol": symbol, "ex_date": pd.Timestamp(day, tz="UTC"), "kind": kind, "value": value}
        for symbol, kinds in actions.items()
        for kind, events in kinds.items()
        for day, value in events
    ]
    return validate_actions(pd.DataFrame(rows), where=where)


def corporate_action_bars(sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """Deterministic raw daily bars of CORPORATE_ACTIONS' symbols over ``sessions``: a random
    walk seeded by the symbol's name that drops by the dividend on each dividend's ex-date and
    trades at the new share's price from each split's ex-date on; prices in tenths of a cent,
    whole-share volumes."""
    frames = []
    days = sessions.strftime("%Y-%m-%d")
    for symbol, kinds in CORPORATE_ACTIONS.items():
        if missing := {day for events in kinds.values() for day, _ in events} - set(days):
            raise ValueError(f"{symbol}: ex-dates off the sessions: {sorted(missing)}")
        rng = _symbol_rng(symbol)
        moves = 1 + rng.normal(0.0002, 0.015, len(days))
        frames.append(
            _walk_bars(
                symbol,
                sessions,
                rng,
                moves,
                OPENING_PRICES[symbol],
                kinds,
                open_noise=0.004,
                spreads=(0.002, 0.015),
                volumes=(200_000, 3_000_001),
            )
        )
    return pd.concat(frames, ignore_index=True)


def _symbol_rng(symbol: str) -> np.random.Generator:
    """A random generator seeded by ``symbol``'s name: the same draws on every machine."""
    return np.random.default_rng(int(hashlib.sha256(symbol.encode()).hexdigest()[:8], 16))


def _walk_bars(
    symbol: str,
    sessions: pd.DatetimeIndex,
    rng: np.random.Generator,
    moves: np.ndarray,
    level: float,
    actions: dict[str, tuple[tuple[str, float], ...]],
    *,
    open_noise: float,
    spreads: tuple[float, float],
    volumes: tuple[int, int],
) -> pd.DataFrame:
    """``symbol``'s raw daily bars over ``sessions``: closes walking from ``level`` by the
    factors ``moves``, dropping by each dividend of ``actions`` on its ex-date and trading at
    the new share's price from each split's ex-date on; opens, spreads (fractions of the
    close) and whole-share volumes drawn from ``rng``; prices in tenths of a cent."""
    days = sessions.strftime("%Y-%m-%d")
    dividends, splits = dict(actions.get("dividend", ())), dict(actions.get("split", ()))
    close = np.empty(len(days))
    for i, day in enumerate(days):
        level = (level - dividends.get(day, 0.0)) / splits.get(day, 1.0) * moves[i]
        close[i] = level
    opens = close * (1 + rng.normal(0, open_noise, len(days)))
    spread = close * rng.uniform(*spreads, len(days))
    volume = rng.integers(*volumes, len(days))
    return pd.DataFrame(
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


PIPELINE_DATA_START, PIPELINE_START, PIPELINE_END = "2016-10-03", "2018-01-02", "2019-12-31"
"""The pipeline data: five quarters of warm-up (a year-long window plus a returns row needs
253 sessions before the first), then two years of pipeline output."""
PIPELINE_SYMBOLS = (
    *("ALFA", "BRVO", "CHRL", "DLTA", "ECHO", "FXTR", "GOLF", "HTEL", "INDA", "JLET"),
    *("KILO", "LIMA", "MIKE", "NOVM", "OSCR", "DEAD", "GAPS", "GONE", "LATE", "NEXT"),
)
PIPELINE_LIFETIMES = {
    "DEAD": (None, "2017-06-30"),
    "GONE": (None, "2019-06-14"),
    "LATE": ("2018-06-15", None),
    "NEXT": ("2019-12-27", None),
}
"""Symbols trading only part of the data, (first, last) bar dates (None: the data's own):
DEAD ends before the output starts, GONE ends within it, LATE starts within it and NEXT two
sessions before its end."""
PIPELINE_GAPS = {
    "GAPS": (
        *("2017-12-29", "2018-03-05", "2018-03-06", "2018-03-07", "2018-03-08", "2018-03-09"),
        *("2018-07-05", "2018-10-22", "2019-01-02", "2019-04-12", "2019-08-20", "2019-11-29"),
    ),
    "LATE": ("2018-06-19",),
}
"""Sessions without a bar, by symbol: the last before the output starts, a week, single days,
the day before a dividend's ex-date (zipline then finds no close to compute its ratio from
and leaves the prices unadjusted), and LATE's third day."""
PIPELINE_ACTIONS: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "ALFA": {
        "split": (("2018-09-04", 2.0),),
        "dividend": (
            *(("2018-02-15", 0.2), ("2018-05-15", 0.2), ("2018-08-15", 0.2)),
            *(("2018-11-15", 0.11), ("2019-02-15", 0.11), ("2019-05-15", 0.11)),
            *(("2019-08-15", 0.12), ("2019-11-15", 0.12)),
        ),
    },
    "BRVO": {"split": (("2019-03-18", 0.25),), "dividend": (("2018-12-14", 0.5),)},
    "CHRL": {
        "split": (("2017-11-01", 3.0), ("2019-07-01", 1.5)),
        "dividend": (("2019-07-01", 0.3),),
    },
    "GAPS": {"split": (), "dividend": (("2019-04-15", 0.4),)},
    "GONE": {"split": (("2019-05-01", 2.0),), "dividend": ()},
    "LATE": {"split": (("2018-07-02", 2.0),), "dividend": ()},
}
"""Splits and dividends as CORPORATE_ACTIONS gives them: ALFA's 2-for-1 split and quarterly
dividends, BRVO's 1-for-4 reverse split, CHRL's 3-for-1 split in the warm-up (every output
window straddles it at first) and a 3-for-2 split on a dividend's ex-date, GAPS's dividend
after a missing bar, GONE's split before it ends, LATE's within its first window."""


def pipeline_actions() -> pd.DataFrame:
    """PIPELINE_ACTIONS as a frame of rustybt's corporate-actions schema."""
    return _actions_frame(PIPELINE_ACTIONS, where="the differential pipeline actions")


def pipeline_bars(sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """Deterministic raw daily bars of PIPELINE_SYMBOLS over ``sessions`` (each symbol within
    its PIPELINE_LIFETIMES, without its PIPELINE_GAPS): random walks seeded by the symbol's
    name that drop by each dividend on its ex-date and trade at the new share's price from
    each split's ex-date on; prices in tenths of a cent, whole-share volumes."""
    frames = []
    days = sessions.strftime("%Y-%m-%d")
    for symbol in PIPELINE_SYMBOLS:
        rng = _symbol_rng(symbol)
        moves = 1 + rng.normal(0.0003, 0.018, len(days))
        frame = _walk_bars(
            symbol,
            sessions,
            rng,
            moves,
            rng.uniform(15.0, 150.0),
            PIPELINE_ACTIONS.get(symbol, {}),
            open_noise=0.005,
            spreads=(0.002, 0.02),
            volumes=(100_000, 5_000_001),
        )
        first, last = PIPELINE_LIFETIMES.get(symbol, (None, None))
        kept = ~days.isin(PIPELINE_GAPS.get(symbol, ()))
        kept &= (days >= (first or days[0])) & (days <= (last or days[-1]))
        frames.append(frame[kept])
    return pd.concat(frames, ignore_index=True)


def cached_answers(cache: Path, names: Sequence[str], command: Sequence[str]) -> dict[str, dict]:
    """The oracle's answers ``cache/NAME.json`` for ``names``, running ``command`` (which
    writes them there) unless every one is cached. Under pytest-xdist, workers asking the
    same question wait for the one computing it, instead of computing it again and
    rewriting files being read."""
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(cache / ".lock"):
        if not all((cache / f"{name}.json").exists() for name in names):
            ran = subprocess.run(list(command), capture_output=True, text=True, timeout=1800)
            if ran.returncode:
                failure = ran.stderr[-3000:]
                pytest.fail(f"the zipline oracle could not run ({command[0]}):\n{failure}")
    return {name: json.loads((cache / f"{name}.json").read_text()) for name in names}
