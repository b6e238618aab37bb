"""Malformed bar files given to the ``files`` source, read by ``run`` and by ``test-data``.

Each case puts one broken ``bars/AAPL.csv`` (or ``AAPL.parquet``) next to a valid strategy;
the answer names the file, the line or row, the column or date, and what a valid file needs.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from bad_input_corpus import GOOD_ROWS, STRATEGY, Case, csv_bars

RUN = ["run", "-f", "s.py", "--source", "files", "--data-dir", "bars"]
RUN += ["--start", "2010-01-04", "--end", "2010-01-06"]
TEST_DATA = ["test-data", "--source", "files", "--data-dir", "bars", "--symbol", "AAPL"]
CSV = r"bars/AAPL\.csv"
PARQUET = r"bars/AAPL\.parquet"


def bad_row(i: int, row: str) -> str:
    """The valid bars with row ``i`` (0-based; file line ``i + 2``) replaced by ``row``."""
    return csv_bars([*GOOD_ROWS[:i], row, *GOOD_ROWS[i + 1 :]])


def cases(name: str, files: Mapping[str, str | bytes], message: str, *commands: str) -> list[Case]:
    """The same broken ``files`` read by each of ``commands`` (``run``, ``test-data``)."""
    args = {"run": RUN, "test-data": TEST_DATA}
    return [
        Case(
            name=f"{command}: {name}",
            args=args[command],
            files={"s.py": STRATEGY, **files} if command == "run" else files,
            message=message,
        )
        for command in commands
    ]


def csv_cases(name: str, text: str | bytes, message: str, *commands: str) -> list[Case]:
    """``cases`` of ``text`` as bars/AAPL.csv, ``message`` following the file's name."""
    return cases(f"bar CSV {name}", {"bars/AAPL.csv": text}, CSV + message, *commands)


def parquet_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    buffer = io.BytesIO()
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame)
    pq.write_table(table, buffer)
    return buffer.getvalue()


def parquet_cases(name: str, content: bytes, message: str, *commands: str) -> list[Case]:
    """``cases`` of ``content`` as bars/AAPL.parquet, ``message`` following the file's name."""
    return cases(
        f"bar Parquet {name}", {"bars/AAPL.parquet": content}, PARQUET + message, *commands
    )


GOOD = pd.DataFrame(
    {
        "date": pd.to_datetime(["2010-01-04", "2010-01-05", "2010-01-06"]),
        "open": [10.0, 10.5, 10.8],
        "high": [11.0, 11.0, 11.2],
        "low": [9.0, 10.0, 10.4],
        "close": [10.5, 10.8, 11.0],
        "volume": [1000.0, 1200.0, 900.0],
    }
)
"""GOOD_ROWS as a frame, a base for Parquet files with one thing wrong."""


def good_with(**columns: object) -> pd.DataFrame:
    """GOOD with ``columns`` replaced."""
    return GOOD.assign(**columns)


BOTH = ("run", "test-data")

CASES = [
    # -- the file as a whole ----------------------------------------------------------------
    *csv_cases("that is empty", "", r": cannot read file: it is empty; a bar file is text", *BOTH),
    *csv_cases(
        "with a header and no bars",
        csv_bars([]),
        r": the file holds no bars, only column names; add bars or remove it",
        *BOTH,
    ),
    *csv_cases(
        "without a volume column",
        csv_bars([row.rsplit(",", 1)[0] for row in GOOD_ROWS], "date,open,high,low,close"),
        r": missing column\(s\) volume \(has: 'date', 'open', 'high', 'low', 'close'\)",
        "run",
    ),
    *csv_cases(
        "without a date column",
        csv_bars(GOOD_ROWS, "day,open,high,low,close,volume"),
        r": missing column 'date' or 'timestamp' \(has: 'day', 'open'",
        "test-data",
    ),
    *csv_cases(
        "separated by semicolons",
        csv_bars([row.replace(",", ";") for row in GOOD_ROWS], "date;open;high;low;close;volume"),
        r": missing column 'date' or 'timestamp' \(has: 'date;open;high;low;close;volume'\)",
        "run",
    ),
    *csv_cases(
        "with close given twice",
        csv_bars(GOOD_ROWS, "date,open,high,low,Close,close"),
        r": column 'close' is there 2 times \(names are case-insensitive\); keep one",
        "test-data",
    ),
    *csv_cases(
        "with a line of seven fields",
        bad_row(1, "2010-01-05,10.5,11,10,10.8,1200,7"),
        r": cannot read file as CSV: .*Expected 6 fields in line 3, saw 7",
        "run",
    ),
    *csv_cases(
        "with an extra field on every line",
        csv_bars([f"{row},7" for row in GOOD_ROWS]),
        r": cannot read file as CSV: its lines have more fields than the header line",
        "test-data",
    ),
    *csv_cases(
        "of binary garbage",
        bytes(range(256)) * 4,
        r": cannot read file as CSV: .*a bar file is text",
        "test-data",
    ),
    *csv_cases(
        "that is not UTF-8",
        csv_bars(GOOD_ROWS, "date,open,high,low,close,volume,note").encode()
        + b"2010-01-07,11,12,10,11,100,caf\xe9\n",
        r": cannot read file as CSV: 'utf-8' codec can't decode byte 0xe9",
        "test-data",
    ),
    # -- the order of the bars ------------------------------------------------------------
    *csv_cases(
        "with a date twice",
        bad_row(1, "2010-01-04,10.5,11,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-04: a second bar at the same time; keep one bar per time",
        *BOTH,
    ),
    *csv_cases(
        "with bars out of order",
        csv_bars([GOOD_ROWS[1], GOOD_ROWS[0], GOOD_ROWS[2]]),
        r", line 3: AAPL at 2010-01-04: this bar is earlier than the one above it "
        r"\(2010-01-05\); sort the bars by time",
        *BOTH,
    ),
    # -- dates ----------------------------------------------------------------------------
    *csv_cases(
        "with an impossible date",
        bad_row(1, "2010-13-45,10.5,11,10,10.8,1200"),
        r", line 3: cannot parse date '2010-13-45'; write ISO dates like 2010-01-04",
        *BOTH,
    ),
    *csv_cases(
        "with a date that is a word",
        bad_row(2, "tomorrow,10.8,11.2,10.4,11,900"),
        r", line 4: cannot parse date 'tomorrow'",
        "run",
    ),
    *csv_cases(
        "with an empty date",
        bad_row(1, ",10.5,11,10,10.8,1200"),
        r", line 3: the date is missing; every bar needs its date",
        "run",
    ),
    *csv_cases(
        "with a date before 1678",
        bad_row(0, "1600-01-04,10,11,9,10.5,1000"),
        r", line 2: date '1600-01-04' is outside the years 1678 to 2261 that bars can have",
        "test-data",
    ),
    *csv_cases(
        "with one date in another time zone",
        bad_row(1, "2010-01-05T00:00:00+05:00,10.5,11,10,10.8,1200"),
        r", line 3: the bar at 2010-01-04T19:00:00\+00:00 is 19:00:00 after the one before; "
        r"supported frequencies are 1m, 5m, 15m, 1h, 1d",
        *BOTH,
    ),
    *csv_cases(
        "with a time among daily dates",
        bad_row(2, "2010-01-06 09:30,10.8,11.2,10.4,11,900"),
        r", line 4: the daily bar at 2010-01-06T09:30:00\+00:00 is not at 00:00 UTC",
        "test-data",
    ),
    # -- prices and volume ----------------------------------------------------------------
    *csv_cases(
        "with NaN as a price",
        bad_row(1, "2010-01-05,nan,11,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: open is missing; fill in the value or remove the bar",
        "run",
    ),
    *csv_cases(
        "with an empty price",
        bad_row(1, "2010-01-05,10.5,11,10,,1200"),
        r", line 3: AAPL at 2010-01-05: close is missing",
        "test-data",
    ),
    *csv_cases(
        "with a short line",
        bad_row(1, "2010-01-05,10.5,11"),
        r", line 3: AAPL at 2010-01-05: low is missing",
        "run",
    ),
    *csv_cases(
        "with inf as a price",
        bad_row(1, "2010-01-05,10.5,inf,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: high is inf; prices and volume must be finite numbers",
        *BOTH,
    ),
    *csv_cases(
        "with -inf as a price",
        bad_row(1, "2010-01-05,10.5,11,-inf,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: low is -inf; prices and volume must be finite",
        "run",
    ),
    *csv_cases(
        "with 1e400 as a price",
        bad_row(1, "2010-01-05,10.5,1e400,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: high is inf",
        "test-data",
    ),
    *csv_cases(
        "with 1e308 as a price",
        bad_row(1, "2010-01-05,10.5,1e308,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: high is 1e\+308, above the largest plausible price "
        r"\(1e\+12\); check the file's units",
        *BOTH,
    ),
    *csv_cases(
        "with a price above 1e12",
        bad_row(0, "2010-01-04,2e13,2e13,2e13,2e13,1000"),
        r", line 2: AAPL at 2010-01-04: open is 20000000000000\.0, above the largest plausible",
        *BOTH,
    ),
    *csv_cases(
        "with a zero price",
        bad_row(2, "2010-01-06,0,0,0,0,900"),
        r", line 4: AAPL at 2010-01-06: open is 0\.0; prices must be above 0",
        *BOTH,
    ),
    *csv_cases(
        "with a negative price",
        bad_row(1, "2010-01-05,10.5,11,-10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: low is -10\.0; prices must be above 0",
        "run",
    ),
    *csv_cases(
        "with text as a price",
        bad_row(1, "2010-01-05,10.5,11,10,ten,1200"),
        r", line 3: close is not a number: 'ten'; write a plain number like 12\.5",
        *BOTH,
    ),
    *csv_cases(
        "with a currency sign",
        bad_row(1, "2010-01-05,$10.5,11,10,10.8,1200"),
        r", line 3: open is not a number: '\$10\.5'",
        "test-data",
    ),
    *csv_cases(
        "with text as the volume",
        bad_row(1, "2010-01-05,10.5,11,10,10.8,lots"),
        r", line 3: volume is not a number: 'lots'",
        *BOTH,
    ),
    *csv_cases(
        "with true/false as prices",
        csv_bars(["2010-01-04,true,true,true,true,1", "2010-01-05,false,true,false,true,1"]),
        r", line 2: open holds true/false values, not numbers",
        "run",
    ),
    *csv_cases(
        "with a negative volume",
        bad_row(1, "2010-01-05,10.5,11,10,10.8,-5"),
        r", line 3: AAPL at 2010-01-05: volume is negative \(-5\.0\); volume must be 0 or more",
        *BOTH,
    ),
    *csv_cases(
        "with inf as the volume",
        bad_row(1, "2010-01-05,10.5,11,10,10.8,inf"),
        r", line 3: AAPL at 2010-01-05: volume is inf",
        "test-data",
    ),
    *csv_cases(
        "with 1e308 as the volume",
        bad_row(1, "2010-01-05,10.5,11,10,10.8,1e308"),
        r", line 3: AAPL at 2010-01-05: volume is 1e\+308, above the largest plausible volume",
        "run",
    ),
    # -- the shape of a bar ---------------------------------------------------------------
    *csv_cases(
        "with the high below the low",
        bad_row(1, "2010-01-05,10.5,9,11,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: high is below low \(9\.0 < 11\.0\); "
        r"a bar needs low <= open, close <= high",
        *BOTH,
    ),
    *csv_cases(
        "with the open above the high",
        bad_row(1, "2010-01-05,12,11,10,10.8,1200"),
        r", line 3: AAPL at 2010-01-05: high is below open \(11\.0 < 12\.0\)",
        "run",
    ),
    *csv_cases(
        "with the close below the low",
        bad_row(1, "2010-01-05,10.5,11,10,9.5,1200"),
        r", line 3: AAPL at 2010-01-05: low is above close \(10\.0 > 9\.5\)",
        "test-data",
    ),
    # -- Parquet --------------------------------------------------------------------------
    *parquet_cases(
        "of binary garbage",
        b"PAR1" + bytes(range(256)),
        r": cannot read file as Parquet: .*magic bytes not found",
        *BOTH,
    ),
    *parquet_cases("that is empty", b"", r": cannot read file as Parquet: .*0 bytes", "test-data"),
    *parquet_cases(
        "that is CSV text",
        csv_bars(GOOD_ROWS).encode(),
        r": cannot read file as Parquet",
        "run",
    ),
    *parquet_cases(
        "with inf as a price",
        parquet_bytes(good_with(high=[11.0, np.inf, 11.2])),
        r", row 2: AAPL at 2010-01-05: high is inf; prices and volume must be finite",
        *BOTH,
    ),
    *parquet_cases(
        "with NaN as a price",
        parquet_bytes(good_with(close=[10.5, np.nan, 11.0])),
        r", row 2: AAPL at 2010-01-05: close is missing",
        "run",
    ),
    *parquet_cases(
        "with 1e308 as a price",
        parquet_bytes(good_with(low=[9.0, 10.0, 1e308])),
        r", row 3: AAPL at 2010-01-06: low is 1e\+308, above the largest plausible price",
        "test-data",
    ),
    *parquet_cases(
        "with text as prices",
        parquet_bytes(good_with(open=["10", "ten", "10.8"])),
        r", row 2: open is not a number: 'ten'",
        "test-data",
    ),
    *parquet_cases(
        "with true/false as prices",
        parquet_bytes(good_with(open=[True, True, False])),
        r": column open holds bool values; prices and volume must be numbers",
        "run",
    ),
    *parquet_cases(
        "with numbers as dates",
        parquet_bytes(good_with(date=[1, 2, 3])),
        r": column date holds int64 values; dates must be timestamps",
        "test-data",
    ),
    *parquet_cases(
        "with a date twice",
        parquet_bytes(good_with(date=pd.to_datetime(["2010-01-04", "2010-01-05", "2010-01-05"]))),
        r", row 3: AAPL at 2010-01-05: a second bar at the same time",
        "run",
    ),
    *parquet_cases(
        "with New York midnights",
        parquet_bytes(good_with(date=GOOD["date"].dt.tz_localize("America/New_York"))),
        r", row 1: the daily bar at 2010-01-04T05:00:00\+00:00 is not at 00:00 UTC",
        "run",
    ),
    *parquet_cases(
        "without bars",
        parquet_bytes(GOOD.iloc[:0]),
        r": the file holds no bars, only column names",
        "test-data",
    ),
    *parquet_cases(
        "without a volume column",
        parquet_bytes(GOOD.drop(columns="volume")),
        r": missing column\(s\) volume",
        "run",
    ),
    # -- the directory --------------------------------------------------------------------
    *cases(
        "data directory without the symbol's file",
        {"bars/MSFT.csv": csv_bars(GOOD_ROWS)},
        r"unknown symbol 'AAPL' in source 'files' \(has: MSFT\)",
        *BOTH,
    ),
    *cases(
        "bar file with another suffix",
        {"bars/AAPL.txt": csv_bars(GOOD_ROWS)},
        r"unknown symbol 'AAPL' in source 'files' \(has: no symbol files\); "
        r"expected bars/AAPL\.csv",
        "test-data",
    ),
    # -- the dates asked for ---------------------------------------------------------------
    Case(
        name="test-data: start date that does not exist",
        args=[*TEST_DATA, "--start", "2010-13-45"],
        files={"bars/AAPL.csv": csv_bars(GOOD_ROWS)},
        message=r"start '2010-13-45' is not a date \(month must be in 1\.\.12\); use YYYY-MM-DD",
    ),
    Case(
        name="test-data: end date that is a word",
        args=[*TEST_DATA, "--start", "2010-01-04", "--end", "soon"],
        files={"bars/AAPL.csv": csv_bars(GOOD_ROWS)},
        message=r"end 'soon' is not a date \(.*\); use YYYY-MM-DD",
    ),
    Case(
        name="fetch-data: start date that is a word",
        args=["fetch-data", "--source", "sample", "--symbols", "AAPL", "--start", "someday"],
        env={"RUSTYBT_DATA_DIR": "store"},
        message=r"start 'someday' is not a date \(.*\); use YYYY-MM-DD",
    ),
    # -- the data directory itself ---------------------------------------------------------
    *cases(
        "data directory that is a file",
        {"bars": csv_bars(GOOD_ROWS)},
        r"data directory bars is a file; give the directory that holds it",
        *BOTH,
    ),
    Case(
        name="run: data directory without any bar file",
        args=[*RUN, "--start", "2010-01-04", "--end", "2010-01-06"],
        files={"s.py": STRATEGY, "bars/README.md": "bars go here\n"},
        message=r"s\.py:5 in initialize: unknown symbol 'AAPL' in source 'files' "
        r"\(has: no symbols at all\)",
    ),
    Case(
        name="fetch-data: a network source given --data-dir",
        args=[
            *("fetch-data", "--source", "sample", "--data-dir", "bars"),
            *("--symbols", "AAPL", "--start", "2010-01-04"),
        ],
        files={"bars/AAPL.csv": csv_bars(GOOD_ROWS)},
        env={"RUSTYBT_DATA_DIR": "store"},
        message=r"data source 'sample' does not take --data-dir",
    ),
]
