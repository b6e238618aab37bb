"""Bars for the pipeline tests: csvdir files written to a temporary folder and read through
the real files source, simple enough that every expected number can be worked out by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rustybt.calendars import get_calendar

DAYS = get_calendar("XNYS").sessions("2020-01-02", "2020-03-31").strftime("%Y-%m-%d")
"""The sessions of 2020's first quarter as csv dates: the bars' days unless told others."""


def write_csv_bars(
    folder: Path,
    symbol: str,
    closes: Any,
    days: Iterable[str] = DAYS,
    volume: float = 1000.0,
    **actions: dict[str, float],
) -> None:
    """``folder/SYMBOL.csv`` with a bar per day of ``days``: open = close = ``closes``, high
    and low 1 above and below, ``volume`` every day. ``split=`` and ``dividend=`` (dicts of
    date -> value) add both action columns, neutral on the other days."""
    closes = np.asarray(closes, dtype=float)
    frame = pd.DataFrame(
        {
            "date": days,
            "open": closes,
            "high": closes + 1,
            "low": closes - 1,
            "close": closes,
            "volume": volume,
        }
    )
    if actions:
        frame = frame.assign(dividend=0.0, split=1.0)
    for kind, by_date in actions.items():
        for day, value in by_date.items():
            frame.loc[frame["date"] == day, kind] = value
    frame.to_csv(folder / f"{symbol}.csv", index=False)


@pytest.fixture
def write_bars() -> Callable[..., None]:
    """:func:`write_csv_bars`: ``write_bars(folder, symbol, closes, days=DAYS, volume=1000,
    split={date: ratio}, dividend={date: cash})``."""
    return write_csv_bars


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """AAA rises 1 a day from 100; BBB falls 1 a day from 200; CCC starts trading on
    2020-02-03 (so it is in the universe from 2020-02-04 on)."""
    n = len(DAYS)
    write_csv_bars(tmp_path, "AAA", 100.0 + np.arange(n))
    write_csv_bars(tmp_path, "BBB", 200.0 - np.arange(n))
    late = DAYS[DAYS >= "2020-02-03"]
    write_csv_bars(tmp_path, "CCC", 50.0 + np.arange(len(late)), days=late)
    return tmp_path
