"""`rustybt report sweep.parquet -o sweep.html`: one offline page of a sweep's table: the
objective over two parameters, parallel coordinates, every run and the walk-forward folds."""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import plotly
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rustybt.report import load_sweep_table, write_sweep_report
from rustybt.sweep.metrics import METRICS

REPO = Path(__file__).resolve().parents[2]


def write_sweep(
    path: Path,
    rows: list[dict[str, Any]] | pd.DataFrame,
    params: list[str],
    objective: str = "sharpe",
) -> Path:
    """A sweep table as `rustybt sweep -o` writes it: ``rows`` (run, parameters and any
    metrics given; the others NaN) with the b"rustybt.sweep" schema metadata."""
    frame = pd.DataFrame(rows)
    for name in METRICS:
        frame[name] = frame[name].astype("float64") if name in frame else math.nan
    table = pa.Table.from_pandas(frame, preserve_index=False)
    described = {"params": params, "metrics": list(METRICS), "objective": objective}
    metadata = {**(table.schema.metadata or {}), b"rustybt.sweep": json.dumps(described).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    return path


def grid_rows() -> list[dict[str, Any]]:
    """fast x slow x weight, run numbers in grid order; sharpe = fast/10 - slow/100 +
    weight, so the best weight is always 1.0; run 5 failed (sharpe NaN)."""
    rows = []
    points = itertools.product([10, 20, 30], [50, 100], [0.5, 1.0])
    for run, (fast, slow, weight) in enumerate(points):
        sharpe = math.nan if run == 5 else fast / 10 - slow / 100 + weight
        rows.append(
            {
                "run": run,
                "fast": fast,
                "slow": slow,
                "weight": weight,
                "sharpe": sharpe,
                "sortino": -float(run),
                "trades": float(run),
            }
        )
    return rows


def chart(page: str, chart_id: str) -> dict:
    """The figure of ``chart_id`` on ``page``, as the page's script reads it."""
    found = re.search(rf'data-chart="{chart_id}">(.*?)</script>', page, re.S)
    assert found, f"no {chart_id} on the page"
    return json.loads(found.group(1))


def runs(page: str, table: str = "runs-table", row: str = "rustybt-run") -> list[str]:
    """The data-run of each row of ``table``, top to bottom."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S).group(1)
    return re.findall(rf'<tr class="{row}"[^>]*data-run="(\d+)"', body)


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return write_sweep(tmp_path / "sweep.parquet", grid_rows(), ["fast", "slow", "weight"])


def report(rustybt, sweep: Path, *options: str) -> str:
    page = sweep.with_name("sweep.html")
    outcome = rustybt("report", str(sweep), "-o", str(page), *options)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.strip() == f"Report written to {page}"
    return page.read_text(encoding="utf-8")


def test_the_page_is_offline_with_a_heatmap_parallel_coordinates_and_the_runs(
    rustybt, sweep: Path
) -> None:
    page = report(rustybt, sweep)
    assert plotly.offline.get_plotlyjs() in page
    assert re.findall(r'<div class="rustybt-chart" id="([\w-]+)"', page) == [
        "chart-sweep-heatmap",
        "chart-sweep-parallel",
    ]
    assert "<h1>Sweep report: sweep.parquet</h1>" in page
    assert "best 3.50 (run 9: fast=30, slow=50, weight=1)" in page


def test_the_heatmap_shows_the_best_over_the_other_parameters(rustybt, sweep: Path) -> None:
    heatmap = chart(report(rustybt, sweep), "chart-sweep-heatmap")["data"][0]
    assert (heatmap["x"], heatmap["y"]) == (["10", "20", "30"], ["50", "100"])
    # weight 1.0 wins everywhere but at fast=20, slow=50, whose weight=1.0 run (5) failed.
    assert heatmap["z"] == [[1.5, 2.0, 3.5], [1.0, 2.0, 3.0]]
    assert heatmap["text"][0] == ["1.50", "2.00", "3.50"]


def test_x_and_y_choose_the_heatmaps_parameters(rustybt, sweep: Path) -> None:
    page = report(rustybt, sweep, "--x", "weight", "--y", "fast")
    heatmap = chart(page, "chart-sweep-heatmap")["data"][0]
    assert (heatmap["x"], heatmap["y"]) == (["0.5", "1"], ["10", "20", "30"])
    assert heatmap["z"] == [[1.0, 1.5], [2.0, 2.0], [3.0, 3.5]]
    assert "<h2>Sharpe ratio over weight and fast (best over slow)</h2>" in page


def test_parallel_coordinates_run_through_every_parameter_and_the_objective(
    rustybt, sweep: Path
) -> None:
    [parcoords] = chart(report(rustybt, sweep), "chart-sweep-parallel")["data"]
    labels = [dimension["label"] for dimension in parcoords["dimensions"]]
    assert labels == ["fast", "slow", "weight", "Sharpe ratio"]
    assert len(parcoords["dimensions"][0]["values"]) == 11  # the failed run has no line
    assert parcoords["line"]["color"] == parcoords["dimensions"][-1]["values"]


def test_the_runs_table_ranks_by_the_objective_failed_runs_last(rustybt, sweep: Path) -> None:
    page = report(rustybt, sweep)
    assert runs(page) == ["9", "8", "11", "10", "4", "7", "1", "6", "0", "3", "2", "5"]
    best = re.search(r'<tr class="rustybt-run" data-run="9">(.*?)</tr>', page).group(1)
    assert '<td class="number" data-column="sharpe" data-value="3.5">3.50</td>' in best
    failed = re.search(r'<tr class="rustybt-run" data-run="5">(.*?)</tr>', page).group(1)
    assert '<td class="number" data-column="sharpe" data-value="">n/a</td>' in failed


def test_objective_ranks_and_draws_another_metric(rustybt, sweep: Path) -> None:
    page = report(rustybt, sweep, "--objective", "sortino")
    assert runs(page)[:3] == ["0", "1", "2"]  # sortino = -run
    heatmap = chart(page, "chart-sweep-heatmap")["data"][0]
    assert heatmap["z"][0] == [-0.0, -4.0, -8.0]


def test_a_sweep_of_one_parameter_draws_a_line(rustybt, tmp_path: Path) -> None:
    rows = [{"run": run, "fast": fast, "sharpe": fast / 10} for run, fast in enumerate([30, 10])]
    sweep = write_sweep(tmp_path / "sweep.parquet", rows, ["fast"])
    page = report(rustybt, sweep)
    line = chart(page, "chart-sweep-line")["data"][0]
    assert (line["x"], line["y"]) == (["10", "30"], [1.0, 3.0])
    outcome = rustybt("report", str(sweep), "-o", str(tmp_path / "s.html"), "--y", "fast")
    assert outcome.exit_code == 1
    assert outcome.stderr.strip() == (
        "error: --y fast: the sweep has one parameter, drawn as a line; give --x alone"
    )


def test_text_and_boolean_parameters_are_labelled_axes(tmp_path: Path) -> None:
    rows = [
        {"run": run, "asset": asset, "long_only": flag, "sharpe": float(run)}
        for run, (asset, flag) in enumerate(itertools.product(["MSFT", "AAPL"], [True, False]))
    ]
    sweep = write_sweep(tmp_path / "sweep.parquet", rows, ["asset", "long_only"])
    page = write_sweep_report(sweep, tmp_path / "sweep.html").read_text()
    asset, long_only, _ = chart(page, "chart-sweep-parallel")["data"][0]["dimensions"]
    assert asset["ticktext"] == ["AAPL", "MSFT"] and asset["values"] == [1, 1, 0, 0]
    assert long_only["ticktext"] == ["False", "True"] and long_only["values"] == [1, 0, 1, 0]
    assert chart(page, "chart-sweep-heatmap")["data"][0]["z"] == [[3.0, 1.0], [2.0, 0.0]]


def test_walk_forward_folds_get_their_out_of_sample_table(rustybt, tmp_path: Path) -> None:
    rows = []
    for fold in (0, 1):
        for offset, fast in enumerate((10, 20)):
            sharpe = fast / 10 + fold
            rows.append(
                {
                    "run": fold * 3 + offset,
                    "fold": fold,
                    "phase": "train",
                    "start": "2005-01-03",
                    "end": "2006-12-29",
                    "fast": fast,
                    "slow": 50,
                    "sharpe": sharpe,
                }
            )
        rows.append(
            {
                "run": fold * 3 + 2,
                "fold": fold,
                "phase": "test",
                "start": "2007-01-03",
                "end": "2007-12-31",
                "fast": 20,
                "slow": 50,
                "sharpe": -1.0 - fold,
            }
        )
    sweep = write_sweep(tmp_path / "sweep.parquet", rows, ["fast", "slow"])
    page = report(rustybt, sweep)
    assert runs(page, "folds-table", "rustybt-fold") == ["2", "5"]
    fold = re.search(r'<tr class="rustybt-fold" data-fold="1" data-run="5">(.*?)</tr>', page)
    assert 'data-column="in_sample_sharpe" data-value="3.0"' in fold.group(1)
    assert 'data-column="sharpe" data-value="-2.0"' in fold.group(1)
    # In sample, each parameter set's objective is its mean over the folds.
    assert chart(page, "chart-sweep-heatmap")["data"][0]["z"] == [[1.5, 2.5]]
    assert "2 walk-forward folds" in page


def test_a_dataframe_with_the_metadata_in_attrs_makes_the_same_page(
    sweep: Path, tmp_path: Path
) -> None:
    frame = pd.read_parquet(sweep)
    frame.attrs["sweep"] = json.loads(pq.read_schema(sweep).metadata[b"rustybt.sweep"])
    from_memory = write_sweep_report(frame, tmp_path / "memory.html").read_text()
    from_file = write_sweep_report(sweep, tmp_path / "file.html").read_text()
    assert from_memory.replace("Sweep report", "") == (
        from_file.replace("Sweep report: sweep.parquet", "").replace(f"; from {sweep}", "")
    )
    assert load_sweep_table(sweep).params == ("fast", "slow", "weight")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--objective", "profit"],
            "objective profit is not a metric of the sweep table: give "
            "one of total_return, cagr, sharpe, sortino, calmar, max_drawdown, trades, win_rate, "
            "exposure",
        ),
        (
            ["--x", "slower"],
            "--x slower is not a parameter of the sweep: give one of fast, slow, weight",
        ),
        (
            ["--x", "fast", "--y", "fast"],
            "--x and --y are both fast: give two different parameters",
        ),
    ],
)
def test_a_wrong_objective_or_axis_is_one_line_and_no_report(
    rustybt, sweep: Path, options: list[str], message: str
) -> None:
    target = sweep.with_name("sweep.html")
    outcome = rustybt("report", str(sweep), "-o", str(target), *options)
    assert outcome.exit_code == 1
    assert outcome.stderr.strip() == f"error: {message}"
    assert not target.exists()


def test_asset_on_a_sweep_is_a_usage_error(rustybt, sweep: Path) -> None:
    outcome = rustybt("report", str(sweep), "-o", str(sweep.with_name("s.html")), "--asset", "X")
    assert outcome.exit_code == 2
    assert f"{sweep} is a sweep table; --asset applies to a backtest's results file" in (
        outcome.stderr
    )


def test_a_sweep_table_without_its_columns_is_one_line(rustybt, tmp_path: Path) -> None:
    sweep = write_sweep(tmp_path / "sweep.parquet", grid_rows(), ["fast", "slow", "width"])
    outcome = rustybt("report", str(sweep), "-o", str(tmp_path / "s.html"))
    assert outcome.exit_code == 1
    assert outcome.stderr.strip() == (
        f"error: {sweep} is not a sweep table of `rustybt sweep -o`: it lacks the columns "
        "width its metadata names"
    )


def test_a_sweep_with_no_runs_is_one_line(rustybt, tmp_path: Path) -> None:
    sweep = write_sweep(tmp_path / "sweep.parquet", pd.DataFrame(grid_rows()).iloc[:0], ["fast"])
    outcome = rustybt("report", str(sweep), "-o", str(tmp_path / "s.html"))
    assert outcome.exit_code == 1
    assert "holds no runs: there is nothing to report" in outcome.stderr


def test_the_report_of_a_sweep_rustybt_sweep_made(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.parquet"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "rustybt",
            "sweep",
            "-f",
            str(REPO / "examples" / "sma_params.py"),
            "--start",
            "2005-01-03",
            "--end",
            "2006-12-29",
            "--grid",
            "fast=10:20:10",
            "--grid",
            "slow=50,100",
            "--jobs",
            "1",
            "-o",
            str(sweep),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    page = tmp_path / "sweep.html"
    written = subprocess.run(
        [
            sys.executable,
            "-m",
            "rustybt",
            "report",
            str(sweep),
            "-o",
            str(page),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0, written.stderr
    assert json.loads(written.stdout) == {
        "results": str(sweep),
        "kind": "sweep",
        "report": str(page),
    }
    table = pd.read_parquet(sweep)
    best = table.sort_values(["sharpe", "run"], ascending=[False, True])["run"].astype(str)
    text = page.read_text(encoding="utf-8")
    assert runs(text) == best.tolist()
    assert len(chart(text, "chart-sweep-heatmap")["data"][0]["z"]) == 2
