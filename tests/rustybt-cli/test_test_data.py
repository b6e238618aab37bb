"""`rustybt test-data`: fetch, validate and report, or fail in one line."""

from __future__ import annotations

import json
from pathlib import Path


def test_latest_sample_bar_is_fetched_and_reported(rustybt) -> None:
    result = rustybt("test-data", "--source", "sample", "--symbol", "AAPL")
    assert result.exit_code == 0, result.stderr
    assert "✓ Data fetched successfully" in result.stdout
    assert "Latest close: $" in result.stdout


def test_json_output_is_only_json(rustybt) -> None:
    result = rustybt(
        "test-data",
        "--symbol",
        "MSFT",
        "--start",
        "2010-01-04",
        "--end",
        "2010-12-31",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["symbol"] == "MSFT"
    assert payload["rows"] == 252
    assert payload["first"].startswith("2010-01-04")


def test_unknown_symbol_exits_1_with_what_the_source_has(rustybt) -> None:
    result = rustybt("test-data", "--symbol", "SPY")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: unknown symbol 'SPY' in source 'sample' (has: AAPL, GOOG, IBM, MSFT, ^GSPC)"
    )


def test_files_source_reads_a_directory(rustybt, tmp_path: Path) -> None:
    (tmp_path / "SPY.csv").write_text(
        "date,open,high,low,close,volume\n2024-01-02,470,473,468,472.65,1000\n"
    )
    result = rustybt(
        "test-data", "--source", "files", "--data-dir", str(tmp_path), "--symbol", "SPY"
    )
    assert result.exit_code == 0, result.stderr
    assert "Latest close: $472.65" in result.stdout


def test_an_option_the_source_does_not_take_is_refused(rustybt, tmp_path: Path) -> None:
    result = rustybt("test-data", "--symbol", "AAPL", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: data source 'sample' does not take --data-dir"
