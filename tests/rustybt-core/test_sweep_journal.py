"""The journal of finished runs: a rerun skips them, a kill loses only the runs in flight, and
a change to anything that decides a run's result runs it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
from rustybt.sweep.executor import LocalExecutor
from rustybt.sweep.journal import Journal, journal_path, run_key
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask
from rustybt.sweep.worker import SweepWorker

REPO = Path(__file__).resolve().parents[2]
SMA_SWEEP = REPO / "examples" / "sma_sweep.py"
TASK = SweepTask(strategy_path=str(SMA_SWEEP), strategy_source=SMA_SWEEP.read_text())
PLAN = SweepPlan(
    space=parse_space(["fast=5,10,15", "slow=20,40"]), start="2005-01-03", end="2005-06-30"
)


class CountingExecutor:
    """One SweepWorker in this process; ``ran`` lists the run numbers it was given."""

    name = "counting"

    def __init__(self) -> None:
        self.ran: list[int] = []

    def open(self, task: SweepTask) -> None:
        self.worker = SweepWorker(task)

    def map_runs(self, runs: Sequence[SweepRun]) -> Iterator[RunOutcome]:
        for run in runs:
            self.ran.append(run.number)
            yield self.worker.run(run)

    def close(self) -> None:
        pass


def test_a_rerun_skips_every_journaled_run_and_gives_the_same_table(tmp_path: Path) -> None:
    journal = journal_path(tmp_path / "sweep.parquet")
    assert journal == tmp_path / "sweep.parquet.journal"
    first = run_sweep(TASK, PLAN, CountingExecutor(), journal=journal, progress=None)
    assert len(journal.read_text().splitlines()) == 6

    again = CountingExecutor()
    second = run_sweep(TASK, PLAN, again, journal=journal, progress=None)
    assert again.ran == []
    assert second.skipped == 6
    assert second.table.equals(first.table)


def test_a_changed_strategy_or_window_runs_again(tmp_path: Path) -> None:
    journal = tmp_path / "sweep.parquet.journal"
    run_sweep(TASK, PLAN, CountingExecutor(), journal=journal, progress=None)

    edited = attrs.evolve(TASK, strategy_source=TASK.strategy_source + "\n# edited\n")
    rerun = CountingExecutor()
    assert run_sweep(edited, PLAN, rerun, journal=journal, progress=None).skipped == 0
    assert rerun.ran == [0, 1, 2, 3, 4, 5]

    longer = attrs.evolve(PLAN, end="2005-07-29")
    assert run_sweep(TASK, longer, CountingExecutor(), journal=journal, progress=None).skipped == 0


def test_a_failed_run_is_not_journaled_so_a_rerun_tries_it_again(tmp_path: Path) -> None:
    path = tmp_path / "strategy.py"
    path.write_text(
        textwrap.dedent(
            """
            import os

            def initialize(context):
                if context.params.n == 2 and not os.environ.get("P22_FIXED"):
                    raise RuntimeError("not yet")
            """
        )
    )
    task = SweepTask(strategy_path=str(path), strategy_source=path.read_text())
    plan = SweepPlan(space=parse_space(["n=1,2,3"]), start="2005-01-03", end="2005-02-28")
    journal = tmp_path / "sweep.parquet.journal"
    assert run_sweep(task, plan, CountingExecutor(), journal=journal, progress=None).failed == 1
    assert len(journal.read_text().splitlines()) == 2
    rerun = CountingExecutor()
    run_sweep(task, plan, rerun, journal=journal, progress=None)
    assert rerun.ran == [1]


def test_a_line_cut_short_by_a_kill_is_ignored_and_the_next_line_starts_afresh(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sweep.parquet.journal"
    path.write_text(json.dumps({"key": "a", "metrics": {"sharpe": 1.5}}) + '\n{"key": "b", "met')
    journal = Journal(path)
    journal.record("c", {"sharpe": float("nan")})
    journal.close()
    finished = journal.finished()
    assert list(finished) == ["a", "c"]
    assert finished["a"] == {"sharpe": 1.5}


def test_the_key_leaves_out_the_run_number_and_fold() -> None:
    run = SweepRun(number=0, params={"fast": 5}, start="2005-01-03", end="2005-06-30")
    moved = attrs.evolve(run, number=7, fold=2, phase="train")
    assert run_key(TASK, run, {"fast": 5}) == run_key(TASK, moved, {"fast": 5})
    assert run_key(TASK, run, {"fast": 5}) != run_key(TASK, run, {"fast": 6})


SWEEP_SCRIPT = """
import sys
from pathlib import Path
from rustybt.sweep.executor import LocalExecutor
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import SweepTask

if __name__ == "__main__":
    strategy, journal = sys.argv[1], Path(sys.argv[2])
    task = SweepTask(strategy_path=strategy, strategy_source=Path(strategy).read_text())
    plan = SweepPlan(space=parse_space(["n=1:12:1"]), start="2005-01-03", end="2005-03-31")
    run_sweep(task, plan, LocalExecutor(jobs=2), journal=journal, progress=None)
"""


def test_a_killed_sweep_loses_only_the_runs_in_flight(tmp_path: Path) -> None:
    strategy = tmp_path / "slow_strategy.py"
    strategy.write_text(
        textwrap.dedent(
            """
            import time

            def initialize(context):
                time.sleep(0.3)  # long enough for the kill to land mid-sweep
            """
        )
    )
    script = tmp_path / "sweep_script.py"
    script.write_text(SWEEP_SCRIPT)
    journal = tmp_path / "sweep.parquet.journal"
    process = subprocess.Popen(
        [sys.executable, str(script), str(strategy), str(journal)], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if journal.is_file() and len(journal.read_text().splitlines()) >= 3:
                break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers
        process.wait()
    finished = len(Journal(journal).finished())
    assert 3 <= finished < 12

    task = SweepTask(strategy_path=str(strategy), strategy_source=strategy.read_text())
    plan = SweepPlan(space=parse_space(["n=1:12:1"]), start="2005-01-03", end="2005-03-31")
    rerun = CountingExecutor()
    result = run_sweep(task, plan, rerun, journal=journal, progress=None)
    assert result.skipped == finished
    assert len(rerun.ran) == 12 - finished  # no finished run ran again
    assert result.table["error"].isna().all()
    assert result.table["run"].tolist() == list(range(12))


def test_the_local_executor_streams_outcomes_as_they_finish() -> None:
    executor = LocalExecutor(jobs=2)
    executor.open(TASK)
    try:
        runs = [
            SweepRun(number=k, params={"fast": 5, "slow": 20}, start="2005-01-03", end="2005-03-31")
            for k in range(4)
        ]
        outcomes = list(executor.map_runs(runs))
    finally:
        executor.close()
        executor.close()
    assert sorted(o.run.number for o in outcomes) == [0, 1, 2, 3]
    assert len({o.metrics["sharpe"] for o in outcomes}) == 1
