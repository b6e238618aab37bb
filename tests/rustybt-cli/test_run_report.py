"""`rustybt run --report`: the run writes its own HTML report, no results file needed."""

from __future__ import annotations

import json
from pathlib import Path

from rustybt.backtest import run_backtest
from rustybt.report import write_report

REPO = Path(__file__).resolve().parents[2]
SMA_CROSSOVER = REPO / "examples" / "sma_crossover.py"
PERIOD = ("--start", "2005-01-03", "--end", "2006-12-29")


def test_run_writes_the_report_of_the_run_it_made(rustybt, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = rustybt("run", "-f", str(SMA_CROSSOVER), *PERIOD, "--report", str(report))
    assert result.exit_code == 0, result.stderr
    assert f"Report written to {report}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    # The page `rustybt report` makes of the same run's results file, but for its name.
    run = run_backtest(SMA_CROSSOVER, start=PERIOD[1], end=PERIOD[3])
    results_file = run.write_parquet(tmp_path / "results.parquet")
    from_file = write_report(results_file, tmp_path / "from-file.html").read_text()
    named = from_file.replace(": results.parquet", "").replace(f", from {results_file}", "")
    assert report.read_text() == named


def test_json_output_says_where_the_report_went(rustybt, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    args = ("run", "-f", str(SMA_CROSSOVER), *PERIOD, "--report", str(report), "--output", "json")
    result = rustybt(*args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["report"] == str(report)
    assert '<table id="metrics-table">' in report.read_text()


def test_a_report_into_a_missing_directory_fails_before_the_backtest(rustybt, tmp_path) -> None:
    target = tmp_path / "missing" / "report.html"
    results = tmp_path / "results.parquet"
    args = ("run", "-f", str(SMA_CROSSOVER), *PERIOD, "-o", str(results), "--report", str(target))
    result = rustybt(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cannot write the report to {target}: directory {target.parent} does not "
        "exist; create it or give --report another path"
    )
    # Nothing ran: no summary, no results file, no report.
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
