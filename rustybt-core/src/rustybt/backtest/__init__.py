"""Backtests: ``run_algorithm`` (Zipline's entry point) and ``run_backtest`` (the full result)."""

from rustybt.backtest.run import backtest_engine, run_algorithm, run_backtest
from rustybt.engine import BacktestConfig
from rustybt.engine.results import BacktestResult

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "backtest_engine",
    "run_algorithm",
    "run_backtest",
]
