"""Corporate actions in the bar store: stored with the bars of a source that has them, with
their hash in a manifest, served through the store-wrapped source."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from rustybt.data.actions import has_actions, validate_actions
from rustybt.data.file_source import FileDataSource
from rustybt.data.source import SourceCapabilities
from rustybt.data.store import BarStore, StoredActionsSource, StoredSource, read_through_store
from rustybt.errors import DataError

JAN_2 = pd.Timestamp("2024-01-02", tz="UTC")
JAN_31 = pd.Timestamp("2024-01-31", tz="UTC")
MAR_28 = pd.Timestamp("2024-03-28", tz="UTC")
ONE_NS = pd.Timedelta(1, "ns")

ACTIONS = pd.DataFrame(
    {
        "symbol": ["AAPL", "AAPL", "MSFT"],
        "ex_date": pd.to_datetime(["2024-01-10", "2024-02-15", "2024-02-20"], utc=True),
        "kind": ["dividend", "split", "dividend"],
        "value": [0.24, 4.0, 0.75],
        "pay_date": pd.to_datetime(["2024-01-17", None, None], utc=True),
    }
)


class Broker:
    """A network source of raw bars with corporate actions, built on the real ``files``
    source; it records every range asked of it."""

    name = "broker"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",), network=True)

    def __init__(self, data_dir: Path) -> None:
        self.files = FileDataSource(data_dir=data_dir)
        self.asked_bars: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
        self.asked_actions: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        self.asked_bars.extend((s, start, end) for s in symbols)
        return self.files.fetch_bars(symbols, start, end, frequency)

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        self.asked_actions.extend((s, start, end) for s in symbols)
        mine = ACTIONS["symbol"].isin(symbols)
        inside = (ACTIONS["ex_date"] >= start) & (ACTIONS["ex_date"] <= end)
        return ACTIONS[mine & inside]

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        return self.files.latest_bars(symbols, frequency)


class Venue(Broker):
    """The same bars from a source without actions (a crypto venue, adjusted bars)."""

    name = "venue"
    fetch_actions = None  # type: ignore[assignment]


@pytest.fixture
def bar_files(tmp_path: Path) -> Path:
    """AAPL and MSFT daily bars for every business day of the first half of 2024."""
    directory = tmp_path / "broker"
    directory.mkdir()
    days = pd.bdate_range("2024-01-01", "2024-06-28")
    for symbol in ("AAPL", "MSFT"):
        pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                "open": 100.0,
                "high": 100.0,
                "low": 100.0,
                "close": 100.0,
                "volume": 1000.0,
            }
        ).to_csv(directory / f"{symbol}.csv", index=False)
    return directory


@pytest.fixture
def broker(bar_files: Path) -> Broker:
    return Broker(bar_files)


def expected(symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    rows = ACTIONS[ACTIONS["symbol"].isin(symbols)]
    rows = rows[(rows["ex_date"] >= start) & (rows["ex_date"] <= end)]
    return validate_actions(rows, where="expected")


def test_a_fill_stores_the_actions_beside_the_bars_with_their_hash(broker):
    store = BarStore()
    store.fill(broker, ["AAPL", "MSFT"], JAN_2, MAR_28, "1d")

    directory = store.actions_dir("broker")
    assert sorted(p.name for p in directory.iterdir()) == ["1d", "actions.parquet", "manifest.json"]
    manifest = json.loads((directory / "manifest.json").read_text())["actions"]
    assert (manifest["file"], manifest["rows"], len(manifest["sha256"])) == (
        "actions.parquet",
        3,
        64,
    )
    assert manifest["covered"]["AAPL"] == [JAN_2.isoformat(), MAR_28.isoformat()]
    stored = store.load_actions("broker", ["AAPL", "MSFT"], JAN_2, MAR_28)
    pd.testing.assert_frame_equal(stored, expected(["AAPL", "MSFT"], JAN_2, MAR_28))
    assert stored["pay_date"].iloc[0] == pd.Timestamp("2024-01-17", tz="UTC")


def test_the_wrapped_source_reads_actions_back_without_asking_again(broker):
    source = read_through_store(broker)
    source.fetch_bars(["AAPL"], JAN_2, MAR_28, "1d")
    broker.asked_actions.clear()

    actions = source.fetch_actions(["AAPL"], JAN_2, JAN_31)

    assert isinstance(source, StoredActionsSource) and has_actions(source)
    assert list(actions["kind"]) == ["dividend"]  # the split of February is outside
    assert broker.asked_actions == []


def test_actions_of_a_range_not_stored_yet_are_fetched_for_the_missing_dates_only(broker):
    source = read_through_store(broker)
    first = source.fetch_actions(["AAPL"], JAN_2, JAN_31)
    broker.asked_actions.clear()

    wider = source.fetch_actions(["AAPL"], JAN_2, MAR_28)

    assert len(first) == 1 and list(wider["kind"]) == ["dividend", "split"]
    assert broker.asked_actions == [("AAPL", JAN_31 + ONE_NS, MAR_28)]


def test_a_tampered_actions_file_is_an_error_on_load_and_fetched_again_on_fill(broker):
    store = BarStore()
    store.fill(broker, ["AAPL"], JAN_2, MAR_28, "1d")
    path = store.actions_dir("broker") / "actions.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    broker.asked_bars.clear()
    broker.asked_actions.clear()

    with pytest.raises(DataError, match=r"stored corporate actions .* changed since they were"):
        store.load_actions("broker", ["AAPL"], JAN_2, MAR_28)
    store.fill(broker, ["AAPL"], JAN_2, MAR_28, "1d")

    assert broker.asked_actions == [("AAPL", JAN_2, MAR_28)]
    assert broker.asked_bars == [("AAPL", JAN_2, MAR_28)]  # no bars trusted without actions
    assert len(store.load_actions("broker", ["AAPL"], JAN_2, MAR_28)) == 2


def test_bars_stored_without_their_actions_are_fetched_again_with_them(broker, bar_files):
    store = BarStore()
    store.fill(Venue(bar_files), ["AAPL"], JAN_2, MAR_28, "1d")
    venue_dir = store.dataset_dir("venue", "1d")
    broker_dir = store.dataset_dir("broker", "1d")
    broker_dir.parent.mkdir(parents=True)
    venue_dir.rename(broker_dir)  # as bars of an older RustyBT, stored before actions were
    manifest = broker_dir / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"venue"', '"broker"'))

    [result] = store.fill(broker, ["AAPL"], JAN_2, MAR_28, "1d")

    assert (result.status, broker.asked_bars) == ("fetched", [("AAPL", JAN_2, MAR_28)])
    assert len(store.load_actions("broker", ["AAPL"], JAN_2, MAR_28)) == 2


def test_a_source_without_actions_stores_none_and_its_wrapper_has_no_fetch_actions(bar_files):
    store = BarStore()
    venue = Venue(bar_files)
    source = read_through_store(venue, store)
    source.fetch_bars(["AAPL"], JAN_2, JAN_31, "1d")

    assert type(source) is StoredSource and not has_actions(source)
    assert store.stored_actions("venue") is None
    assert not (store.actions_dir("venue") / "actions.parquet").exists()


def test_clean_removes_the_actions_of_the_symbols_cleaned(broker):
    store = BarStore()
    store.fill(broker, ["AAPL", "MSFT"], JAN_2, MAR_28, "1d")

    store.clean(symbols=["MSFT"])
    left = store.load_actions("broker", ["AAPL", "MSFT"], JAN_2, MAR_28)
    covered = store.stored_actions("broker")
    store.clean()

    assert set(left["symbol"]) == {"AAPL"}
    assert covered is not None and set(covered.covered) == {"AAPL"}
    assert store.stored_actions("broker") is None
    assert not (store.actions_dir("broker") / "actions.parquet").exists()
