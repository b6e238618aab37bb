"""Registers core's built-in benchmarks without importing what they measure until one runs
(every ``rustybt`` invocation loads plugin hooks, so this module stays light).

Names start with their suite (``backtest-``, ``data-``, ``ledger-``, ``pipeline-``,
``startup-``, ``sweep-``), which is what ``rustybt benchmark --suite`` selects by. The
backtest rows of a strategy written as a user writes it come first (pandas reductions, then
the ``-numpy`` rows of the peer comparison's form); the ``-tuned`` rows run strategies
written for the engine's fast paths.
"""

from __future__ import annotations

import importlib.util

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory

BENCHMARKS = {
    "backtest-w1-daily-1-asset-20y": "backtest_throughput:w1_daily_single_asset",
    "backtest-w2-daily-100-assets-10y": "backtest_throughput:w2_daily_hundred_assets",
    "backtest-m1-minute-1-asset-1y": "backtest_throughput:minute_single_asset",
    "backtest-m10-minute-10-assets-1mo": "backtest_throughput:minute_ten_assets",
    "backtest-w1-daily-1-asset-20y-numpy": "backtest_throughput:w1_numpy",
    "backtest-w2-daily-100-assets-10y-numpy": "backtest_throughput:w2_numpy",
    "backtest-m1-minute-1-asset-1y-numpy": "backtest_throughput:m1_numpy",
    "backtest-daily-1-asset-20y-tuned": "backtest_throughput:daily_single_asset_tuned",
    "backtest-daily-100-assets-10y-tuned": "backtest_throughput:daily_hundred_assets_tuned",
    "backtest-minute-1-asset-1y-tuned": "backtest_throughput:minute_single_asset_tuned",
    "data-load-bar-store": "data_throughput:bar_store_load",
    "data-parse-files-csv": "data_throughput:files_csv_parse",
    "data-parse-files-parquet": "data_throughput:files_parquet_parse",
    "ledger-update": "ledger_update:ledger_update",
    "pipeline-500-assets-10y": "pipeline_throughput:pipeline_500_assets_10y",
    "startup-import-api": "startup:import_api",
}
CLI_BENCHMARKS = {
    "startup-cli-help": "startup:cli_help",
    "sweep-w2-100-sets": "sweep_throughput:w2_hundred_sets",
}
"""Benchmarks of the ``rustybt`` command: registered only where rustybt-cli is installed."""


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register the backtest throughput, data load and parse, ledger, pipeline, startup and
    sweep benchmarks (``startup-cli-help`` and ``sweep-w2-100-sets`` only with rustybt-cli
    installed: they time the ``rustybt`` command)."""
    with_cli = importlib.util.find_spec("rustybt_cli") is not None
    for name, target in (BENCHMARKS | (CLI_BENCHMARKS if with_cli else {})).items():
        register(name, LazyFactory(f"rustybt.benchmarks.{target}"))
