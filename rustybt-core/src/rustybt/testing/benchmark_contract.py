"""The behavioural contract every benchmark honours, as a test class to subclass."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, ClassVar

import pytest

from rustybt.benchmarks.measurement import Benchmark, Metric, measure
from rustybt.plugins import Kind
from rustybt.testing.registry import registry_providing


def _snapshot(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` by relative path, with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


class BenchmarkContract:
    """Subclass as ``TestXxx`` and set ``benchmark_name``, its registered name.

    The benchmark under test is built from the registry at ``scale`` (small, so the suite
    is quick) unless you define the ``benchmark_under_test`` fixture. The suite calls it as
    ``rustybt benchmark`` does: ``setup(workdir)``, then ``run()`` twice (a warm-up, then the
    measured run). It checks what it returns, never how fast it is.
    """

    benchmark_name: ClassVar[str]
    scale: ClassVar[float] = 0.01

    @pytest.fixture
    def benchmark_under_test(self) -> Benchmark:
        registry = registry_providing(Kind.BENCHMARK, self.benchmark_name)
        return registry.benchmark(self.benchmark_name, scale=self.scale)

    @pytest.fixture
    def two_runs(
        self, benchmark_under_test: Benchmark, tmp_path: Path
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The metrics of the warm-up and the measured run; the set-up's files are checked
        to be as set up after each run."""
        benchmark_under_test.setup(tmp_path)
        inputs = _snapshot(tmp_path)
        runs = []
        for which in ("warm-up", "measured"):
            runs.append(benchmark_under_test.run())
            assert _snapshot(tmp_path) == inputs, (
                f"the {which} run changed the files setup() wrote: run() must leave its "
                "inputs as it found them, or the measured run measures something else"
            )
        return runs[0], runs[1]

    def test_is_registered_under_its_name(self) -> None:
        registry = registry_providing(Kind.BENCHMARK, self.benchmark_name)
        assert self.benchmark_name in registry.names(Kind.BENCHMARK)

    def test_describes_itself(self, benchmark_under_test: Benchmark) -> None:
        description = getattr(benchmark_under_test, "description", None)
        assert isinstance(description, str) and description.strip(), (
            "a benchmark has a description: str, which `rustybt benchmark` prints"
        )

    def test_both_runs_report_the_same_metrics(
        self, two_runs: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        warm_up, measured = two_runs
        assert isinstance(measured, dict) and measured, "run() returns {name: Metric, ...}"
        assert sorted(warm_up) == sorted(measured)

    def test_every_metric_is_a_finite_number_with_a_unit_and_a_direction(
        self, two_runs: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        for run in two_runs:
            for name, metric in run.items():
                assert isinstance(name, str) and name, f"metric name {name!r}"
                assert isinstance(metric, Metric), (
                    f"{name} is a {type(metric).__name__}, not a "
                    "rustybt.benchmarks.measurement.Metric"
                )
                assert isinstance(metric.value, int | float) and math.isfinite(metric.value), (
                    f"{name}: {metric.value!r} is not a finite number"
                )
                assert isinstance(metric.unit, str) and metric.unit, f"{name} has no unit"
                assert isinstance(metric.higher_is_better, bool), name

    def test_measures_as_rustybt_benchmark_does_into_json(
        self, benchmark_under_test: Benchmark
    ) -> None:
        result = measure(benchmark_under_test)
        assert json.loads(json.dumps(result)) == result, "the result must survive JSON"
