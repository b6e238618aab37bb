"""Registers core's built-in benchmarks without importing what they measure until one runs
(every ``rustybt`` invocation loads plugin hooks, so this module stays light).

Names start with their suite (``backtest-``, ``data-``, ``ledger-``), which is what
``rustybt benchmark --suite`` selects by.
"""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory

BENCHMARKS = {
    "backtest-daily-1-asset-20y": "backtest_throughput:daily_single_asset",
    "backtest-daily-100-assets-10y": "backtest_throughput:daily_hundred_assets",
    "backtest-minute-1-asset-1y": "backtest_throughput:minute_single_asset",
    "data-load-bar-store": "data_throughput:bar_store_load",
    "data-parse-files-csv": "data_throughput:files_csv_parse",
    "data-parse-files-parquet": "data_throughput:files_parquet_parse",
    "ledger-update": "ledger_update:ledger_update",
}


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register the backtest throughput, data load and parse, and ledger benchmarks."""
    for name, target in BENCHMARKS.items():
        register(name, LazyFactory(f"rustybt.benchmarks.{target}"))
