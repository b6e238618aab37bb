"""Built-in benchmark: a parameter sweep against the loop of ``rustybt run`` it replaces.

The W2 workload of :mod:`rustybt.benchmarks.backtest_throughput` (the user-style SMA
crossover over 100 synthetic assets, 2,516 daily sessions, in the numpy form of the peer
comparison, whose figures ``docs/benchmarks.md`` quotes), its ``fast`` and ``slow`` windows
swept over 100 parameter sets (``fast`` 5 to 50 by 5, ``slow`` 60 to 240 by 20), timed three
ways from the command line, each the whole command as a user runs it:

- ``rustybt sweep --jobs 1``: one warm worker process runs every set;
- ``rustybt sweep --jobs 2``: two warm workers;
- one ``rustybt run -D fast=… -D slow=…`` process per set, one after another, as a shell
  loop does.

The figures are the three times and the two ratios the sweep is judged by: ``--jobs 2``
against ``--jobs 1``, and against the separate processes. ``scale`` shrinks the number of
sets (a seeded sample of the grid) and the sessions.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import attrs
import pandas as pd

from rustybt.benchmarks.measurement import Metric
from rustybt.benchmarks.startup import rustybt_command
from rustybt.benchmarks.synthetic_bars import synthetic_symbols, write_symbol_files
from rustybt.benchmarks.user_strategy import write_user_strategy
from rustybt.calendars import get_calendar
from rustybt.errors import RustyBTError

GRID = ("fast=5:50:5", "slow=60:240:20")
"""The swept parameters: 10 × 10 = 100 sets."""
FULL_SETS = 100


@attrs.define
class SweepThroughput:
    """Seconds of ``sets`` backtests of W2 by ``rustybt sweep`` (1 and 2 jobs) and by one
    ``rustybt run`` process per set."""

    sets: int
    sessions: int
    assets: int = 100
    description: str = (
        "W2 SMA crossover, 100 parameter sets: rustybt sweep --jobs 1 and 2 against one "
        "rustybt run process per set"
    )
    first_session: str = "2014-01-02"
    workdir: Path | None = attrs.field(default=None, init=False)
    common: list[str] = attrs.field(factory=list, init=False)
    points: list[dict[str, int]] = attrs.field(factory=list, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the synthetic bars (with a year of warm-up) and the strategy file, and
        choose the parameter sets."""
        from rustybt.sweep.space import parse_space

        calendar = get_calendar("XNYS")
        start = pd.Timestamp(self.first_session)
        days = calendar.sessions(start, start + pd.Timedelta(days=int(self.sessions * 1.5) + 10))
        run_sessions = days[: self.sessions]
        warmup = calendar.sessions(start - pd.Timedelta(days=400), start)[:-1]
        data_dir = workdir / "bars"
        data_dir.mkdir()
        names = synthetic_symbols(self.assets)
        write_symbol_files(data_dir, names, warmup.append(run_sessions))
        strategy = write_user_strategy(workdir / "strategy.py", names, "1d", "numpy")
        self.workdir = workdir
        self.common = [
            "-f", str(strategy), "--source", "files", "--data-dir", str(data_dir),
            "--start", f"{run_sessions[0]:%Y-%m-%d}", "--end", f"{run_sessions[-1]:%Y-%m-%d}",
            "--capital-base", "1000000",
        ]  # fmt: skip
        space = parse_space(GRID)
        self.points = space.grid() if self.sets >= space.size else space.sample(self.sets, 0)

    def run(self) -> dict[str, Metric]:
        """Time the three ways of running the sets; the sweeps start without a journal."""
        assert self.workdir is not None, "setup() writes the inputs"
        grid = [arg for text in GRID for arg in ("--grid", text)]
        if len(self.points) < FULL_SETS:
            grid += ["--random", str(len(self.points)), "--seed", "0"]
        sweep = [*rustybt_command(), "sweep", *self.common, *grid]
        one_job = self._timed([[*sweep, "--jobs", "1", "-o", self._fresh("jobs1.parquet")]])
        two_jobs = self._timed([[*sweep, "--jobs", "2", "-o", self._fresh("jobs2.parquet")]])
        processes = self._timed(
            [[*rustybt_command(), "run", *self.common, *_defines(point)] for point in self.points]
        )
        sets = len(self.points)
        return {
            "sweep_jobs1_seconds": Metric(value=one_job, unit="s", higher_is_better=False),
            "sweep_jobs2_seconds": Metric(value=two_jobs, unit="s", higher_is_better=False),
            "separate_runs_seconds": Metric(value=processes, unit="s", higher_is_better=False),
            "sweep_jobs2_runs_per_second": Metric(
                value=sets / two_jobs, unit="runs/s", higher_is_better=True
            ),
            "jobs2_speedup_vs_jobs1": Metric(
                value=one_job / two_jobs, unit="x", higher_is_better=True
            ),
            "jobs2_speedup_vs_separate_runs": Metric(
                value=processes / two_jobs, unit="x", higher_is_better=True
            ),
        }

    def _fresh(self, name: str) -> str:
        assert self.workdir is not None, "setup() chooses the directory"
        output = self.workdir / name
        for stale in (output, output.with_name(f"{name}.journal")):
            stale.unlink(missing_ok=True)
        return str(output)

    @staticmethod
    def _timed(commands: Sequence[Sequence[str]]) -> float:
        began = time.perf_counter()
        for command in commands:
            completed = subprocess.run(command, capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
                raise RustyBTError(f"{' '.join(command[:3])} ... failed: {last}")
        return time.perf_counter() - began


def _defines(point: dict[str, int]) -> list[str]:
    return [arg for name, value in point.items() for arg in ("-D", f"{name}={value}")]


def w2_hundred_sets(scale: float = 1.0) -> SweepThroughput:
    """100 parameter sets of W2 (fewer sets and sessions when ``scale`` < 1)."""
    return SweepThroughput(
        sets=max(2, round(FULL_SETS * scale)), sessions=max(120, int(2516 * scale))
    )
