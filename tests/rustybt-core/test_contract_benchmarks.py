"""Core's built-in benchmarks pass the benchmark contract at a small scale: built from the
registry, set up, warmed up and measured as ``rustybt benchmark`` does."""

from __future__ import annotations

from rustybt.testing import BenchmarkContract


class TestLedgerUpdate(BenchmarkContract):
    benchmark_name = "ledger-update"


class TestParseFilesCsv(BenchmarkContract):
    benchmark_name = "data-parse-files-csv"


class TestBacktestDailyOneAsset(BenchmarkContract):
    benchmark_name = "backtest-w1-daily-1-asset-20y"
