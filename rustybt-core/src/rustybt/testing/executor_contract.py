"""The behavioural contract every sweep executor honours, as a test class to subclass."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from rustybt.plugins import Kind
from rustybt.sweep.executor import Executor, LocalExecutor
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask
from rustybt.testing.registry import registry_providing

STRATEGY = """
    from rustybt.api import order_target_percent, symbol

    PARAMS = {"weight": 0.5}


    def initialize(context):
        if context.params.weight > 1:
            raise ValueError("a weight above 1 borrows")
        context.asset = symbol("AAPL")


    def handle_data(context, data):
        order_target_percent(context.asset, context.params.weight)
"""
"""Holds ``weight`` of its portfolio in AAPL; a weight above 1 fails in ``initialize``."""

START, END = "2005-01-03", "2005-03-31"
FAILING_WEIGHT = 2.0


def _runs(*weights: float) -> list[SweepRun]:
    return [
        SweepRun(number=number, params={"weight": weight}, start=START, end=END)
        for number, weight in enumerate(weights)
    ]


class ExecutorContract:
    """Subclass as ``TestXxx``, set ``executor_name`` (its registered name) and define the
    ``executor_under_test`` fixture (not yet opened); without it, the executor is built from
    the registry with its default options.

    The suite runs a small strategy on the ``sample`` data: outcomes, errors, repeated
    batches, closing, and a whole ``run_sweep`` whose table must equal the one the
    ``local`` executor gives.
    """

    executor_name: ClassVar[str]

    @pytest.fixture
    def executor_under_test(self) -> Executor:
        return registry_providing(Kind.EXECUTOR, self.executor_name).executor(self.executor_name)

    @pytest.fixture
    def contract_task(self, tmp_path: Path) -> SweepTask:
        path = tmp_path / "contract_strategy.py"
        path.write_text(textwrap.dedent(STRATEGY))
        return SweepTask(strategy_path=str(path), strategy_source=path.read_text())

    @pytest.fixture
    def opened_executor(
        self, executor_under_test: Executor, contract_task: SweepTask
    ) -> Iterator[Executor]:
        executor_under_test.open(contract_task)
        try:
            yield executor_under_test
        finally:
            executor_under_test.close()

    def test_is_registered_under_its_name(self) -> None:
        registry = registry_providing(Kind.EXECUTOR, self.executor_name)
        assert self.executor_name in registry.names(Kind.EXECUTOR)

    def test_satisfies_the_protocol_under_its_name(self, executor_under_test: Executor) -> None:
        assert isinstance(executor_under_test, Executor), "it needs name, open, map_runs, close"
        assert executor_under_test.name == self.executor_name

    def test_every_run_gives_one_outcome_and_a_strategy_error_is_its_own(
        self, opened_executor: Executor
    ) -> None:
        runs = _runs(0.25, FAILING_WEIGHT, 0.5)
        outcomes = list(opened_executor.map_runs(runs))

        assert all(isinstance(outcome, RunOutcome) for outcome in outcomes)
        assert sorted(outcome.run.number for outcome in outcomes) == [0, 1, 2], (
            "map_runs yields exactly one outcome per run (in any order)"
        )
        by_number = {outcome.run.number: outcome for outcome in outcomes}
        assert [by_number[number].run for number in (0, 1, 2)] == runs
        failed = by_number[1]
        assert failed.error is not None and "a weight above 1 borrows" in failed.error
        assert failed.metrics == {}
        for number in (0, 2):
            assert by_number[number].error is None and by_number[number].metrics

    def test_map_runs_can_be_called_again_after_a_batch(self, opened_executor: Executor) -> None:
        first = list(opened_executor.map_runs(_runs(0.25)))
        second = list(opened_executor.map_runs(_runs(0.25)))
        assert [o.metrics for o in first] == [o.metrics for o in second]

    def test_close_can_be_called_twice(
        self, executor_under_test: Executor, contract_task: SweepTask
    ) -> None:
        executor_under_test.open(contract_task)
        executor_under_test.close()
        executor_under_test.close()

    def test_a_sweep_gives_the_local_executors_table(
        self, executor_under_test: Executor, contract_task: SweepTask
    ) -> None:
        plan = SweepPlan(space=parse_space(("weight=0.25,0.5,2.0",)), start=START, end=END)
        table = run_sweep(
            contract_task, plan, executor_under_test, journal=None, progress=None
        ).table
        local = run_sweep(
            contract_task, plan, LocalExecutor(jobs=1), journal=None, progress=None
        ).table
        assert table.equals(local), f"{table}\n differs from the local executor's\n{local}"
