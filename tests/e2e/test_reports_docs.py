"""docs/reports.md runs as a notebook: its Python blocks (a backtest's summary, plot and
report from Python, and a report of a results file), top to bottom, in one namespace."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "reports.md"
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where the page's commands already wrote ``out/results.parquet``, as a
    reader following the page has."""
    folder = tmp_path_factory.mktemp("reports-page")
    (folder / "out").mkdir()
    run = ("run", "-f", str(REPO / "examples" / "sma_crossover.py"), "--start", "2005-01-03")
    written = subprocess.run(
        [sys.executable, "-m", "rustybt", *run, "--end", "2012-12-31", "-o", "out/results.parquet"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RUSTYBT_DATA_DIR": str(folder / "data")},
    )
    assert written.returncode == 0, written.stderr
    return folder


def test_the_pages_python_blocks_run_and_write_the_report(workdir: Path) -> None:
    assert any(
        "result.report(" in block.code for block in doc_commands.python_blocks(PAGE.read_text())
    )
    namespace = doc_commands.run_python_blocks(PAGE, workdir, REPO)
    assert namespace["result"]._repr_html_().startswith("<")
    page = (workdir / "out" / "report.html").read_text()
    assert 'id="chart-equity"' in page and 'id="metrics-table"' in page


def test_the_page_shows_each_kind_of_reports_screenshot() -> None:
    images = re.findall(r"\]\((images/[\w-]+\.png)\)", PAGE.read_text())
    assert images == [
        "images/report-backtest.png",
        "images/report-sweep.png",
        "images/report-compare.png",
    ]
    assert all((PAGE.parent / image).stat().st_size > 10_000 for image in images)
