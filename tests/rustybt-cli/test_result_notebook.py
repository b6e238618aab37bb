"""A backtest's result in a notebook: its summary table, its equity chart and its report.

Here rather than under rustybt-core: plotly comes with the CLI (``rustybt-core[report]``),
and the core package's own tests run without its optional extras."""

from __future__ import annotations

import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from rustybt.backtest import run_backtest
from rustybt.engine.results import BacktestResult
from rustybt.report import write_report

REPO = Path(__file__).resolve().parents[2]
SMA_PARAMS = REPO / "examples" / "sma_params.py"


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    """The SMA crossover with parameters over 2005-2007, fast window 10."""
    return run_backtest(SMA_PARAMS, start="2005-01-03", end="2007-12-31", params={"fast": 10})


def table_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td></tr>", page)


def test_the_repr_shows_the_period_and_the_summary_rustybt_run_prints(result) -> None:
    page = result._repr_html_()
    assert "<caption>Backtest, 2005-01-03 to 2007-12-31</caption>" in page
    summary = table_rows(page)[: len(result.summary.rows())]
    assert summary == result.summary.rows()
    assert ("Sharpe ratio", f"{result.summary.sharpe:.2f}") in summary
    assert ("Trades", str(len(result.transactions))) in summary


def test_the_repr_lists_the_parameters_the_run_used(result) -> None:
    parameters = table_rows(result._repr_html_())[len(result.summary.rows()) :]
    assert parameters == [
        ("Parameter fast", "10"),
        ("Parameter slow", "50"),
        ("Parameter weight", "0.95"),
        ("Parameter long_only", "true"),
        ("Parameter asset", "AAPL"),
        ("Parameter trade_from", "2005-01-03"),
    ]


def test_plot_draws_the_equity_curve_against_the_benchmark(result) -> None:
    figure = result.plot()
    assert isinstance(figure, go.Figure)
    strategy, benchmark = figure.data
    assert (strategy.name, benchmark.name) == ("Strategy", "Benchmark")
    assert list(strategy.y) == pytest.approx(result.frame["algorithm_period_return"].tolist())
    assert strategy.x[0] == "2005-01-03" and strategy.x[-1] == "2007-12-31"
    assert len(benchmark.y) == len(result.frame)


def test_report_writes_the_page_rustybt_report_makes_of_the_saved_file(result, tmp_path) -> None:
    results_file = result.write_parquet(tmp_path / "results.parquet")
    from_file = write_report(results_file, tmp_path / "from-file.html").read_text()
    in_memory = result.report(tmp_path / "in-memory.html").read_text()
    # The page of a file names it in the header; the page of a run in memory has no file.
    named = from_file.replace(": results.parquet", "").replace(f", from {results_file}", "")
    assert named != from_file
    assert in_memory == named


def test_report_into_a_missing_directory_is_a_config_error(result, tmp_path) -> None:
    from rustybt.errors import ConfigError

    target = tmp_path / "missing" / "report.html"
    with pytest.raises(ConfigError, match=r"directory .* does not exist"):
        result.report(target)
    assert not target.parent.exists()
