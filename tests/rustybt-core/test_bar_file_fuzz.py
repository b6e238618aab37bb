"""Whatever a bar file holds, the `files` source either loads valid bars or raises DataError.

Hypothesis writes arbitrary bytes, CSV text built from bar-like cells, and frames of floats
(NaN, inf, huge), shuffled or repeated dates and text, as CSV and as Parquet, and reads them
through the source's public path. Nothing but :class:`DataError` may escape: no pandas or
numpy warning, no IndexError, no OverflowError. Valid files load with their values intact.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.data.file_source import FileDataSource
from rustybt.data.validation import MAX_PRICE, MAX_VOLUME
from rustybt.errors import DataError

# Deterministic for CI; the whole module stays well under 20 s.
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None)
HEADER = "date,open,high,low,close,volume"
START, END = pd.Timestamp("1970-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")


def load(name: str, content: bytes) -> pd.DataFrame | None:
    """Write ``content`` as ``name`` in a fresh directory and read it back through the
    `files` source: the bars, or None when it raised DataError. Warnings are errors."""
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / name).write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            source = FileDataSource(data_dir=directory)
            try:
                # Files are read and checked whole before the frequency is compared.
                bars = source.fetch_bars([Path(name).stem], START, END, "1d")
            except DataError as error:
                assert "\n" not in str(error)
                return None
    assert_bar_rules(bars)
    return bars


def assert_bar_rules(bars: pd.DataFrame) -> None:
    """What every loaded bar satisfies, whatever file it came from."""
    prices = bars[["open", "high", "low", "close"]].to_numpy()
    volume = bars["volume"].to_numpy()
    assert np.isfinite(prices).all() and (prices > 0).all() and (prices <= MAX_PRICE).all()
    assert np.isfinite(volume).all() and (volume >= 0).all() and (volume <= MAX_VOLUME).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert bars["timestamp"].is_monotonic_increasing and bars["timestamp"].is_unique


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


# -- strategies ---------------------------------------------------------------------------

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
date_cells = st.one_of(
    dates.map(str),
    dates.map(lambda d: f"{d} 00:00:00+00:00"),
    dates.map(lambda d: f"{d}T09:30:00-05:00"),
    dates.map(lambda d: f"{d} 14:30"),
    st.sampled_from(["", "yesterday", "2010-13-45", "1600-01-01", "9999-12-31", "0", "NaT"]),
    st.text(max_size=12),
)
number_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["", "nan", "inf", "-inf", "1e308", "1e400", "-0", "0", "1,000", "$12", "True"]
    ),
    st.text(max_size=8),
)
headers = st.one_of(
    st.just(HEADER),
    st.permutations(HEADER.split(",")).map(",".join),
    st.lists(st.sampled_from([*HEADER.split(","), "timestamp", "Close", "x", ""]), max_size=8).map(
        ",".join
    ),
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(headers)
    width = len(header.split(","))
    rows = draw(
        st.lists(
            st.tuples(date_cells, st.lists(number_cells, min_size=width - 1, max_size=width)),
            max_size=8,
        )
    )
    lines = [",".join([day, *cells]) for day, cells in rows]
    return "\n".join([header, *lines]) + draw(st.sampled_from(["", "\n", "\r\n"]))


finite_prices = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)
any_floats = st.one_of(
    finite_prices,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 1e308, 1e13, float("inf"), float("-inf"), float("nan")]),
)


@st.composite
def valid_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Bars that keep every rule: increasing daily dates, low <= open, close <= high."""
    days = sorted(draw(st.sets(dates, min_size=1, max_size=10)))
    rows = []
    for _ in days:
        low, open_, close, high = sorted(draw(st.lists(finite_prices, min_size=4, max_size=4)))
        rows.append((open_, high, low, close, draw(st.floats(0, 1e12))))
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"])
    frame.insert(0, "date", pd.to_datetime(days))
    return frame


@st.composite
def damaged_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Valid bars with one kind of damage: values replaced (NaN, inf, huge, zero, negative),
    rows shuffled, a date repeated, or text put in a column."""
    frame = draw(valid_frames())
    damage = draw(st.sampled_from(["values", "values", "order", "repeat", "text"]))
    if damage == "values":
        for _ in range(draw(st.integers(1, 3))):
            row = draw(st.integers(0, len(frame) - 1))
            column = draw(st.sampled_from(["open", "high", "low", "close", "volume"]))
            frame.loc[row, column] = draw(any_floats)
    elif damage == "order":
        frame = frame.iloc[draw(st.permutations(range(len(frame))))].reset_index(drop=True)
    elif damage == "repeat" and len(frame) > 1:
        frame.loc[1, "date"] = frame.loc[0, "date"]
    elif damage == "text":
        column = draw(st.sampled_from(["date", "open", "volume"]))
        frame[column] = frame[column].astype(str)
        frame.loc[draw(st.integers(0, len(frame) - 1)), column] = draw(st.text(max_size=6))
    return frame


# -- tests ------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_as_csv_load_or_raise_data_error(content: bytes) -> None:
    load("AAA.csv", content)


@FUZZ
@given(st.binary(max_size=300), st.booleans())
def test_any_bytes_as_parquet_raise_data_error(content: bytes, framed: bool) -> None:
    if framed:  # past the magic-bytes check, into the footer parser
        content = b"PAR1" + content + len(content).to_bytes(4, "little") + b"PAR1"
    assert load("AAA.parquet", content) is None


@FUZZ
@given(valid_frames(), st.data())
def test_a_damaged_parquet_file_raises_data_error_or_loads(
    frame: pd.DataFrame, data: st.DataObject
) -> None:
    content = bytearray(parquet_bytes(frame))
    for _ in range(data.draw(st.integers(1, 4))):
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    load("AAA.parquet", bytes(content))


@FUZZ
@given(csv_texts())
def test_bar_like_csv_text_loads_or_raises_data_error(text: str) -> None:
    load("AAA.csv", text.encode())


@FUZZ
@given(damaged_frames(), st.sampled_from(["csv", "parquet"]))
def test_damaged_bars_load_or_raise_data_error(frame: pd.DataFrame, suffix: str) -> None:
    content = frame.to_csv(index=False).encode() if suffix == "csv" else parquet_bytes(frame)
    load(f"AAA.{suffix}", content)


@FUZZ
@given(valid_frames(), st.sampled_from(["csv", "parquet"]))
def test_valid_bars_load_with_their_values(frame: pd.DataFrame, suffix: str) -> None:
    content = frame.to_csv(index=False).encode() if suffix == "csv" else parquet_bytes(frame)
    bars = load(f"AAA.{suffix}", content)
    assert bars is not None
    assert list(bars["timestamp"]) == list(frame["date"].dt.tz_localize("UTC"))
    for column in ("open", "high", "low", "close", "volume"):
        assert bars[column].tolist() == frame[column].tolist()


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("open", pa.array([True, False]), r"column open holds bool values"),
        ("open", pa.array([[1.0], [2.0]]), r"column open holds list<element: double> values"),
        ("volume", pa.array([b"1", b"2"]), r"column volume holds binary values"),
        ("close", pa.nulls(2), r"row 1: AAA at 2024-01-02: close is missing"),
        ("date", pa.array([1, 2]), r"column date holds int64 values"),
        ("date", pa.array(["2024-01-02", "2024-01-02"]), r"row 2: .* a second bar at the same"),
    ],
)
def test_a_parquet_column_of_the_wrong_type_is_named(
    tmp_path: Path, column: str, values: pa.Array, message: str
) -> None:
    prices = pa.array([1.0, 2.0])
    table = pa.table(
        {
            "date": pa.array(pd.to_datetime(["2024-01-02", "2024-01-03"], utc=True)),
            **dict.fromkeys(["open", "high", "low", "close", "volume"], prices),
            column: values,
        }
    )
    pq.write_table(table, tmp_path / "AAA.parquet")
    with pytest.raises(DataError, match=rf"AAA\.parquet.*{message}"):
        FileDataSource(data_dir=tmp_path).latest_bars(["AAA"], "1d")
