"""A benchmark's peak memory is its own measured run's: not its parent's, nor garbage its
warm-up left for the cycle collector."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import attrs
import numpy as np
import pytest
from rustybt.benchmarks import Metric
from rustybt.benchmarks.measurement import measure, peak_memory_mb

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="the peak is reset on Linux only"
)


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_a_child_process_reports_its_own_peak_not_its_parents() -> None:
    held = np.ones(300 * 2**20 // 8)  # touched, so this process's peak is 300 MB higher
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from rustybt.benchmarks.measurement import peak_memory_mb; print(peak_memory_mb())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert float(child.stdout) < peak_memory_mb() - 250
    del held


@attrs.define
class Cycles:
    """A benchmark whose warm-up leaves 300 MB in a reference cycle and whose measured run
    allocates nothing."""

    description: str = "leaves a cycle behind"
    runs: int = 0

    def setup(self, workdir: Path) -> None:
        """Nothing to prepare."""

    def run(self) -> dict[str, Metric]:
        """The warm-up: a cycle holding 300 MB, dropped without being freed."""
        self.runs += 1
        if self.runs == 1:
            cycle: dict[str, object] = {"bytes": np.ones(300 * 2**20 // 8)}
            cycle["self"] = cycle
        return {"runs": Metric(value=self.runs, unit="runs", higher_is_better=True)}


def test_the_warm_ups_garbage_is_not_counted() -> None:
    gc.disable()  # the collector must not happen to run between the two runs by itself
    try:
        before = _resident_mb()
        peak = measure(Cycles())["peak_memory_mb"]
    finally:
        gc.enable()

    assert peak < before + 150
