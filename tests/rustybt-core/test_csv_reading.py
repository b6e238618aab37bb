"""A bar CSV reads to exactly the numbers its text says, however it is read.

The files source reads the usual CSV file with Arrow's reader and anything unusual with
pandas' (which reports problems line by line). Both must give the doubles Python's own
``float()`` reads from each cell: the correctly rounded value of the decimal text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.data.file_source import FileDataSource

START, END = pd.Timestamp("2010-01-01", tz="UTC"), pd.Timestamp("2010-12-31", tz="UTC")
DATES = [d.strftime("%Y-%m-%d") for d in pd.bdate_range("2010-01-04", periods=5)]


def load_csv(directory: Path, text: str) -> pd.DataFrame:
    (directory / "AAA.csv").write_text(text)
    return FileDataSource(data_dir=directory).fetch_bars(["AAA"], START, END, "1d")


prices = st.decimals(min_value="0.0001", max_value="99999.99999999", places=8, allow_nan=False).map(
    lambda d: format(d.normalize(), "f")
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(prices, min_size=5, max_size=5))
def test_prices_are_the_correctly_rounded_doubles_of_their_text(
    tmp_path_factory: pytest.TempPathFactory, cells: list[str]
) -> None:
    rows = [
        f"{day},{c},{c},{c},{c},{1000 + i}"
        for i, (day, c) in enumerate(zip(DATES, cells, strict=True))
    ]
    text = "date,open,high,low,close,volume\n" + "\n".join(rows) + "\n"

    bars = load_csv(tmp_path_factory.mktemp("bars"), text)

    assert bars["close"].tolist() == [float(c) for c in cells]
    assert bars["volume"].tolist() == [1000.0 + i for i in range(5)]


USUAL = "date,open,high,low,close,volume\n" + "".join(
    f"{day},10.1,10.7,9.95,10.3{i},{100 + i}\n" for i, day in enumerate(DATES)
)


@pytest.mark.parametrize(
    "unusual",
    [
        pytest.param(USUAL.replace("date,", " Date,"), id="a-name-cased-and-spaced"),
        pytest.param(USUAL.replace("\n2010-01-05,", "\n2010-01-05T00:00:00Z,"), id="one-time"),
        pytest.param(USUAL.replace("10.31", "1.031e1"), id="an-exponent"),
    ],
)
def test_an_unusual_file_reads_the_same_bars_as_the_usual_one(tmp_path: Path, unusual: str) -> None:
    (tmp_path / "usual").mkdir()
    (tmp_path / "unusual").mkdir()

    expected = load_csv(tmp_path / "usual", USUAL)

    pd.testing.assert_frame_equal(load_csv(tmp_path / "unusual", unusual), expected)
