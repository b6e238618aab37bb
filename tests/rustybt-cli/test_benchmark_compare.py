"""`rustybt benchmark compare`: a regression beyond the threshold fails, noise does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BASELINE = {
    "machine": {"cores": 2},
    "scale": 1.0,
    "benchmarks": [
        {
            "name": "backtest-daily-100-assets-10y",
            "description": "SMA crossover",
            "repeat": 3,
            "peak_memory_mb": 290.0,
            "metrics": {
                "bars_per_second": {
                    "median": 100_000.0,
                    "min": 99_000.0,
                    "max": 101_000.0,
                    "unit": "bars/s",
                    "higher_is_better": True,
                },
                "seconds": {
                    "median": 2.52,
                    "min": 2.5,
                    "max": 2.55,
                    "unit": "s",
                    "higher_is_better": False,
                },
            },
        }
    ],
}


def slowed(factor: float) -> dict:
    report = copy.deepcopy(BASELINE)
    metrics = report["benchmarks"][0]["metrics"]
    metrics["bars_per_second"]["median"] /= factor
    metrics["seconds"]["median"] *= factor
    return report


def write(tmp_path: Path, name: str, report: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(report))
    return str(path)


def test_a_30_percent_slowdown_is_a_regression(rustybt, tmp_path: Path) -> None:
    result = rustybt(
        "benchmark",
        "compare",
        write(tmp_path, "base.json", BASELINE),
        write(tmp_path, "new.json", slowed(1.3)),
        "--output",
        "json",
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["regressions"] == 2
    change = {c["metric"]: round(c["change"], 4) for c in payload["changes"]}
    assert change == {
        "bars_per_second": round(1 / 1.3 - 1, 4),
        "seconds": 0.3,
        "peak_memory": 0.0,
    }


def test_a_10_percent_slowdown_is_within_the_default_threshold(rustybt, tmp_path: Path) -> None:
    result = rustybt(
        "benchmark",
        "compare",
        write(tmp_path, "base.json", BASELINE),
        write(tmp_path, "new.json", slowed(1.1)),
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "REGRESSION" not in result.stdout


def test_a_faster_run_is_never_a_regression(rustybt, tmp_path: Path) -> None:
    result = rustybt(
        "benchmark",
        "compare",
        write(tmp_path, "base.json", BASELINE),
        write(tmp_path, "new.json", slowed(0.5)),
        "--threshold",
        "0.05",
    )
    assert result.exit_code == 0


def test_a_file_that_is_not_a_report_is_a_clear_error(rustybt, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    result = rustybt("benchmark", "compare", str(bogus), str(bogus))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bogus} is not a rustybt benchmark report")


def test_benchmarks_absent_from_the_baseline_are_reported_not_judged(
    rustybt, tmp_path: Path
) -> None:
    baseline = json.loads((REPO / "benchmarks" / "baseline.json").read_text())
    current = copy.deepcopy(baseline)
    new = copy.deepcopy(BASELINE["benchmarks"][0])
    new["name"] = "example-added-benchmark"
    current["benchmarks"] = [current["benchmarks"][0], new]
    base_path = str(REPO / "benchmarks" / "baseline.json")
    current_path = write(tmp_path, "new.json", current)
    result = rustybt("benchmark", "compare", base_path, current_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    missing = sorted(b["name"] for b in baseline["benchmarks"][1:])
    assert f"only in {base_path} (not compared): {', '.join(missing)}" in result.stderr
    assert f"only in {current_path} (not compared): example-added-benchmark" in result.stderr
    as_json = json.loads(
        rustybt("benchmark", "compare", base_path, current_path, "--output", "json").stdout
    )
    assert (as_json["only_in_baseline"], as_json["only_in_current"]) == (
        missing,
        ["example-added-benchmark"],
    )
    assert {c["benchmark"] for c in as_json["changes"]} == {baseline["benchmarks"][0]["name"]}


def test_peak_memory_growing_beyond_the_threshold_is_a_regression(rustybt, tmp_path: Path) -> None:
    bloated = copy.deepcopy(BASELINE)
    bloated["benchmarks"][0]["peak_memory_mb"] = 290.0 * 1.5
    result = rustybt(
        "benchmark",
        "compare",
        write(tmp_path, "base.json", BASELINE),
        write(tmp_path, "new.json", bloated),
        "--output",
        "json",
    )
    assert result.exit_code == 1
    (memory,) = [c for c in json.loads(result.stdout)["changes"] if c["metric"] == "peak_memory"]
    assert memory["regression"] and memory["unit"] == "MB" and not memory["higher_is_better"]
