"""The backtest-vs-paper page: a backtest and a paper session of the SMA crossover example
over 2012, the paper broker slipping 15 bp where the backtest models 5.

:func:`make_comparison_report` makes the page from nothing, as the browser test
(tests/e2e/test_report_browser.py) needs of a kind of report.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from rustybt.backtest import run_backtest
from rustybt.errors import ConfigError
from rustybt.report.compare import write_comparison_report

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)
START, END = "2012-01-03", "2012-12-31"
COSTLIER_PAPER = """\
broker:
  type: paper
  slippage: {type: fixed_basis_points, basis_points: 15}
"""
"""The paper broker's config: 15 bp of slippage, 10 more than the backtest's model."""

CHARTS = ("chart-equity-overlay", "chart-fill-differences")
ROWS = ("#comparison-summary tr[data-metric]", "#matched-fills-table tr.rustybt-fill-pair")
"""What the browser test looks for on the page: its charts, and rows of its tables."""


def rustybt(workdir: Path, *args: str, exit_code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``rustybt ARGS`` in ``workdir`` (``examples/`` being the repository's), with a
    data directory of its own; fail the test with its output when it does not exit with
    ``exit_code``."""
    done = doc_commands.run_rustybt(args, workdir, REPO)
    assert done.returncode == exit_code, f"rustybt {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done


def make_comparison_report(workdir: Path) -> Path:
    """The backtest's results (``results.parquet``), the paper session's state and log
    (``paper.sqlite``, ``paper.log``) and their comparison page (``compare.html``), made
    in ``workdir``; returns the page."""
    strategy = ("--strategy", "examples/sma_crossover.py")
    span = ("--start", START, "--end", END)
    rustybt(workdir, "run", "-f", "examples/sma_crossover.py", *span, "-o", "results.parquet")
    (workdir / "paper.yaml").write_text(COSTLIER_PAPER)
    rustybt(
        workdir,
        *("paper-trade", *strategy, "--broker", "paper", "--replay", *span),
        *("--state", "paper.sqlite", "--log-file", "paper.log", "--config", "paper.yaml"),
    )
    rustybt(
        workdir,
        *("report", "results.parquet", "-o", "compare.html"),
        *("--paper-state", "paper.sqlite", "--paper-log", "paper.log"),
    )
    return workdir / "compare.html"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page, in a directory holding what it was made of."""
    return make_comparison_report(tmp_path_factory.mktemp("compare"))


def figure(page: str, chart: str) -> dict:
    found = re.search(rf'data-chart="{chart}">(.*?)</script>', page, re.S)
    assert found is not None, chart
    return json.loads(found.group(1))


def summary(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-metric="(\w+)">.*?data-value="([^"]*)"', page))


def test_the_page_overlays_the_equity_and_shows_each_fill_slipping_10_bp_more(
    made: Path,
) -> None:
    page = made.read_text()

    assert re.findall(r'<div class="rustybt-chart" id="([\w-]+)"', page) == list(CHARTS)
    overlay = figure(page, "chart-equity-overlay")
    names = [trace["name"] for trace in overlay["data"]]
    assert names == ["Backtest", "Session", "Session - backtest"]
    backtest_line, session_line, gap = (trace["y"] for trace in overlay["data"])
    assert len(backtest_line) == len(session_line) == 250  # the NYSE's sessions of 2012
    assert backtest_line[0] == session_line[0] == 100000
    assert session_line[-1] < backtest_line[-1]
    assert gap[-1] == pytest.approx(session_line[-1] - backtest_line[-1])
    bars = figure(page, "chart-fill-differences")["data"][0]["y"]
    assert len(bars) == page.count('class="rustybt-fill-pair"') == 4
    assert bars == pytest.approx([10.0] * 4, abs=0.01)
    figures = summary(page)
    assert [figures[name] for name in ("matched", "missed", "extra")] == ["4", "0", "0"]
    difference = float(figures["final_value_difference"])
    assert difference == pytest.approx(-float(figures["total_cost_difference"]))
    assert '<table id="missed-fills-table"><tr><td>None.</td></tr></table>' in page
    assert '<table id="extra-fills-table"><tr><td>None.</td></tr></table>' in page


def test_the_page_needs_nothing_from_the_network(made: Path) -> None:
    page = made.read_text()

    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert re.findall(r"<link\b", page) == []


def test_a_fill_the_session_missed_and_one_it_added_are_rows_of_their_tables(
    made: Path,
) -> None:
    workdir = made.parent
    crafted = workdir / "crafted.sqlite"
    shutil.copy(workdir / "paper.sqlite", crafted)
    with sqlite3.connect(crafted) as db:
        db.execute("DELETE FROM fills WHERE rowid = (SELECT min(rowid) FROM fills)")
        db.execute(
            "INSERT INTO fills VALUES ('extra-1', 'extra', 'AAPL', '10', '400', '0.01',"
            " '2012-12-20T21:00:00+00:00', 0)"
        )

    page = write_comparison_report(
        workdir / "results.parquet", crafted, workdir / "crafted.html"
    ).read_text()

    assert page.count('class="rustybt-fill-pair"') == 3
    assert page.count('class="rustybt-missed-fill"') == 1
    assert page.count('class="rustybt-extra-fill"') == 1
    assert re.search(r'<tr class="rustybt-extra-fill"><td[^>]*>2012-12-20 21:00</td><td>AAPL', page)


def test_a_run_in_memory_makes_the_page_of_its_results_file(
    made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = made.parent
    monkeypatch.setenv("RUSTYBT_DATA_DIR", str(workdir / "data"))
    result = run_backtest(REPO / "examples" / "sma_crossover.py", start=START, end=END)

    page = write_comparison_report(
        result, workdir / "paper.sqlite", workdir / "memory.html", event_log=workdir / "paper.log"
    ).read_text()

    assert summary(page) == summary(made.read_text())


def test_a_refused_comparison_leaves_the_earlier_page_as_it_was(made: Path) -> None:
    workdir = made.parent
    earlier = made.read_bytes()

    with pytest.raises(ConfigError, match=r"paper.log is not a RustyBT state file"):
        write_comparison_report(workdir / "results.parquet", workdir / "paper.log", made)

    assert made.read_bytes() == earlier
    assert sorted(p.name for p in workdir.iterdir() if p.name.startswith(".")) == []


def test_options_of_other_report_kinds_are_usage_errors_beside_paper_state(made: Path) -> None:
    workdir = made.parent
    compare = ("report", "results.parquet", "-o", "other.html", "--paper-state", "paper.sqlite")
    mixed = rustybt(workdir, *compare, "--x", "fast", exit_code=2)
    assert "--x does not apply to a comparison with --paper-state" in mixed.stderr
    alone = rustybt(workdir, "report", "results.parquet", "-o", "other.html", "--paper-log",
                    "paper.log", exit_code=2)  # fmt: skip
    assert "--paper-log goes with --paper-state" in alone.stderr
    assert not (workdir / "other.html").exists()
