"""Built-in benchmarks: how long a user waits for ``rustybt --help`` and for
``import rustybt.api``, each as a new process, wall-clock, the median of several launches.

These count the interpreter's start and every import, which the in-process benchmarks do
not: what a user feels on each command. The warm-up run launches each command too, so the
bytecode is compiled (when the install did not) before the measured launches.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

from rustybt.benchmarks.measurement import Metric
from rustybt.errors import RustyBTError


@attrs.define
class StartupTime:
    """The median wall time of ``launches`` runs of ``command`` (an argv), each a new process."""

    command: Sequence[str]
    launches: int
    description: str

    def setup(self, workdir: Path) -> None:
        """Nothing to prepare: the command runs as installed."""

    def run(self) -> dict[str, Metric]:
        """Launch the command ``launches`` times; report the median seconds."""
        times = [self._launch() for _ in range(self.launches)]
        return {"seconds": Metric(value=statistics.median(times), unit="s", higher_is_better=False)}

    def _launch(self) -> float:
        began = time.perf_counter()
        completed = subprocess.run(self.command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise RustyBTError(f"{' '.join(self.command)} failed: {last}")
        return seconds


def rustybt_command() -> list[str]:
    """The ``rustybt`` console script installed beside this interpreter, or
    ``python -m rustybt`` where there is none (the same imports, run through runpy)."""
    script = Path(sys.executable).with_name("rustybt")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rustybt"]


def _launches(scale: float) -> int:
    return max(1, round(7 * scale))


def cli_help(scale: float = 1.0) -> StartupTime:
    """``rustybt --help``: the CLI's imports, plugin discovery and the help text."""
    return StartupTime(
        command=[*rustybt_command(), "--help"],
        launches=_launches(scale),
        description="rustybt --help, a new process, median wall time",
    )


def import_api(scale: float = 1.0) -> StartupTime:
    """``python -c "import rustybt.api"``: what a strategy's first line costs."""
    return StartupTime(
        command=[sys.executable, "-c", "import rustybt.api"],
        launches=_launches(scale),
        description='python -c "import rustybt.api", a new process, median wall time',
    )
