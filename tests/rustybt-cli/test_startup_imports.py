"""Commands that only talk (help, versions, plugins) start without the data stack, and a
backtest from the command line reports how long the process took to reach it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rustybt.plugins import PluginRegistry
from rustybt.testing import check_benchmark

REPO = Path(__file__).resolve().parents[2]
DATA_STACK = {"pandas", "numpy", "pyarrow", "exchange_calendars"}
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="startup is read from /proc (Linux)"
)


def imported_packages(*args: str) -> set[str]:
    """The top-level packages ``python -m rustybt ARGS`` imports, from ``-X importtime``."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rustybt", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in completed.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("imported package")
    }


@pytest.mark.parametrize(
    "args", [("--help",), ("--version",), ("plugins",), ("run", "--help"), ("benchmark", "--help")]
)
def test_a_command_that_only_talks_imports_no_pandas_numpy_or_arrow(args: tuple[str, ...]) -> None:
    imported = imported_packages(*args)
    assert "rustybt_cli" in imported  # the listing was read
    assert imported.isdisjoint(DATA_STACK), sorted(imported & DATA_STACK)


@needs_proc
def test_a_backtest_reports_startup_and_its_phases_within_the_process_time() -> None:
    began = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "rustybt",
            "run",
            "-f",
            str(REPO / "examples" / "sma_crossover.py"),
            "--start",
            "2006-01-03",
            "--end",
            "2006-06-30",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    wall = time.perf_counter() - began
    assert completed.returncode == 0, completed.stderr
    timings = json.loads(completed.stdout)["timings"]
    assert list(timings) == ["startup", "load", "simulate", "results"]
    assert all(seconds > 0 for seconds in timings.values())
    assert sum(timings.values()) < wall


@needs_proc
def test_the_table_shows_the_timings(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        str(REPO / "examples" / "sma_crossover.py"),
        "--start",
        "2006-01-03",
        "--end",
        "2006-03-31",
    )
    assert result.exit_code == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("Timings: ")]
    phases = [part.split()[0] for part in line.removeprefix("Timings: ").split(", ")]
    assert phases == ["startup", "load", "simulate", "results"]


def test_the_cli_startup_benchmark_is_registered_with_the_cli_and_times_it(
    plugin_registry: PluginRegistry,
) -> None:
    seconds = check_benchmark(
        plugin_registry, "startup-cli-help", plugin="benchmarks", metrics={"seconds": ("s", False)}
    )["seconds"]
    assert 0 < seconds < 60
