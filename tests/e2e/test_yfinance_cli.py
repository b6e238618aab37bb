"""`rustybt fetch-data`, `test-data`, `data` and `run` on the yfinance source, against the
fake Yahoo: the real CLI, the real yfinance library, real HTTP on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import attrs
import pyarrow.parquet as pq
import pytest
from rustybt.data.store import BarStore
from rustybt_cli.main import main
from rustybt_yfinance.testing import Dividend, FakeYahoo, Split, serve_fake_yahoo

REPO = Path(__file__).resolve().parents[2]
FETCH = ("fetch-data", "--source", "yfinance", "--symbols", "AAPL,MSFT")
JANUARY = ("--start", "2024-01-02", "--end", "2024-01-31")


@attrs.frozen
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    """A fake Yahoo serving AAPL, MSFT and SPY; ``RUSTYBT_YFINANCE_BASE_URL`` points at it."""
    with serve_fake_yahoo(["AAPL", "MSFT", "SPY"]) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        yield fake


@pytest.fixture
def rustybt(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``rustybt ARGS`` in this process and return its exit code and output."""

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_fetch_data_prints_a_summary_and_a_second_run_sends_no_request(rustybt, fake_yahoo):
    first = rustybt(*FETCH, *JANUARY)
    fake_yahoo.clear_log()
    second = rustybt(*FETCH, *JANUARY, "--output", "json")

    assert first.exit_code == 0, first.stderr
    assert "symbol" in first.stdout and "cached" not in first.stdout
    assert "│ AAPL   │ 22   │ 2024-01-02 │ 2024-01-31 │ fetched │" in first.stdout
    payload = json.loads(second.stdout)
    assert [(s["symbol"], s["rows"], s["status"]) for s in payload["symbols"]] == [
        ("AAPL", 22, "cached"),
        ("MSFT", 22, "cached"),
    ]
    assert fake_yahoo.requests == []


def test_fetch_data_over_a_longer_range_fetches_only_the_new_dates(rustybt, fake_yahoo):
    rustybt(*FETCH, *JANUARY)
    result = rustybt(*FETCH, "--start", "2024-01-02", "--end", "2024-02-29", "--output", "json")

    [aapl, msft] = json.loads(result.stdout)["symbols"]
    assert (aapl["rows"], aapl["status"]) == (43, "fetched")
    assert aapl["fetched_ranges"] == [
        ["2024-01-31T00:00:00.000000001+00:00", "2024-02-29T00:00:00+00:00"]
    ]
    assert msft["fetched_ranges"] == aapl["fetched_ranges"]


def test_fetch_data_of_an_unknown_symbol_fails_with_one_line(rustybt, fake_yahoo):
    result = rustybt("fetch-data", "--source", "yfinance", "--symbols", "NOPE", *JANUARY)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown symbol 'NOPE' on Yahoo Finance (not found; check the ticker as "
        "Yahoo spells it, e.g. BRK-B, ^GSPC, EURUSD=X)"
    ]


def test_test_data_reports_the_latest_close_and_latency(rustybt, fake_yahoo):
    result = rustybt("test-data", "--source", "yfinance", "--symbol", "SPY")

    assert result.exit_code == 0, result.stderr
    assert "✓ Data fetched successfully" in result.stdout
    assert "Latest close: $" in result.stdout and "Latency: " in result.stdout


def test_test_data_over_a_range_validates_every_bar(rustybt, fake_yahoo):
    result = rustybt("test-data", "--source", "yfinance", "--symbol", "SPY", *JANUARY, "-O", "json")

    assert result.exit_code == 0, result.stderr
    probe = json.loads(result.stdout)
    assert (probe["rows"], probe["first"], probe["last"]) == (
        22,
        "2024-01-02T00:00:00+00:00",
        "2024-01-31T00:00:00+00:00",
    )


def test_test_data_of_an_unknown_symbol_exits_1(rustybt, fake_yahoo):
    result = rustybt("test-data", "--source", "yfinance", "--symbol", "NOPE")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown symbol 'NOPE'")


def test_data_list_and_clean_show_and_prune_the_store(rustybt, fake_yahoo):
    rustybt(*FETCH, *JANUARY)

    listed = json.loads(rustybt("data", "list", "--output", "json").stdout)
    cleaned = rustybt("data", "clean", "--symbols", "MSFT")
    table = rustybt("data", "list").stdout

    assert [(s["source"], s["symbol"], s["rows"]) for s in listed["series"]] == [
        ("yfinance", "AAPL", 22),
        ("yfinance", "MSFT", 22),
    ]
    assert all(len(s["sha256"]) == 64 for s in listed["series"])
    assert "removed yfinance 1d MSFT" in cleaned.stdout
    assert "AAPL" in table and "MSFT" not in table


def test_a_backtest_of_the_example_runs_on_yfinance_bars(rustybt, fake_yahoo):
    args = ("run", "-f", str(REPO / "examples" / "sma_crossover.py"), "--source", "yfinance")
    result = rustybt(*args, "--symbols", "AAPL", "--start", "2024-01-02", "--end", "2024-06-28")

    assert result.exit_code == 0, result.stderr
    assert "Total return" in result.stdout
    assert [e.symbol for e in BarStore().entries()] == ["AAPL"]


def test_plugins_lists_yfinance_as_working(rustybt):
    plugins = json.loads(rustybt("plugins", "--json").stdout)
    listed = plugins["plugins"] if isinstance(plugins, dict) else plugins
    [yfinance] = [p for p in listed if p["name"] == "yfinance"]
    assert (yfinance["status"], yfinance["provides"]) == (
        "ok",
        {"data_sources": ["yfinance", "yfinance-raw"], "benchmarks": ["data-parse-yfinance"]},
    )


# The child kills itself with SIGKILL when it is about to rename a file called argv[1] into
# place: the temporary file is complete on disk, the rename never happens.
KILL_AT_RENAME = """
import os, signal, sys
target, real_replace = sys.argv[1], os.replace
def replace(src, dst, *args, **kwargs):
    if os.path.basename(dst) == target:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)
os.replace = replace
from rustybt_cli.main import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("kill_before", ["MSFT.parquet", "manifest.json"])
def test_fetch_data_killed_mid_write_leaves_no_corrupt_parquet(rustybt, fake_yahoo, kill_before):
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_RENAME, kill_before, *FETCH, *JANUARY],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    store = BarStore()
    directory = store.dataset_dir("yfinance", "1d")

    assert killed.returncode == -signal.SIGKILL
    parquet_files = sorted(directory.glob("*.parquet"))
    assert parquet_files  # AAPL was written before the kill
    for path in parquet_files:
        assert pq.read_table(path).num_rows == 22
    for entry in store.entries():
        assert store.load("yfinance", "1d", entry.symbol, entry.first, entry.last).shape[0] == 22

    again = rustybt(*FETCH, *JANUARY, "--output", "json")
    assert again.exit_code == 0, again.stderr
    statuses = {s["symbol"]: s["status"] for s in json.loads(again.stdout)["symbols"]}
    assert statuses["MSFT"] == "fetched"
    rustybt("data", "clean", "--symbols", "NONE")  # removes the leftover temporary file
    assert sorted(p.name for p in directory.iterdir()) == [
        "AAPL.parquet",
        "MSFT.parquet",
        "manifest.json",
    ]


def test_fetch_data_stores_the_actions_and_counts_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aapl = [Dividend(date(2020, 5, 8), 0.82), Dividend(date(2020, 8, 7), 0.82)]
    actions = {"AAPL": [*aapl, Split(date(2020, 8, 31), 4), Dividend(date(2020, 11, 6), 0.205)]}
    fetch = ("fetch-data", "--source", "yfinance", "--symbols", "AAPL,SPY")
    with serve_fake_yahoo(["AAPL", "SPY"], actions=actions) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        code = main([*fetch, "--start", "2020-01-02", "--end", "2020-12-31"])
        table = capsys.readouterr().out
        main([*fetch, "--start", "2020-01-02", "--end", "2020-12-31", "--output", "json"])
        payload = json.loads(capsys.readouterr().out)

    assert code == 0
    assert "splits" in table and "dividends" in table
    assert [
        (s["symbol"], s["status"], s["splits"], s["dividends"]) for s in payload["symbols"]
    ] == [
        ("AAPL", "cached", 1, 3),
        ("SPY", "cached", 0, 0),
    ]
    assert BarStore().stored_actions("yfinance") is not None
