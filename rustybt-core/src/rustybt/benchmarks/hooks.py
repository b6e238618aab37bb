"""Registers the built-in backtest benchmarks without importing the engine until one runs
(every ``rustybt`` invocation loads plugin hooks, so this module stays light)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rustybt.hookspecs import Register, hookimpl

WORKLOADS = {
    "backtest-daily-1-asset-20y": "daily_single_asset",
    "backtest-daily-100-assets-10y": "daily_hundred_assets",
    "backtest-minute-1-asset-1y": "minute_single_asset",
}


def _workload(function_name: str) -> Callable[..., Any]:
    def factory(scale: float = 1.0) -> Any:
        from rustybt.benchmarks import backtest_throughput

        return getattr(backtest_throughput, function_name)(scale)

    factory.__doc__ = f"The {function_name.replace('_', ' ')} throughput benchmark."
    return factory


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register the three backtest throughput workloads."""
    for name, function_name in WORKLOADS.items():
        register(name, _workload(function_name))
