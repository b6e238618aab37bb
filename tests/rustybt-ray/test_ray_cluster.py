"""The ``ray`` executor on a Ray the caller connected to: outcomes stream back as runs finish,
a strategy's error is its run's, a worker that dies or cannot open the data is one clear
error, and the caller's Ray is left running."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from rustybt.errors import PluginNotFoundError
from rustybt.sweep.executor import Executor, SweepWorkerLost
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import SweepRun, SweepTask
from rustybt.testing.executor_contract import STRATEGY as FAILING
from rustybt_ray.executor import RayExecutor

START, END = "2005-01-03", "2005-03-31"

PAUSING = """
    import time

    from rustybt.api import order_target_percent, symbol

    PARAMS = {"pause": 0.0}


    def initialize(context):
        time.sleep(context.params.pause)
        context.asset = symbol("AAPL")


    def handle_data(context, data):
        order_target_percent(context.asset, 0.5)
"""

DYING = """
    import os

    PARAMS = {"die": False}


    def initialize(context):
        if context.params.die:
            os._exit(3)  # the worker's process ends, as when it runs out of memory


    def handle_data(context, data):
        pass
"""


@pytest.fixture(scope="module", autouse=True)
def connected(head_address: str) -> Iterator[None]:
    """This process joined to the head, as a script that calls ``ray.init`` itself is."""
    import ray

    ray.init(address=head_address, log_to_driver=False, logging_level="WARNING")
    yield
    ray.shutdown()


def runs(name: str, values: list[object]) -> list[SweepRun]:
    return [
        SweepRun(number=number, params={name: value}, start=START, end=END)
        for number, value in enumerate(values)
    ]


def test_outcomes_come_back_as_their_runs_finish(strategy_task) -> None:
    executor = RayExecutor(jobs=2)
    assert isinstance(executor, Executor)
    executor.open(strategy_task(PAUSING))
    try:
        began = time.monotonic()
        arrivals = {
            outcome.run.number: time.monotonic() - began
            for outcome in executor.map_runs(runs("pause", [4.0, 0.0, 0.0, 0.0]))
        }
    finally:
        executor.close()

    slow = arrivals.pop(0)
    assert len(arrivals) == 3  # run 0 pauses 4 s on one worker; the other runs them all
    assert max(arrivals.values()) < slow - 1  # each was yielded while run 0 still ran


def test_a_strategy_error_is_its_runs_error_and_the_others_finish(strategy_task) -> None:
    import ray

    plan = SweepPlan(space=parse_space(["weight=0.5,2.0,0.25"]), start=START, end=END)
    result = run_sweep(
        strategy_task(FAILING), plan, RayExecutor(jobs=2), journal=None, progress=None
    )

    errors = result.table["error"].tolist()
    assert errors[0] is None and errors[2] is None
    assert "ValueError: a weight above 1 borrows" in errors[1]
    assert "strategy.py" in errors[1]  # the file the strategy was read from
    assert result.table.loc[[0, 2], "total_return"].notna().all()
    assert ray.is_initialized()  # the caller's Ray: it is the caller's to shut down


def test_a_worker_that_dies_is_one_clear_error(strategy_task) -> None:
    executor = RayExecutor(jobs=2)
    executor.open(strategy_task(DYING))
    try:
        with pytest.raises(SweepWorkerLost) as raised:
            list(executor.map_runs(runs("die", [False, True, False])))
    finally:
        executor.close()
    message = str(raised.value)
    assert message.startswith("a Ray sweep worker died with ")
    assert message.endswith("rerun the same command to resume from the finished runs")
    assert "\n" not in message


def test_a_data_source_the_workers_cannot_open_fails_the_open(sma_task: SweepTask) -> None:
    task = SweepTask(
        strategy_path=sma_task.strategy_path,
        strategy_source=sma_task.strategy_source,
        source="no-such-source",
    )
    executor = RayExecutor(jobs=1)
    with pytest.raises(PluginNotFoundError) as raised:
        executor.open(task)
    assert str(raised.value).startswith("no data source named 'no-such-source' (installed: ")
    assert "\n" not in str(raised.value)  # the worker's error itself, not Ray's wrapping
    executor.close()
