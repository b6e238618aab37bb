"""Walk-forward sweeps: each fold trains every point on its training window, then runs the
best of them on its test window; the folds summary holds the out-of-sample figures."""

from __future__ import annotations

from pathlib import Path

from rustybt.sweep.executor import LocalExecutor
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import SweepTask
from rustybt.sweep.walk_forward import parse_walk_forward

REPO = Path(__file__).resolve().parents[2]
SMA_SWEEP = REPO / "examples" / "sma_sweep.py"
TASK = SweepTask(strategy_path=str(SMA_SWEEP), strategy_source=SMA_SWEEP.read_text())
PLAN = SweepPlan(
    space=parse_space(["fast=5,10", "slow=20,30"]),
    start="2005-01-01",
    end="2005-12-31",
    walk_forward=parse_walk_forward("train=6m,test=3m"),
)


def test_each_fold_trains_every_point_then_tests_the_best() -> None:
    result = run_sweep(TASK, PLAN, LocalExecutor(jobs=2), journal=None, progress=None)
    table = result.table
    assert list(table.columns[:7]) == ["run", "fold", "phase", "start", "end", "fast", "slow"]
    assert table["run"].tolist() == list(range(10))
    assert table["phase"].tolist() == ["train"] * 4 + ["test"] + ["train"] * 4 + ["test"]
    assert table[["fold", "start", "end"]].drop_duplicates().values.tolist() == [
        [0, "2005-01-03", "2005-06-30"],
        [0, "2005-07-01", "2005-09-30"],
        [1, "2005-04-01", "2005-09-30"],
        [1, "2005-10-03", "2005-12-30"],
    ]
    for fold in (0, 1):
        trained = table[(table["fold"] == fold) & (table["phase"] == "train")]
        best = trained.sort_values(["sharpe", "run"], ascending=[False, True]).iloc[0]
        tested = table[(table["fold"] == fold) & (table["phase"] == "test")].iloc[0]
        assert (tested["fast"], tested["slow"]) == (best["fast"], best["slow"])

    folds = result.folds
    assert folds is not None
    assert folds["fold"].tolist() == [0, 1]
    assert folds["test_start"].tolist() == ["2005-07-01", "2005-10-03"]
    tests = table[table["phase"] == "test"].reset_index(drop=True)
    assert folds["sharpe"].tolist() == tests["sharpe"].tolist()
    assert folds["fast"].tolist() == tests["fast"].tolist()
    assert result.metadata["walk_forward"] == "train=6m,test=3m"


def test_the_walk_forward_table_is_the_same_for_one_worker() -> None:
    two = run_sweep(TASK, PLAN, LocalExecutor(jobs=2), journal=None, progress=None)
    one = run_sweep(TASK, PLAN, LocalExecutor(jobs=1), journal=None, progress=None)
    assert one.table.equals(two.table)
    assert one.folds is not None and one.folds.equals(two.folds)
