"""The files source reads only the columns a bar needs, and hands a run the bars it read
without copying them: the same bars, whatever else a file holds or however it is asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.data.file_source import FileDataSource

START, END = pd.Timestamp("2010-01-01", tz="UTC"), pd.Timestamp("2010-12-31", tz="UTC")
DATES = [d.strftime("%Y-%m-%d") for d in pd.bdate_range("2010-01-04", periods=5)]
USUAL = "date,open,high,low,close,volume\n" + "".join(
    f"{day},10.1,10.7,9.95,10.3{i},{100 + i}\n" for i, day in enumerate(DATES)
)


def load_csv(directory: Path, text: str) -> pd.DataFrame:
    directory.mkdir()
    (directory / "AAA.csv").write_text(text, encoding="utf-8")
    return FileDataSource(data_dir=directory).fetch_bars(["AAA"], START, END, "1d")


def with_column(text: str, name: str, cells: list[str]) -> str:
    header, *rows = text.splitlines()
    lines = [f"{header},{name}"] + [f"{row},{cell}" for row, cell in zip(rows, cells, strict=True)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(with_column(USUAL, "dividend", ["", "0.5", "", "", ""]), id="empty-cells"),
        pytest.param(with_column(USUAL, "note", ["a", "b", "c", "d", "e"]), id="text"),
        pytest.param(USUAL.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + USUAL, id="byte-order-mark"),
        pytest.param(USUAL.replace("close,volume", "Close , VOLUME"), id="cased-and-spaced"),
        pytest.param(USUAL.replace("date,open", '"date","open"'), id="quoted-names"),
        pytest.param(USUAL.replace(",100\n", ",100.0\n"), id="a-float-volume"),
    ],
)
def test_a_file_with_more_or_other_text_reads_the_same_bars(tmp_path: Path, other: str) -> None:
    expected = load_csv(tmp_path / "usual", USUAL)

    pd.testing.assert_frame_equal(load_csv(tmp_path / "other", other), expected, check_exact=True)


def test_integer_prices_beyond_doubles_round_as_their_text_does(tmp_path: Path) -> None:
    big = 2**53 + 1  # the nearest doubles are 2**53 and 2**53 + 2; ties go to even
    text = USUAL.replace(",100\n", f",{big}\n")

    bars = load_csv(tmp_path / "bars", text)

    assert bars["volume"].iloc[0] == float(str(big)) == 2.0**53


def write_symbols(directory: Path, names: list[str]) -> None:
    for k, name in enumerate(names):
        (directory / f"{name}.csv").write_text(USUAL.replace(",10.", f",{10 + k}."))


def test_every_bar_of_a_read_is_the_same_frame_as_the_bars_put_together(tmp_path: Path) -> None:
    names = ["AAA", "BBB", "CCC"]
    write_symbols(tmp_path, names)
    read_at_once = FileDataSource(data_dir=tmp_path)
    read_one_by_one = FileDataSource(data_dir=tmp_path)
    for name in names:
        read_one_by_one.fetch_bars([name], START, END, "1d")

    whole = read_at_once.fetch_bars(names, START, END, "1d")

    expected = read_one_by_one.fetch_bars(names, START, END, "1d")
    pd.testing.assert_frame_equal(whole, expected, check_exact=True)
    assert whole["symbol"].tolist() == [name for name in names for _ in DATES]


def test_the_bars_a_run_gets_are_its_own_to_change(tmp_path: Path) -> None:
    names = ["AAA", "BBB"]
    write_symbols(tmp_path, names)
    source = FileDataSource(data_dir=tmp_path)
    first = source.fetch_bars(names, START, END, "1d")

    first["close"] = np.nan
    first["extra"] = 1.0

    again = source.fetch_bars(names, START, END, "1d")
    assert "extra" not in again.columns
    assert again["close"].notna().all()


def test_a_part_of_a_read_still_gives_just_that_part(tmp_path: Path) -> None:
    names = ["AAA", "BBB"]
    write_symbols(tmp_path, names)
    source = FileDataSource(data_dir=tmp_path)
    source.fetch_bars(names, START, END, "1d")

    later = source.fetch_bars(names, pd.Timestamp(DATES[2], tz="UTC"), END, "1d")

    assert later["timestamp"].dt.strftime("%Y-%m-%d").tolist() == DATES[2:] * 2
