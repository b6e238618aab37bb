"""Running benchmarks: each in a fresh subprocess, repeated, summarised by the median."""

from __future__ import annotations

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

from rustybt.errors import RustyBTError


@attrs.frozen(kw_only=True)
class Metric:
    """One measured figure and whether larger is better (for regression checks)."""

    value: float
    unit: str
    higher_is_better: bool


class Benchmark(Protocol):
    """A workload whose ``run()`` measures itself and returns named metrics."""

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

    A fresh process per run gives each its own peak memory (max RSS) and no warm caches
    from another benchmark; setup happens inside the process, before the timed part.
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
    """Run one registered benchmark in this process and return its raw result."""
    import resource

    from rustybt.plugins import Kind, PluginRegistry

    benchmark = PluginRegistry.from_environment().create(Kind.BENCHMARK, name, scale=scale)
    with tempfile.TemporaryDirectory(prefix="rustybt-bench-") as workdir:
        benchmark.setup(Path(workdir))
        metrics = benchmark.run()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "description": benchmark.description,
        "metrics": {key: attrs.asdict(metric) for key, metric in metrics.items()},
        "peak_memory_mb": round(peak_kb / 1024, 1),
    }
