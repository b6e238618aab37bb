"""`rustybt sweep`: the best runs printed, the table written, a rerun that skips what an
interrupted sweep finished, and one clear line for every mistake, found before any run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rustybt.sweep.executor import LocalExecutor
from rustybt.sweep.journal import journal_path
from rustybt.sweep.metrics import METRICS
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, load_sweep, run_sweep
from rustybt.sweep.task import SweepTask

REPO = Path(__file__).resolve().parents[2]
SMA_SWEEP = str(REPO / "examples" / "sma_sweep.py")
WINDOW = ("--start", "2005-01-03", "--end", "2005-06-30")
GRID = ("--grid", "fast=5,10", "--grid", "slow=20,40")


def test_a_sweep_prints_the_best_runs_and_writes_the_table(rustybt, tmp_path: Path) -> None:
    out = tmp_path / "sweep.parquet"
    result = rustybt("sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "2", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "Sweep of sma_sweep.py: best 4 runs by sharpe" in result.stdout
    assert "4 runs on local (2 workers)" in result.stdout
    assert f"Table written to {out}" in result.stdout
    table = load_sweep(out)
    assert table[["fast", "slow"]].values.tolist() == [[5, 20], [5, 40], [10, 20], [10, 40]]
    assert table.attrs["sweep"]["params"] == ["fast", "slow"]
    rerun = rustybt("sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "2", "-o", str(out))
    assert "4 runs on local (2 workers), 4 skipped (finished before, in the journal)" in (
        rerun.stdout
    )
    assert load_sweep(out).equals(table)


def test_json_gives_every_row_and_how_the_sweep_ran(rustybt) -> None:
    result = rustybt(
        "sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "2", "-D", "fast=7",
        "--objective", "calmar", "--output", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [row["run"] for row in payload["runs"]] == [0, 1, 2, 3]
    assert set(payload["runs"][0]) == {"run", "fast", "slow", *METRICS, "error"}
    assert payload["runs"][0]["fast"] == 5  # a --grid name wins over -D
    assert payload["skipped"] == 0 and payload["failed"] == 0
    assert (payload["executor"], payload["jobs"], payload["objective"]) == ("local", 2, "calmar")


def test_a_rerun_of_an_interrupted_sweep_skips_what_it_finished(rustybt, tmp_path: Path) -> None:
    out = tmp_path / "sweep.parquet"
    # What an interrupted sweep leaves: the journal of the two runs it finished.
    task = SweepTask(strategy_path=SMA_SWEEP, strategy_source=Path(SMA_SWEEP).read_text())
    half = SweepPlan(space=parse_space(["fast=5", "slow=20,40"]), start=WINDOW[1], end=WINDOW[3])
    run_sweep(task, half, LocalExecutor(jobs=1), journal=journal_path(out), progress=None)

    result = rustybt("sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "1", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "4 runs on local (1 worker), 2 skipped (finished before, in the journal)" in (
        result.stdout
    )
    assert len(load_sweep(out)) == 4


def test_a_walk_forward_sweep_prints_each_folds_out_of_sample_run(rustybt) -> None:
    result = rustybt(
        "sweep", "-f", SMA_SWEEP, "--start", "2005-01-01", "--end", "2005-12-31",
        "--grid", "fast=5,10", "--grid", "slow=20", "--walk-forward", "train=6m,test=3m",
        "--jobs", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Walk-forward of sma_sweep.py: each fold's out-of-sample run" in result.stdout
    header = next(line for line in result.stdout.splitlines() if "test_start" in line)
    assert "fast" in header and "train_sharpe" in header and "cagr" not in header
    assert "6 runs on local" in result.stdout


def test_failed_runs_are_counted_and_all_failing_is_exit_1(rustybt, tmp_path: Path) -> None:
    strategy = tmp_path / "broken.py"
    strategy.write_text("def initialize(context):\n    raise ValueError('broken')\n")
    result = rustybt("sweep", "-f", str(strategy), *WINDOW, "--grid", "n=1,2", "--jobs", "1")
    assert result.exit_code == 1
    assert "2 runs on local (1 worker), 2 failed" in result.stdout
    assert f"First failure, run 0: {strategy}:2 in initialize: ValueError: broken" in (
        result.stdout
    )
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: every run of the sweep failed (2); run 0: {strategy}:2 in initialize: "
        "ValueError: broken"
    )


def test_a_report_of_the_sweep(rustybt, tmp_path: Path) -> None:
    report = tmp_path / "sweep.html"
    result = rustybt(
        "sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "1", "--report", str(report)
    )
    assert result.exit_code == 0, result.stderr
    assert f"Report written to {report}" in result.stdout
    assert 'id="runs-table"' in report.read_text()


def test_mistakes_are_one_line_before_any_run(rustybt, tmp_path: Path) -> None:
    def error(*args: str) -> str:
        result = rustybt("sweep", "-f", SMA_SWEEP, *WINDOW, *args)
        assert result.exit_code == 1, result.stdout
        return result.stderr.strip().splitlines()[-1]

    assert error() == (
        "error: rustybt sweep needs at least one --grid name=values, such as --grid fast=10:50:5"
    )
    assert error("--grid", "fast").startswith("error: --grid fast: give name=values")
    assert error(*GRID, "--executor", "nowhere").startswith(
        "error: no executor named 'nowhere' (installed: local"
    )
    missing = tmp_path / "no" / "sweep.parquet"
    assert error(*GRID, "-o", str(missing)) == (
        f"error: cannot write -o {missing}: directory {missing.parent} does not exist; "
        "create it or give -o another path"
    )
    assert error(*GRID, "--random", "2", "--optuna", "2") == (
        "error: --random and --optuna both choose the runs; give one of them"
    )
    assert error(*GRID, "--objective", "alpha").startswith("error: ")
    assert error("--grid", "fast=ten") == (
        "error: parameter fast=ten (from --grid) is not an int; give a whole number such as 20"
    )


def test_jobs_below_one_is_a_usage_error(rustybt) -> None:
    result = rustybt("sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--jobs", "0")
    assert result.exit_code == 2
    assert "--jobs" in result.stderr


def test_optuna_without_optuna_installed_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['optuna'] = None\n"  # as if it were not installed
        "from rustybt_cli.main import main\n"
        f"sys.exit(main(['sweep', '-f', {SMA_SWEEP!r}, '--start', '2005-01-03', "
        "'--end', '2005-06-30', '--grid', 'fast=5,10', '--optuna', '4']))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1
    assert (
        completed.stderr.strip()
        .splitlines()[-1]
        .startswith("error: --optuna needs optuna, which is not installed: run `")
    )


def test_a_ray_address_without_the_ray_executor_is_a_usage_error(rustybt) -> None:
    result = rustybt(
        "sweep", "-f", SMA_SWEEP, *WINDOW, *GRID, "--ray-address", "127.0.0.1:6379",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--ray-address names a Ray cluster; give it with --executor ray" in result.stderr
