"""The sweep worker: opens a task's data once, then backtests one run after another on it.

Every executor runs its runs through a :class:`SweepWorker`, one per worker process (or Ray
actor). The worker keeps what is costly and shared (the data source with the bars it has
read, the compiled strategy), and rebuilds what a run could change: each run executes the
strategy's module afresh, so module globals a run sets never reach the next one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from rustybt.backtest.run import backtest_engine
from rustybt.data.store import read_through_store
from rustybt.engine import BacktestConfig
from rustybt.errors import RustyBTError
from rustybt.params import GivenParam, as_given, bind_params
from rustybt.plugins import PluginRegistry
from rustybt.strategy_file import compile_strategy, strategy_error, strategy_from_code
from rustybt.sweep.metrics import run_metrics
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask

GRID_ORIGIN = "--grid"
"""Where a run's own parameters come from, as a mistyped value's error names it."""


def run_params(task: SweepTask, run: SweepRun) -> dict[str, GivenParam]:
    """The parameters ``run`` gives its strategy: the task's fixed ones, then the run's own
    (from ``--grid``), which win; for :func:`rustybt.params.resolve_params`."""
    given = as_given(task.fixed_params)
    for name, value in run.params.items():
        text = value if isinstance(value, str) else None
        given[name] = GivenParam(text=text, value=value, origin=GRID_ORIGIN)
    return given


def json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with dates in ISO form: what a journal line or the table's metadata holds."""
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in values.items()
    }


def one_line(message: str) -> str:
    """``message`` on one line, its whitespace runs as single spaces."""
    return " ".join(message.split())


class SweepWorker:
    """Runs the runs of one :class:`~rustybt.sweep.task.SweepTask`, each a fresh backtest on
    the data source it opened once."""

    def __init__(self, task: SweepTask, registry: PluginRegistry | None = None) -> None:
        """Compile ``task``'s strategy and open its data source (through the bar store for a
        network source); nothing is read until the first run asks for bars.

        Raises:
            StrategyError: the strategy text has a syntax error.
            ConfigError: the data source is unknown or its options are wrong.
        """
        self.task = task
        registry = registry or PluginRegistry.from_environment()
        self._code = compile_strategy(task.strategy_source, task.strategy_path)
        self._source = read_through_store(
            registry.data_source(task.source, data_dir=task.data_dir, exchange=task.exchange)
        )

    def run(self, run: SweepRun) -> RunOutcome:
        """Backtest ``run`` with a fresh algorithm and return its metrics; an error of the
        strategy, its parameters or its data is the outcome's one-line ``error``, the
        strategy's file and line first when its code raised."""
        try:
            algorithm = strategy_from_code(self._code, self.task.strategy_path)
            bind_params(algorithm, run_params(self.task, run))
            config = BacktestConfig(
                start=run.start,
                end=run.end,
                capital_base=self.task.capital_base,
                frequency=self.task.frequency,
                calendar=self.task.calendar,
                symbols=self.task.symbols,
                adjustment=self.task.adjustment,
            )
            metrics = run_metrics(backtest_engine(algorithm, self._source, config).run())
        except RustyBTError as exc:
            return RunOutcome(run=run, error=one_line(str(exc)))
        except Exception as exc:  # a strategy's own exception escaping the engine's wrapping
            return RunOutcome(
                run=run, error=one_line(str(strategy_error(exc, self.task.strategy_path)))
            )
        return RunOutcome(run=run, metrics=metrics)
