"""The Parquet bar store: incremental fills, provenance, atomic files, cleaning."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from rustybt.data.file_source import FileDataSource
from rustybt.data.source import NoBarsError, SourceCapabilities
from rustybt.data.store import BarStore, data_root, read_through_store
from rustybt.errors import DataError

JAN_2 = pd.Timestamp("2024-01-02", tz="UTC")
JAN_31 = pd.Timestamp("2024-01-31", tz="UTC")
FEB_29 = pd.Timestamp("2024-02-29", tz="UTC")


class RemoteFiles:
    """The real ``files`` source posing as a network source: it records every range asked
    of it, and an empty range is a NoBarsError, as network sources report it."""

    name = "remote"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",), network=True)

    def __init__(self, data_dir: Path) -> None:
        self.files = FileDataSource(data_dir=data_dir)
        self.asked: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        self.asked.extend((s, start, end) for s in symbols)
        try:
            return self.files.fetch_bars(symbols, start, end, frequency)
        except DataError as exc:
            if str(exc).startswith("no bars for"):
                raise NoBarsError(str(exc)) from None
            raise

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        return self.files.latest_bars(symbols, frequency)


@pytest.fixture
def remote(tmp_path: Path) -> RemoteFiles:
    """AAPL and MSFT daily bars for every business day of 2024 (close = day of year)."""
    directory = tmp_path / "remote"
    directory.mkdir()
    days = pd.bdate_range("2024-01-01", "2024-12-31")
    for symbol in ("AAPL", "MSFT"):
        closes = [float(day.day_of_year) for day in days]
        pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                "open": closes,
                "high": closes,
                "low": closes,
                "close": closes,
                "volume": 100.0,
            }
        ).to_csv(directory / f"{symbol}.csv", index=False)
    return RemoteFiles(directory)


def test_the_store_lives_in_the_data_dir_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("RUSTYBT_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data_root() == tmp_path / "elsewhere"
    assert BarStore().root == tmp_path / "elsewhere" / "bars"


def test_a_fill_writes_one_parquet_file_per_symbol_and_a_manifest(remote):
    store = BarStore()
    results = store.fill(remote, ["MSFT", "AAPL"], JAN_2, JAN_31, "1d")

    assert [(r.symbol, r.rows, r.status) for r in results] == [
        ("MSFT", 22, "fetched"),
        ("AAPL", 22, "fetched"),
    ]
    directory = store.dataset_dir("remote", "1d")
    assert sorted(p.name for p in directory.iterdir()) == [
        "AAPL.parquet",
        "MSFT.parquet",
        "manifest.json",
    ]
    manifest = json.loads((directory / "manifest.json").read_text())["series"]
    assert manifest["AAPL"]["rows"] == 22 and manifest["AAPL"]["source"] == "remote"
    assert len(manifest["AAPL"]["sha256"]) == 64
    assert pq.read_table(directory / "AAPL.parquet").schema.names[:2] == ["timestamp", "symbol"]


def test_a_stored_range_is_not_asked_for_again(remote):
    store = BarStore()
    store.fill(remote, ["AAPL"], JAN_2, JAN_31, "1d")
    remote.asked.clear()

    [result] = store.fill(remote, ["AAPL"], pd.Timestamp("2024-01-10", tz="UTC"), JAN_31, "1d")

    assert (result.status, result.rows, remote.asked) == ("cached", 16, [])


def test_only_the_missing_dates_are_asked_for_on_either_side(remote):
    store = BarStore()
    store.fill(remote, ["AAPL"], pd.Timestamp("2024-01-10", tz="UTC"), JAN_31, "1d")
    remote.asked.clear()

    store.fill(remote, ["AAPL"], JAN_2, FEB_29, "1d")

    one_ns = pd.Timedelta(1, "ns")
    assert remote.asked == [
        ("AAPL", JAN_2, pd.Timestamp("2024-01-10", tz="UTC") - one_ns),
        ("AAPL", JAN_31 + one_ns, FEB_29),
    ]
    bars = store.load("remote", "1d", "AAPL", JAN_2, FEB_29)
    assert len(bars) == 43 and bars["timestamp"].is_monotonic_increasing


def test_a_gap_between_stored_and_asked_ranges_is_filled_so_coverage_stays_whole(remote):
    store = BarStore()
    store.fill(remote, ["AAPL"], JAN_2, JAN_31, "1d")
    remote.asked.clear()

    store.fill(
        remote, ["AAPL"], pd.Timestamp("2024-03-01", tz="UTC"), FEB_29 + pd.Timedelta(days=5), "1d"
    )

    assert remote.asked[0][1] == JAN_31 + pd.Timedelta(1, "ns")
    assert len(store.load("remote", "1d", "AAPL", JAN_2, FEB_29)) == 43


def test_an_extension_over_a_weekend_is_covered_without_bars(remote):
    store = BarStore()
    friday, sunday = pd.Timestamp("2024-01-05", tz="UTC"), pd.Timestamp("2024-01-07", tz="UTC")
    store.fill(remote, ["AAPL"], JAN_2, friday, "1d")

    [result] = store.fill(remote, ["AAPL"], JAN_2, sunday, "1d")
    remote.asked.clear()
    store.fill(remote, ["AAPL"], JAN_2, sunday, "1d")

    assert (result.rows, remote.asked) == (4, [])


def test_a_first_fill_without_any_bar_is_an_error(remote):
    saturday, sunday = pd.Timestamp("2024-01-06", tz="UTC"), pd.Timestamp("2024-01-07", tz="UTC")
    with pytest.raises(NoBarsError):
        BarStore().fill(remote, ["AAPL"], saturday, sunday, "1d")
    assert BarStore().entries() == []


def test_a_source_error_leaves_the_stored_bars_as_they_were(remote):
    store = BarStore()
    store.fill(remote, ["AAPL"], JAN_2, JAN_31, "1d")
    before = store.entries()

    with pytest.raises(DataError, match="unknown symbol 'TSLA'"):
        store.fill(remote, ["AAPL", "TSLA"], JAN_2, FEB_29, "1d")

    assert [e.symbol for e in store.entries()] == ["AAPL"]
    assert store.entries()[0].rows == 43 != before[0].rows  # AAPL was extended first


def test_a_file_that_does_not_match_its_manifest_is_fetched_again(remote):
    store = BarStore()
    store.fill(remote, ["AAPL"], JAN_2, JAN_31, "1d")
    path = store.dataset_dir("remote", "1d") / "AAPL.parquet"
    path.write_bytes(path.read_bytes()[:100])  # a torn file
    remote.asked.clear()

    with pytest.raises(DataError, match="changed since they were written"):
        store.load("remote", "1d", "AAPL", JAN_2, JAN_31)
    [result] = store.fill(remote, ["AAPL"], JAN_2, JAN_31, "1d")

    assert (result.status, result.rows, len(remote.asked)) == ("fetched", 22, 1)


def test_clean_removes_the_matching_series_and_leftover_temporary_files(remote):
    store = BarStore()
    store.fill(remote, ["AAPL", "MSFT"], JAN_2, JAN_31, "1d")
    directory = store.dataset_dir("remote", "1d")
    (directory / ".AAPL.parquet.x1y2.tmp").write_bytes(b"half a file")

    removed = store.clean(symbols=["MSFT"])

    assert [e.symbol for e in removed] == ["MSFT"]
    assert sorted(p.name for p in directory.iterdir()) == ["AAPL.parquet", "manifest.json"]
    assert [e.symbol for e in store.clean()] == ["AAPL"]
    assert store.entries() == []


def test_read_through_store_serves_fetch_bars_from_the_store(remote):
    source = read_through_store(remote)
    first = source.fetch_bars(["MSFT", "AAPL"], JAN_2, JAN_31, "1d")
    remote.asked.clear()
    again = source.fetch_bars(["MSFT", "AAPL"], JAN_2, JAN_31, "1d")

    pd.testing.assert_frame_equal(first, again)
    assert list(first["symbol"].unique()) == ["AAPL", "MSFT"]
    assert (source.name, remote.asked) == ("remote", [])
