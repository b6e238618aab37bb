"""`rustybt report`: one offline HTML page of a backtest's results file."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import plotly
import pytest
from rustybt.analytics import risk
from rustybt.report import metrics_rows

REPO = Path(__file__).resolve().parents[2]
SMA_CROSSOVER = REPO / "examples" / "sma_crossover.py"
CHART_IDS = (
    "chart-equity",
    "chart-drawdown",
    "chart-monthly-returns",
    "chart-annual-returns",
    "chart-rolling-sharpe",
    "chart-rolling-volatility",
    "chart-rolling-beta",
    "chart-exposure",
    "chart-positions",
    "chart-price-fills",
)


class Page(HTMLParser):
    """What a browser would fetch or draw from a page: the attributes of every tag, and the
    text of each chart's JSON block by chart id (script bodies are not parsed as tags)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chart_data: dict[str, str] = {}
        self._chart: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script" and attributes.get("class") == "rustybt-chart-data":
            self._chart = attributes["data-chart"]
            self.chart_data[self._chart] = ""

    def handle_data(self, data: str) -> None:
        if self._chart is not None:
            self.chart_data[self._chart] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._chart = None

    def with_id(self, element_id: str) -> list[str]:
        return [tag for tag, attributes in self.tags if attributes.get("id") == element_id]


@pytest.fixture(scope="module")
def backtest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """The SMA crossover's results file over 2005-2012, and its summary as `run` printed it."""
    results = tmp_path_factory.mktemp("backtest") / "results.parquet"
    run = ("run", "-f", str(SMA_CROSSOVER), "--start", "2005-01-03", "--end", "2012-12-31")
    completed = subprocess.run(
        [sys.executable, "-m", "rustybt", *run, "-o", str(results), "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return results, json.loads(completed.stdout)["summary"]


@pytest.fixture(scope="module")
def page(backtest: tuple[Path, dict[str, float]]) -> str:
    """The report of the SMA crossover's backtest, as `rustybt report` wrote it."""
    results, _ = backtest
    report = results.with_name("report.html")
    completed = subprocess.run(
        [sys.executable, "-m", "rustybt", "report", str(results), "-o", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"Report written to {report}"
    return report.read_text(encoding="utf-8")


def test_the_page_carries_plotly_js_inline_and_fetches_nothing(page: str) -> None:
    assert plotly.offline.get_plotlyjs() in page
    fetched = [
        value
        for _, attributes in Page(page).tags
        for name, value in attributes.items()
        if name in {"src", "href", "data", "action", "poster"} and value
    ]
    assert not [value for value in fetched if re.match(r"\s*(https?:)?//", value)], fetched


def test_every_chart_has_one_div_and_its_data(page: str, backtest) -> None:
    parsed = Page(page)
    frame = pd.read_parquet(backtest[0])
    assert list(parsed.chart_data) == list(CHART_IDS)
    for chart in CHART_IDS:
        assert parsed.with_id(chart) == ["div"], chart
        figure = json.loads(parsed.chart_data[chart])
        assert figure["data"], chart
    equity = json.loads(parsed.chart_data["chart-equity"])["data"]
    assert [trace["name"] for trace in equity] == ["Strategy", "Benchmark"]
    assert equity[0]["x"][0] == "2005-01-03" and equity[0]["x"][-1] == "2012-12-31"
    assert equity[0]["y"] == pytest.approx(frame["algorithm_period_return"].tolist())
    drawdown = json.loads(parsed.chart_data["chart-drawdown"])["data"][0]["y"]
    assert min(drawdown) == pytest.approx(backtest[1]["max_drawdown"])
    annual = json.loads(parsed.chart_data["chart-annual-returns"])["data"][0]
    assert annual["x"] == [str(year) for year in range(2005, 2013)]
    growth = 1.0
    for value in annual["y"]:
        growth *= 1.0 + value
    assert growth - 1.0 == pytest.approx(backtest[1]["total_return"])
    heatmap = json.loads(parsed.chart_data["chart-monthly-returns"])["data"][0]
    assert len(heatmap["z"]) == 8 and all(len(row) == 12 for row in heatmap["z"])


def test_the_metrics_table_holds_the_runs_summary(page: str, backtest) -> None:
    _, summary = backtest
    shown = dict(re.findall(r'<tr data-metric="(\w+)">.*?data-value="([^"]*)"', page))
    for name in ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown"):
        assert float(shown[name]) == summary[name], name
    assert float(shown["trades"]) == summary["trades"]
    sharpe = f'data-value="{summary["sharpe"]!r}">{summary["sharpe"]:.2f}</td>'
    assert sharpe in page


def test_the_metrics_table_holds_empyrical_s_risk_figures_of_the_daily_returns(
    page: str, backtest
) -> None:
    results, _ = backtest
    frame = pd.read_parquet(results)
    growth = 1.0 + frame["benchmark_period_return"].to_numpy()
    benchmark = growth / np.concatenate([[1.0], growth[:-1]]) - 1.0
    figures = risk.summary(frame["returns"].to_numpy(), benchmark)
    shown = dict(re.findall(r'<tr data-metric="(\w+)">.*?data-value="([^"]*)"', page))
    assert float(shown["calmar"]) == figures["calmar_ratio"]
    assert float(shown["tail_ratio"]) == figures["tail_ratio"]
    assert float(shown["value_at_risk"]) == figures["value_at_risk"]
    # The sample run's benchmark returns 0 every session: no beta to measure against it.
    assert (shown["beta"], shown["alpha"]) == ("", "")


def test_the_metrics_table_takes_any_metrics_by_name() -> None:
    rows = metrics_rows({"information_ratio": 1.25, "sortino": math.inf, "sharpe": None})
    assert [(row.name, row.label, row.text) for row in rows] == [
        ("sharpe", "Sharpe ratio", "n/a"),
        ("sortino", "Sortino ratio", "inf"),
        ("information_ratio", "Information ratio", "1.2500"),
    ]


def test_the_trades_table_lists_every_fill(page: str, backtest) -> None:
    _, summary = backtest
    assert page.count('<tr class="rustybt-trade">') == summary["trades"]
    first = re.search(r'<tr class="rustybt-trade">(.*?)</tr>', page).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", first)[:3] == ["2005-01-04 21:00:00", "AAPL", "1501"]


def test_a_missing_results_file_is_one_line_and_no_report(rustybt, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = rustybt("report", str(tmp_path / "nope.parquet"), "-o", str(report))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: results file {tmp_path / 'nope.parquet'} does not exist: write one with "
        f"`rustybt run ... -o {tmp_path / 'nope.parquet'}`"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_parquet_is_one_line_and_no_report(rustybt, tmp_path: Path) -> None:
    bogus = tmp_path / "results.parquet"
    bogus.write_text("date,close\n2020-01-02,10\n")
    report = tmp_path / "report.html"
    result = rustybt("report", str(bogus), "-o", str(report))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bogus} is not a results file: it cannot be read as")
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.parquet"]


def test_a_parquet_file_of_other_columns_is_not_a_results_file(rustybt, tmp_path: Path) -> None:
    other = tmp_path / "bars.parquet"
    pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex(["2020-01-02"], tz="UTC")).to_parquet(
        other
    )
    result = rustybt("report", str(other), "-o", str(tmp_path / "report.html"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {other} is neither a results file of `rustybt run -o` nor a sweep table of "
        "`rustybt sweep -o`: it lacks portfolio_value, returns, starting_cash, "
        "algorithm_period_return, benchmark_period_return, gross_leverage, net_leverage, "
        "transactions"
    )
    assert not (tmp_path / "report.html").exists()


def test_an_empty_run_is_one_line_and_leaves_the_old_report(rustybt, backtest, tmp_path) -> None:
    empty = tmp_path / "empty.parquet"
    pd.read_parquet(backtest[0]).iloc[:0].to_parquet(empty)
    report = tmp_path / "report.html"
    report.write_text("the previous report")
    result = rustybt("report", str(empty), "-o", str(report))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {empty} holds no sessions: there is nothing to report"
    assert report.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.parquet", "report.html"]


def test_a_report_into_a_missing_directory_fails_cleanly(rustybt, backtest, tmp_path) -> None:
    target = tmp_path / "missing" / "report.html"
    result = rustybt("report", str(backtest[0]), "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cannot write {target}: directory {target.parent} does not exist"
    )
