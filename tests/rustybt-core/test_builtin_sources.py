"""The built-in `sample` and `files` sources honour the data source contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rustybt.data.file_source import FileDataSource
from rustybt.data.sample_source import SampleDataSource
from rustybt.errors import ConfigError, DataError
from rustybt.testing import DataSourceContract


class TestSampleSource(DataSourceContract):
    source_name = "sample"
    symbols = ("AAPL", "MSFT", "^GSPC")
    start = "2010-01-04"
    end = "2010-03-31"

    @pytest.fixture
    def data_source(self) -> SampleDataSource:
        return SampleDataSource()


def test_sample_data_holds_real_tickers_over_their_documented_span() -> None:
    source = SampleDataSource()
    assert source.symbols == ["AAPL", "GOOG", "IBM", "MSFT", "^GSPC"]
    bars = source.fetch_bars(["IBM"], "2000-01-01", "2013-12-31", "1d")
    assert bars["timestamp"].iloc[0].year == 2000
    assert len(bars) > 3000


def test_sample_unknown_symbol_lists_what_it_has() -> None:
    with pytest.raises(
        DataError, match=r"unknown symbol 'SPY' in source 'sample' \(has: AAPL, GOOG, IBM, MSFT"
    ):
        SampleDataSource().fetch_bars(["SPY"], "2010-01-01", "2010-12-31", "1d")


def write_csv(directory: Path, symbol: str, text: str) -> Path:
    path = directory / f"{symbol}.csv"
    path.write_text(text)
    return path


GOOD_CSV = """date,open,high,low,close,volume,adj close
2024-01-02,10,11,9,10.5,1000,10.4
2024-01-03,10.5,12,10,11.5,1200,11.4
2024-01-04,11.5,12.5,11,12,900,11.9
"""


class TestFileSource(DataSourceContract):
    source_name = "files"
    symbols = ("AAA", "BTC/USDT")
    start = "2024-01-02"
    end = "2024-01-03"

    @pytest.fixture
    def data_source(self, tmp_path: Path) -> FileDataSource:
        write_csv(tmp_path, "AAA", GOOD_CSV)
        frame = pd.read_csv(pd.io.common.StringIO(GOOD_CSV)).rename(columns={"date": "timestamp"})
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        frame.to_parquet(tmp_path / "BTC-USDT.parquet")
        return FileDataSource(data_dir=tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD_CSV.replace("12,900", "12,-5"),
            r"AAA.csv, line 4: AAA at 2024-01-04: volume is negative",
        ),
        (
            GOOD_CSV.replace("10.5,12,10", "10.5,11,10"),
            r"AAA.csv, line 3: AAA at 2024-01-03: high is below",
        ),
        (
            GOOD_CSV.replace("2024-01-03", "yesterday"),
            r"AAA.csv, line 3: cannot parse date 'yesterday'",
        ),
        (GOOD_CSV.replace("11.5,1200", "x,1200"), r"AAA.csv, line 3: close is not a number: 'x'"),
        (GOOD_CSV.replace("date,", "day,"), r"AAA.csv: missing column 'date' or 'timestamp'"),
        (GOOD_CSV.replace(",volume,", ",vol,"), r"AAA.csv: missing column\(s\) volume"),
        ("", r"AAA.csv: cannot read file"),
    ],
)
def test_a_malformed_csv_names_file_line_and_rule(tmp_path: Path, text: str, message: str) -> None:
    write_csv(tmp_path, "AAA", text)
    with pytest.raises(DataError, match=message):
        FileDataSource(data_dir=tmp_path).fetch_bars(["AAA"], "2024-01-01", "2024-12-31", "1d")


def test_files_source_needs_an_existing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs --data-dir"):
        FileDataSource()
    with pytest.raises(ConfigError, match="does not exist"):
        FileDataSource(data_dir=tmp_path / "missing")


def test_minute_files_are_recognised_as_minute_bars(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "AAA",
        "timestamp,open,high,low,close,volume\n"
        "2024-01-02T14:30:00Z,10,11,9,10.5,1\n2024-01-02T14:31:00Z,10,11,9,10.5,1\n",
    )
    source = FileDataSource(data_dir=tmp_path)
    assert len(source.fetch_bars(["AAA"], "2024-01-02", "2024-01-03", "1m")) == 2
    with pytest.raises(DataError, match="has 1m bars only, not 1d"):
        source.fetch_bars(["AAA"], "2024-01-02", "2024-01-03", "1d")
