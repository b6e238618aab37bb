"""What the differential tests share: the data window, the csvdir folders both engines read,
and where the oracle's interpreter is named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REPO = Path(__file__).parents[2]
DATA_START, START, END = "2008-01-02", "2010-01-04", "2012-12-31"
"""The data begins two years before the run, for the strategies' history windows."""
SYMBOLS = ("AAPL", "GOOG", "IBM", "MSFT")
ORACLE_PYTHON = "RUSTYBT_ZIPLINE_PYTHON"


def write_csvdir(bars: pd.DataFrame, folder: Path) -> Path:
    """``bars`` (the canonical schema) as a zipline csvdir folder ``folder/daily/*.csv``,
    prices rounded to tenths of a cent as zipline stores them; returns ``folder/daily``."""
    daily = folder / "daily"
    daily.mkdir()
    for symbol, rows in bars.groupby("symbol"):
        frame = pd.DataFrame(
            {
                "date": rows["timestamp"].dt.strftime("%Y-%m-%d"),
                **{column: rows[column].round(3) for column in ("open", "high", "low", "close")},
                "volume": rows["volume"].round().astype("int64"),
                "dividend": 0.0,
                "split": 1.0,
            }
        )
        frame.to_csv(daily / f"{symbol}.csv", index=False)
    return daily
