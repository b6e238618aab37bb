"""The pipeline benchmark: its bars suit both engines, it reports its figures, and with
zipline's python named it measures zipline's engine on the same bars."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from rustybt.benchmarks.pipeline_throughput import (
    ORACLE_PYTHON,
    PipelineThroughput,
    benchmark_bars,
    make_pipeline,
    pipeline_500_assets_10y,
    write_zipline_csvs,
)
from rustybt.calendars import get_calendar
from rustybt.errors import ConfigError
from rustybt.pipeline import run_pipeline
from rustybt.plugins import Kind, LazyFactory, PluginRegistry
from rustybt.testing import check_benchmark

NAME = "pipeline-500-assets-10y"
OURS = {"cells_per_second": ("cells/s", True), "seconds": ("s", False)}
WITH_ZIPLINE = OURS | {
    "zipline_seconds": ("s", False),
    "zipline_peak_memory_mb": ("MB", False),
    "speedup_vs_zipline": ("×", True),
}
DAYS = get_calendar("XNYS").sessions(pd.Timestamp("2013-01-02"), pd.Timestamp("2023-12-29"))


def test_the_benchmark_is_registered_lazily_under_the_pipeline_suite(
    plugin_registry: PluginRegistry,
) -> None:
    registration = plugin_registry.registration(Kind.BENCHMARK, NAME)
    assert isinstance(registration.factory, LazyFactory)
    assert registration.plugin == "benchmarks"


def test_full_scale_is_500_assets_over_ten_years_with_its_target_in_the_description(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ORACLE_PYTHON, raising=False)
    benchmark = pipeline_500_assets_10y()
    assert (benchmark.assets, benchmark.sessions, benchmark.oracle_python) == (500, 2516, None)
    assert "at least 3x zipline-reloaded's speed, peak memory under 1 GB" in (benchmark.description)


def test_the_bars_stay_within_what_a_zipline_bundle_stores_exactly() -> None:
    bars = benchmark_bars("SYN0007", DAYS, seed=6)
    prices = bars[["open", "high", "low", "close"]]
    assert prices.to_numpy().max() <= 1000.0
    assert prices.round(3).equals(prices)  # tenths of a cent, as the bundle stores them
    assert (bars["high"] >= prices.max(axis=1)).all() and (bars["low"] <= prices.min(axis=1)).all()
    assert bars.equals(benchmark_bars("SYN0007", DAYS, seed=6))


def test_zipline_reads_the_same_bars_from_its_csv_folder(tmp_path: Path) -> None:
    bars = benchmark_bars("SYN0001", DAYS[:30], seed=0)
    folder = write_zipline_csvs(tmp_path, {"SYN0001": bars})
    written = pd.read_csv(folder / "daily" / "SYN0001.csv")
    assert list(written.columns) == ["date", "open", "high", "low", "close", "volume"]
    assert written["date"].iloc[0] == "2013-01-02"
    for column in ("open", "high", "low", "close", "volume"):
        assert written[column].tolist() == bars[column].tolist()


def test_the_benchmark_reports_cells_per_second_and_seconds(
    plugin_registry: PluginRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ORACLE_PYTHON, raising=False)
    values = check_benchmark(plugin_registry, NAME, plugin="benchmarks", metrics=OURS)
    # scale 0.01: 5 assets over the first 60 sessions
    assert values["cells_per_second"] * values["seconds"] == pytest.approx(5 * 60)


def test_a_zipline_python_that_is_not_there_is_one_clear_error(tmp_path: Path) -> None:
    benchmark = PipelineThroughput(
        assets=1, sessions=60, description="d", oracle_python=str(tmp_path / "no-python")
    )
    with pytest.raises(ConfigError, match=r"RUSTYBT_ZIPLINE_PYTHON=.*no-python is not a file"):
        benchmark.setup(tmp_path)


@pytest.mark.skipif(not os.environ.get(ORACLE_PYTHON), reason=f"{ORACLE_PYTHON} is not set")
def test_with_zipline_named_both_engines_compute_the_same_frame(
    plugin_registry: PluginRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUSTYBT_DATA_DIR", str(tmp_path / "data"))  # the bundle's cache
    values = check_benchmark(
        plugin_registry, NAME, plugin="benchmarks", metrics=WITH_ZIPLINE, scale=0.02
    )
    assert values["speedup_vs_zipline"] == pytest.approx(
        values["zipline_seconds"] / values["seconds"]
    )
    benchmark = pipeline_500_assets_10y(scale=0.02)
    benchmark.setup(tmp_path)  # the bundle is cached now: zipline reads it, not the CSVs
    assert benchmark.zipline is not None and benchmark.run_sessions is not None
    ours = run_pipeline(
        make_pipeline(),
        benchmark.run_sessions[0],
        benchmark.run_sessions[-1],
        source="files",
        data_dir=benchmark.data_dir,
    )
    assert len(ours) == benchmark.zipline["rows"] == 10 * 60
    sums = {name: float(column.sum()) for name, column in ours.items()}
    assert sums == pytest.approx(benchmark.zipline["sums"], rel=1e-9)
