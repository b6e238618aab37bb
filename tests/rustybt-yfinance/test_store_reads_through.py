"""Yahoo bars read through core's bar store: fetched once, extended incrementally."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from rustybt.backtest import run_backtest
from rustybt.data.store import BarStore, StoredSource, read_through_store
from rustybt_yfinance.source import YFinanceSource
from rustybt_yfinance.testing import FakeYahoo

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
JAN_2 = pd.Timestamp("2024-01-02", tz="UTC")
JAN_31 = pd.Timestamp("2024-01-31", tz="UTC")
FEB_29 = pd.Timestamp("2024-02-29", tz="UTC")


def test_a_second_fill_of_the_same_range_sends_no_request(yahoo, fake_yahoo: FakeYahoo):
    store = BarStore()
    first = store.fill(yahoo, ["AAPL", "MSFT"], JAN_2, JAN_31, "1d")
    fake_yahoo.clear_log()

    again = store.fill(YFinanceSource(), ["AAPL", "MSFT"], JAN_2, JAN_31, "1d")

    assert [r.status for r in first] == ["fetched", "fetched"]
    assert [(r.status, r.rows) for r in again] == [("cached", 22), ("cached", 22)]
    assert fake_yahoo.requests == []


def test_an_extended_range_requests_only_the_new_dates(yahoo, fake_yahoo: FakeYahoo):
    store = BarStore()
    store.fill(yahoo, ["AAPL"], JAN_2, JAN_31, "1d")
    fake_yahoo.clear_log()

    [result] = store.fill(yahoo, ["AAPL"], JAN_2, FEB_29, "1d")

    assert result.fetched_ranges == ((JAN_31 + pd.Timedelta(1, "ns"), FEB_29),)
    [chart] = [r for r in fake_yahoo.chart_requests("AAPL") if "period1" in r.query]
    asked_from = pd.Timestamp(int(chart.query["period1"]), unit="s", tz="UTC")
    assert asked_from >= JAN_31  # a day of padding for the exchange's time zone, no more
    stored = store.load("yfinance", "1d", "AAPL", JAN_2, FEB_29)
    assert len(stored) == 22 + 21 and stored["timestamp"].is_unique


def test_the_store_records_provenance_that_matches_the_file(yahoo):
    store = BarStore()
    store.fill(yahoo, ["SPY"], JAN_2, JAN_31, "1d")

    [entry] = store.entries()
    path = store.dataset_dir("yfinance", "1d") / entry.file
    assert (entry.source, entry.symbol, entry.rows) == ("yfinance", "SPY", 22)
    assert pq.read_table(path).num_rows == 22
    assert (entry.start, entry.end) == (JAN_2, JAN_31)


def test_network_sources_are_read_through_the_store_and_local_ones_are_not(yahoo):
    assert isinstance(read_through_store(yahoo), StoredSource)
    from rustybt.data.sample_source import SampleDataSource

    sample = SampleDataSource()
    assert read_through_store(sample) is sample


def test_a_backtest_on_yfinance_reads_through_the_store(fake_yahoo: FakeYahoo):
    result = run_backtest(
        EXAMPLES / "sma_crossover.py", start="2024-01-02", end="2024-06-28", source="yfinance"
    )
    fake_yahoo.clear_log()
    again = run_backtest(
        EXAMPLES / "sma_crossover.py", start="2024-01-02", end="2024-06-28", source="yfinance"
    )

    assert len(result.frame) == 124  # XNYS sessions in the first half of 2024
    assert result.summary.trades > 0
    assert again.ending_value == result.ending_value
    assert fake_yahoo.chart_requests() == []
    assert [e.symbol for e in BarStore().entries()] == ["AAPL"]
