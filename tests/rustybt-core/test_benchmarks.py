"""Benchmarks: the harness warms up before measuring, core's benchmarks register by suite and
report their figures, and reports compare whatever benchmarks each one holds."""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pytest
from rustybt import hookimpl
from rustybt.backtest import run_backtest
from rustybt.benchmarks import Metric, run_benchmarks
from rustybt.benchmarks.backtest_throughput import w2_daily_hundred_assets
from rustybt.benchmarks.compare import compare_reports
from rustybt.benchmarks.measurement import measure
from rustybt.plugins import Kind, LazyFactory, PluginRegistry
from rustybt.testing import check_benchmark

ROWS_PER_SECOND = {"rows_per_second": ("rows/s", True), "seconds": ("s", False)}
CORE_BENCHMARKS = {
    "data-load-bar-store": ROWS_PER_SECOND,
    "data-parse-files-csv": ROWS_PER_SECOND,
    "data-parse-files-parquet": ROWS_PER_SECOND,
    "ledger-update": {"fill_us": ("µs", False), "valuation_us": ("µs", False)},
    "startup-import-api": {"seconds": ("s", False)},
}
BARS_PER_ASSET = 2520  # ten years of weekdays
RUNS = ("runs", True)


@attrs.define
class Recorder:
    """A benchmark that logs its calls, reports which run it is, and allocates on demand."""

    allocate_mb: tuple[int, int] = (0, 0)
    description: str = "records its calls"
    calls: list[str] = attrs.field(factory=list)
    workdir: Path | None = None

    def setup(self, workdir: Path) -> None:
        self.workdir = workdir
        self.calls.append("setup")

    def run(self) -> dict[str, Metric]:
        self.calls.append(f"run in {self.workdir}" if self.workdir.is_dir() else "run")
        run = sum(call.startswith("run") for call in self.calls)
        size = self.allocate_mb[run - 1] * 2**20 // 8
        np.ones(size).sum()  # touched, so resident
        return {"run": Metric(value=run, unit=RUNS[0], higher_is_better=RUNS[1])}


def test_a_benchmark_is_warmed_up_once_then_measured_in_its_workdir() -> None:
    recorder = Recorder()
    result = measure(recorder)
    assert recorder.calls == ["setup", f"run in {recorder.workdir}", f"run in {recorder.workdir}"]
    assert result["metrics"] == {"run": {"value": 2, "unit": "runs", "higher_is_better": True}}
    assert result["description"] == "records its calls"
    assert not recorder.workdir.exists()


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="the peak is reset on Linux only"
)
def test_peak_memory_is_the_measured_runs_not_the_warm_ups() -> None:
    before = _resident_mb()
    warm_heavy = measure(Recorder(allocate_mb=(300, 0)))["peak_memory_mb"]
    measured_heavy = measure(Recorder(allocate_mb=(0, 300)))["peak_memory_mb"]
    assert warm_heavy < before + 150
    assert measured_heavy > before + 250


def test_check_benchmark_fails_on_a_metric_declared_otherwise(
    empty_plugin_registry: PluginRegistry,
) -> None:
    class Plugin:
        @staticmethod
        @hookimpl
        def rustybt_register_benchmarks(register):
            register("recorder", lambda scale=1.0: Recorder())

    empty_plugin_registry.add_plugin("toys", Plugin())
    check_benchmark(empty_plugin_registry, "recorder", plugin="toys", metrics={"run": RUNS})
    with pytest.raises(AssertionError, match=r"recorder reports \{'run': \('runs', True\)\}"):
        check_benchmark(
            empty_plugin_registry, "recorder", plugin="toys", metrics={"run": ("runs", False)}
        )


def test_core_benchmarks_are_registered_lazily(plugin_registry: PluginRegistry) -> None:
    for name in CORE_BENCHMARKS:
        factory = plugin_registry.registration(Kind.BENCHMARK, name).factory
        assert isinstance(factory, LazyFactory)


@pytest.mark.parametrize("name", sorted(CORE_BENCHMARKS))
def test_a_core_benchmark_reports_its_figures_with_units_and_direction(
    plugin_registry: PluginRegistry, name: str
) -> None:
    values = check_benchmark(
        plugin_registry, name, plugin="benchmarks", metrics=CORE_BENCHMARKS[name]
    )
    if "rows_per_second" in values:  # scale 0.01: one asset, all of its bars
        assert values["rows_per_second"] * values["seconds"] == pytest.approx(BARS_PER_ASSET)


def test_run_benchmarks_measures_each_repeat_in_a_child_process() -> None:
    (report,) = run_benchmarks(["ledger-update"], repeat=2, scale=0.01)
    assert report.repeat == 2
    fill = report.metrics["fill_us"]
    assert 0 < fill["min"] <= fill["median"] <= fill["max"]
    assert (fill["unit"], fill["higher_is_better"]) == ("µs", False)
    assert report.peak_memory_mb > 0


def _report(*benchmarks: tuple[str, float]) -> dict:
    return {
        "benchmarks": [
            {
                "name": name,
                "metrics": {
                    "rows_per_second": {
                        "median": value,
                        "unit": "rows/s",
                        "higher_is_better": True,
                    }
                },
            }
            for name, value in benchmarks
        ]
    }


def test_benchmarks_in_one_report_only_are_listed_and_never_regressions() -> None:
    baseline = _report(("data-load-bar-store", 100.0), ("retired", 5.0))
    current = _report(("data-load-bar-store", 50.0), ("data-parse-ccxt", 1.0))
    comparison = compare_reports(baseline, current, threshold=0.2)
    assert [(c.benchmark, c.regression) for c in comparison.changes] == [
        ("data-load-bar-store", True)
    ]
    assert comparison.only_in_baseline == ("retired",)
    assert comparison.only_in_current == ("data-parse-ccxt",)
    assert comparison.to_dict()["only_in_current"] == ["data-parse-ccxt"]


def test_the_user_style_w2_row_trades_most_of_its_hundred_assets(tmp_path: Path) -> None:
    workload = w2_daily_hundred_assets(scale=0.05)
    workload.setup(tmp_path)
    result = run_backtest(
        workload.algorithm(),
        start=workload.run_sessions[0],
        end=workload.run_sessions[-1],
        capital_base=1_000_000,
        source="files",
        data_dir=workload.data_dir,
    )
    traded = {fill.asset.symbol for fill in result.transactions}
    assert len(traded) > 50
    assert workload.bars == 100 * len(workload.run_sessions)
