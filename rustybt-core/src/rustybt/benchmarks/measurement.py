"""Running benchmarks: each in a fresh subprocess, warmed up, repeated, summarised by the median."""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import attrs

from rustybt.benchmarks.portable import peak_memory_mb, reset_peak_memory
from rustybt.errors import RustyBTError


@attrs.frozen(kw_only=True)
class Metric:
    """One measured figure and whether larger is better (for regression checks)."""

    value: float
    unit: str
    higher_is_better: bool


def rows_per_second(rows: int, seconds: float) -> dict[str, Metric]:
    """The two figures of a data benchmark: ``rows_per_second`` (higher is better) and the
    ``seconds`` the ``rows`` took (lower is better)."""
    return {
        "rows_per_second": Metric(value=rows / seconds, unit="rows/s", higher_is_better=True),
        "seconds": Metric(value=seconds, unit="s", higher_is_better=False),
    }


class Benchmark(Protocol):
    """A workload whose ``run()`` measures itself and returns named metrics.

    ``run()`` is called twice after ``setup`` (a warm-up, then the measured run), so it
    must leave the inputs as it found them.
    """

    description: str

    def setup(self, workdir: Path) -> None:
        """Prepare inputs in ``workdir`` (not timed)."""
        ...

    def run(self) -> dict[str, Metric]:
        """Run the workload once and return its metrics."""
        ...


@attrs.frozen(kw_only=True)
class BenchmarkReport:
    """The repeated runs of one benchmark: per metric the median, min and max."""

    name: str
    description: str
    repeat: int
    metrics: dict[str, dict[str, Any]]
    peak_memory_mb: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return attrs.asdict(self)


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured: CPU, cores, Python and rustybt package versions."""
    packages = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().startswith("rustybt") or name in ("numpy", "pandas", "pyarrow"):
            packages[name] = dist.version
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": dict(sorted(packages.items())),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")  # Linux; elsewhere platform.processor() is the best guess
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run_benchmarks(
    names: Sequence[str],
    *,
    repeat: int = 3,
    scale: float = 1.0,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[BenchmarkReport]:
    """Run each named (registered) benchmark ``repeat`` times, each run in a new process.

    A fresh process per run gives each its own peak memory and no warm caches from another
    benchmark; inside it, :func:`measure` sets up, warms up and takes the measured run.
    """
    reports = []
    for name in names:
        runs = []
        for attempt in range(repeat):
            if on_progress is not None:
                on_progress(name, attempt)
            runs.append(_run_in_subprocess(name, scale))
        metrics = {}
        for metric in runs[0]["metrics"]:
            values = [run["metrics"][metric]["value"] for run in runs]
            first = runs[0]["metrics"][metric]
            metrics[metric] = {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
                "unit": first["unit"],
                "higher_is_better": first["higher_is_better"],
            }
        reports.append(
            BenchmarkReport(
                name=name,
                description=runs[0]["description"],
                repeat=repeat,
                metrics=metrics,
                peak_memory_mb=max(run["peak_memory_mb"] for run in runs),
            )
        )
    return reports


def _run_in_subprocess(name: str, scale: float) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "rustybt.benchmarks.child", name, repr(scale)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RustyBTError(f"benchmark '{name}' failed: {last}")
    return json.loads(completed.stdout)


def run_here(name: str, scale: float) -> dict[str, Any]:
    """Build the registered benchmark ``name`` at ``scale`` and :func:`measure` it here."""
    from rustybt.plugins import PluginRegistry

    benchmark = PluginRegistry.from_environment().benchmark(name, scale=scale)
    return measure(benchmark)


def measure(benchmark: Benchmark) -> dict[str, Any]:
    """Set ``benchmark`` up in a temporary directory, run it once untimed (the warm-up:
    imports, caches and first-call costs are paid there), then run it again and return that
    run's metrics, its description and the peak memory in MB.

    The peak is the resident-memory high-water mark of the measured run: on Linux it is
    reset after the warm-up (``/proc/self/clear_refs``), once the warm-up's garbage is
    collected, so it counts what the process holds (interpreter, imports, set-up inputs)
    plus what the run itself allocates; elsewhere it is the whole process's peak, warm-up
    included.
    """
    with tempfile.TemporaryDirectory(prefix="rustybt-bench-") as workdir:
        benchmark.setup(Path(workdir))
        benchmark.run()
        # A run's objects refer to each other (engine, algorithm, ledger), so the warm-up's
        # are freed by the cycle collector, which might otherwise wait until the measured
        # run has allocated its own: the peak would then count two runs.
        gc.collect()
        reset_peak_memory()
        metrics = benchmark.run()
    return {
        "description": benchmark.description,
        "metrics": {key: attrs.asdict(metric) for key, metric in metrics.items()},
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }
