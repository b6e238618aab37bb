"""`rustybt benchmark`: every registered benchmark, pure JSON on stdout when asked."""

from __future__ import annotations

import json
from pathlib import Path

BACKTEST_BENCHMARKS = {
    "backtest-w1-daily-1-asset-20y",
    "backtest-w2-daily-100-assets-10y",
    "backtest-m1-minute-1-asset-1y",
    "backtest-m10-minute-10-assets-1mo",
    "backtest-w1-daily-1-asset-20y-numpy",
    "backtest-w2-daily-100-assets-10y-numpy",
    "backtest-m1-minute-1-asset-1y-numpy",
    "backtest-daily-1-asset-20y-tuned",
    "backtest-daily-100-assets-10y-tuned",
    "backtest-minute-1-asset-1y-tuned",
}


def test_json_report_names_each_benchmark_with_throughput_and_memory(
    rustybt, tmp_path: Path
) -> None:
    saved = tmp_path / "bench.json"
    result = rustybt(
        "benchmark",
        "--suite",
        "backtest-",
        "--scale",
        "0.01",
        "--repeat",
        "1",
        "--output",
        "json",
        "--save",
        str(saved),
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload == json.loads(saved.read_text())
    assert payload["machine"]["cores"] >= 1
    reports = {report["name"]: report for report in payload["benchmarks"]}
    assert set(reports) == BACKTEST_BENCHMARKS
    for report in reports.values():
        throughput = report["metrics"]["bars_per_second"]
        assert throughput["median"] > 0 and throughput["higher_is_better"] is True
        # The simulation is the run without its loading: never fewer bars per second.
        assert report["metrics"]["sim_bars_per_second"]["median"] >= throughput["median"]
        assert report["metrics"]["seconds"]["higher_is_better"] is False
        assert report["peak_memory_mb"] > 0
        # A numpy-form row also times its strategy's own work with no engine: a ceiling.
        bare = report["metrics"].get("bare_loop_bars_per_second")
        if report["name"].endswith("-numpy"):
            assert bare["median"] > report["metrics"]["sim_bars_per_second"]["median"]
        else:
            assert bare is None


def test_suites_select_benchmarks_by_name_prefix(rustybt) -> None:
    suites = ("--suite", "ledger", "--suite", "data-load")
    result = rustybt("benchmark", *suites, "--scale", "0.01", "--repeat", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "running data-load-bar-store (1/1)",
        "running ledger-update (1/1)",
    ]
    rows = [line.split("│")[1:3] for line in result.stdout.splitlines() if "│" in line]
    assert [(name.strip(), metric.strip()) for name, metric in rows] == [
        ("data-load-bar-store", "rows_per_second"),
        ("data-load-bar-store", "seconds"),
        ("ledger-update", "fill_us"),
        ("ledger-update", "valuation_us"),
    ]
    assert " µs " in result.stdout


def test_an_unknown_suite_is_an_error(rustybt) -> None:
    result = rustybt("benchmark", "--suite", "nothing-like-this")
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        "error: no benchmark matches nothing-like-this",
    )
