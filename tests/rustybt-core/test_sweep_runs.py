"""Sweeps on the embedded sample data: one row per run in plan order, the same table for any
number of workers, fresh strategy state in every run, typed parameters, and a failing run
that is its own row's error."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest
from rustybt.errors import ConfigError, StrategyError
from rustybt.plugins import PluginRegistry
from rustybt.sweep.executor import Executor, LocalExecutor, SweepWorkerLost
from rustybt.sweep.metrics import METRICS
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, load_sweep, run_sweep
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask
from rustybt.sweep.worker import SweepWorker

REPO = Path(__file__).resolve().parents[2]
SMA_SWEEP = REPO / "examples" / "sma_sweep.py"
WINDOW = {"start": "2005-01-03", "end": "2005-06-30"}


def sma_task(**options) -> SweepTask:
    return SweepTask(strategy_path=str(SMA_SWEEP), strategy_source=SMA_SWEEP.read_text(), **options)


def strategy_task(tmp_path: Path, source: str) -> SweepTask:
    path = tmp_path / "strategy.py"
    path.write_text(textwrap.dedent(source))
    return SweepTask(strategy_path=str(path), strategy_source=path.read_text())


def plan(*grid: str, **options) -> SweepPlan:
    return SweepPlan(space=parse_space(grid), **{**WINDOW, **options})


class InProcessExecutor:
    """An executor of our own: one SweepWorker in this process, remembering what it ran."""

    name = "in-process"

    def __init__(self) -> None:
        self.ran: list[SweepRun] = []

    def open(self, task: SweepTask) -> None:
        self.worker = SweepWorker(task)

    def map_runs(self, runs: Sequence[SweepRun]) -> Iterator[RunOutcome]:
        for run in reversed(runs):  # finishing out of order changes nothing
            self.ran.append(run)
            yield self.worker.run(run)

    def close(self) -> None:
        pass


def test_a_grid_sweep_has_one_row_per_point_in_grid_order() -> None:
    result = run_sweep(
        sma_task(),
        plan("fast=5,10", "slow=20,40"),
        LocalExecutor(jobs=2),
        journal=None,
        progress=None,
    )
    table = result.table
    assert list(table.columns) == ["run", "fast", "slow", *METRICS, "error"]
    assert table["run"].tolist() == [0, 1, 2, 3]
    assert table[["fast", "slow"]].values.tolist() == [[5, 20], [5, 40], [10, 20], [10, 40]]
    assert table["error"].isna().all()
    assert (table["trades"] > 0).all()
    assert table["sharpe"].nunique() == 4  # the parameters reach the strategy
    assert result.skipped == 0 and result.failed == 0


def test_the_table_is_the_same_for_any_number_of_workers_and_any_executor() -> None:
    def table(executor: Executor) -> pd.DataFrame:
        sweep = plan("fast=5,10,15", "slow=20,40")
        return run_sweep(sma_task(), sweep, executor, journal=None, progress=None).table

    one = table(LocalExecutor(jobs=1))
    assert one.equals(table(LocalExecutor(jobs=2)))
    assert one.equals(table(InProcessExecutor()))


def test_progress_counts_every_run_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    run_sweep(
        sma_task(),
        plan("fast=5,10", "slow=20"),
        InProcessExecutor(),
        journal=None,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 2), (2, 2)]


def test_every_run_executes_the_strategy_module_afresh(tmp_path: Path) -> None:
    task = strategy_task(
        tmp_path,
        """
        STARTED = []

        def initialize(context):
            STARTED.append(context.params.n)
            if len(STARTED) > 1:
                raise RuntimeError(f"module state of runs {STARTED} leaked")

        def handle_data(context, data):
            pass
        """,
    )
    result = run_sweep(task, plan("n=1,2,3"), LocalExecutor(jobs=1), journal=None, progress=None)
    assert result.table["error"].isna().all(), result.table["error"].tolist()


def test_a_strategy_error_is_that_runs_error_and_the_sweep_carries_on(tmp_path: Path) -> None:
    task = strategy_task(
        tmp_path,
        """
        from rustybt.api import order, symbol

        def initialize(context):
            context.stock = symbol("AAPL")

        def handle_data(context, data):
            if context.params.fast == 10:
                raise ValueError("no fast=10 today")
            order(context.stock, 1)
        """,
    )
    result = run_sweep(
        task, plan("fast=5,10,15"), LocalExecutor(jobs=2), journal=None, progress=None
    )
    errors = result.table["error"].tolist()
    assert errors[0] is None and errors[2] is None
    assert errors[1] == f"{task.strategy_path}:9 in handle_data: ValueError: no fast=10 today"
    assert all(math.isnan(result.table.loc[1, name]) for name in METRICS)
    assert result.failed == 1


def test_the_strategys_params_type_the_grid_and_the_fixed_values(tmp_path: Path) -> None:
    task = strategy_task(
        tmp_path,
        """
        PARAMS = {"weight": 0.5, "slow": 20}

        def initialize(context):
            assert isinstance(context.params.weight, float), type(context.params.weight)
            assert context.params.slow == 40

        def handle_data(context, data):
            pass
        """,
    )
    task = SweepTask(
        strategy_path=task.strategy_path,
        strategy_source=task.strategy_source,
        fixed_params={"slow": "40", "weight": "0.1"},  # as -D gives them; the grid wins
    )
    result = run_sweep(task, plan("weight=1,2"), InProcessExecutor(), journal=None, progress=None)
    assert result.table["error"].isna().all(), result.table["error"].tolist()
    assert result.table["weight"].tolist() == [1.0, 2.0]
    assert result.table["weight"].dtype == "float64"


def test_a_value_the_strategy_cannot_take_fails_before_any_run(tmp_path: Path) -> None:
    executor = InProcessExecutor()
    with pytest.raises(ConfigError, match=r"parameter fast=ten \(from --grid\) is not an int"):
        run_sweep(sma_task(), plan("fast=ten,eleven"), executor, journal=None, progress=None)
    assert executor.ran == []
    with pytest.raises(ConfigError, match="unknown parameter fats"):
        run_sweep(sma_task(), plan("fats=5"), executor, journal=None, progress=None)


def test_a_random_sweep_runs_the_seeded_sample_of_the_grid() -> None:
    sweep = plan("fast=5,10,15,20", "slow=30,40", random=3, seed=7)
    result = run_sweep(sma_task(), sweep, InProcessExecutor(), journal=None, progress=None)
    points = result.table[["fast", "slow"]].to_dict("records")
    assert points == sweep.space.sample(3, 7)
    assert result.table["run"].tolist() == [0, 1, 2]


def test_an_optuna_sweep_gives_the_same_trials_for_any_number_of_workers() -> None:
    sweep = plan("fast=3:15:3", "slow=20,30,40", optuna=10, objective="sharpe", seed=3)
    one = run_sweep(sma_task(), sweep, LocalExecutor(jobs=1), journal=None, progress=None)
    two = run_sweep(sma_task(), sweep, LocalExecutor(jobs=2), journal=None, progress=None)
    assert len(one.table) == 10
    assert one.table.equals(two.table)


def test_the_table_file_keeps_its_description(tmp_path: Path) -> None:
    result = run_sweep(
        sma_task(), plan("fast=5,10", "slow=20"), InProcessExecutor(), journal=None, progress=None
    )
    result.write_parquet(tmp_path / "sweep.parquet")
    loaded = load_sweep(tmp_path / "sweep.parquet")
    assert loaded.equals(result.table)
    assert loaded.attrs["sweep"]["params"] == ["fast", "slow"]
    assert loaded.attrs["sweep"]["metrics"] == list(METRICS)
    assert loaded.attrs["sweep"]["objective"] == "sharpe"


def test_a_worker_process_that_dies_is_a_clear_error(tmp_path: Path) -> None:
    task = strategy_task(
        tmp_path,
        """
        import os, signal

        def initialize(context):
            os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    with pytest.raises(SweepWorkerLost, match="a sweep worker process died"):
        run_sweep(task, plan("n=1,2"), LocalExecutor(jobs=1), journal=None, progress=None)


def test_a_strategy_that_does_not_compile_fails_the_sweep(tmp_path: Path) -> None:
    task = strategy_task(tmp_path, "def initialize(context)\n    pass\n")
    with pytest.raises(StrategyError, match=r"strategy.py:1: SyntaxError"):
        run_sweep(task, plan("n=1"), LocalExecutor(jobs=1), journal=None, progress=None)


def test_core_registers_the_local_executor() -> None:
    registry = PluginRegistry.from_environment()
    executor = registry.executor("local", jobs=3)
    assert isinstance(executor, LocalExecutor) and executor.jobs == 3
    assert isinstance(executor, Executor)
    with pytest.raises(ConfigError, match=r"--jobs 0: give 1 or more"):
        registry.executor("local", jobs=0)
