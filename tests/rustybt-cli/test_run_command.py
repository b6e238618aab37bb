"""`rustybt run`: backtests from the command line, and what a new user's mistakes produce."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from rustybt.data.sample_source import SampleDataSource

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def test_quick_start_backtest_prints_the_summary(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "sma_crossover.py"),
        "--start",
        "2005-01-03",
        "--end",
        "2012-12-31",
    )
    assert result.exit_code == 0, result.stderr
    for label in ("Total return", "CAGR", "Sharpe ratio", "Max drawdown", "Trades", "Win rate"):
        assert label in result.stdout


def test_json_output_and_parquet_results(rustybt, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "monthly_rebalance.py"),
        "--start",
        "2006-01-03",
        "--end",
        "2006-12-29",
        "-o",
        str(out),
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"]["periods"] == 251
    assert payload["summary"]["trades"] > 0
    assert payload["output_file"] == str(out)
    frame = pd.read_parquet(out)
    assert len(frame) == 251
    assert {"portfolio_value", "returns", "positions", "transactions", "leverage"} <= set(
        frame.columns
    )
    assert json.loads(frame["positions"].iloc[-1])[0]["symbol"] in {"AAPL", "MSFT", "IBM", "GOOG"}
    assert [p.name for p in tmp_path.iterdir()] == ["results.parquet"]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (
            "def initialize(context)\n    pass\n",
            r"error: {path}:1: SyntaxError: expected ':' at `def initialize(context)`",
        ),
        (
            "from rustybt.api import symbol\n\ndef initialize(context):\n"
            "    context.asset = symbol('AAPL')\n\ndef handle_data(context, data):\n"
            "    ratio = 1 / 0\n",
            r"error: {path}:7 in handle_data: ZeroDivisionError: division by zero",
        ),
        (
            "from rustybt.api import symbol\n\ndef initialize(context):\n"
            "    context.asset = symbol('SPY')\n",
            r"error: {path}:4 in initialize: unknown symbol 'SPY' in source 'sample' "
            r"(has: AAPL, GOOG, IBM, MSFT, ^GSPC)",
        ),
        (
            "x = 1\n",
            r"error: {path}: defines neither initialize(context) nor a TradingAlgorithm subclass",
        ),
    ],
    ids=["syntax-error", "exception-in-handle-data", "unknown-symbol", "no-initialize"],
)
def test_strategy_mistakes_are_one_line_errors_naming_file_and_line(
    rustybt, tmp_path: Path, strategy: str, expected: str
) -> None:
    path = write(tmp_path / "strategy.py", strategy)
    result = rustybt("run", "-f", str(path), "--start", "2010-01-04", "--end", "2010-02-26")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == expected.format(path=path)


def test_missing_strategy_file(rustybt, tmp_path: Path) -> None:
    result = rustybt(
        "run", "-f", str(tmp_path / "nope.py"), "--start", "2010-01-04", "--end", "2010-02-26"
    )
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        f"error: strategy file {tmp_path / 'nope.py'} not found",
    )


def test_end_before_start(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "sma_crossover.py"),
        "--start",
        "2012-01-03",
        "--end",
        "2010-01-04",
    )
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        "error: end 2010-01-04 is before start 2012-01-03",
    )


def test_an_unknown_source_lists_the_installed_ones(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "sma_crossover.py"),
        "--start",
        "2010-01-04",
        "--end",
        "2010-02-26",
        "--source",
        "quandl",
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no data source named 'quandl' (installed: ")


def test_a_malformed_csv_names_file_line_and_rule(rustybt, tmp_path: Path) -> None:
    write(
        tmp_path / "AAPL.csv",
        "date,open,high,low,close,volume\n2010-01-04,10,11,9,10.5,100\n2010-01-05,10,10.2,9,10.5,100\n",
    )
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "sma_crossover.py"),
        "--start",
        "2010-01-04",
        "--end",
        "2010-01-05",
        "--source",
        "files",
        "--data-dir",
        str(tmp_path),
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'AAPL.csv'}, line 3: AAPL at 2010-01-05: high is below close "
        "(10.2 < 10.5); a bar needs low <= open, close <= high"
    )


def test_writing_results_into_a_missing_directory_fails_cleanly(rustybt, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "results.parquet"
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "sma_crossover.py"),
        "--start",
        "2010-01-04",
        "--end",
        "2010-03-31",
        "-o",
        str(target),
    )
    assert result.exit_code == 1
    assert "directory" in result.stderr and "does not exist" in result.stderr
    assert not target.parent.exists()


@pytest.fixture
def spy_dir(tmp_path: Path) -> Path:
    """SPY bars for the seed's strategy, which trades SPY (not in the sample data).

    A proxy built from the real S&P 500 index in the sample data (^GSPC / 10), since SPY
    tracks the index at about a tenth of its level.
    """
    bars = SampleDataSource().fetch_bars(["^GSPC"], "2010-01-01", "2012-12-31", "1d")
    for column in ("open", "high", "low", "close"):
        bars[column] = (bars[column] / 10).round(4)
    bars.assign(date=bars["timestamp"].dt.strftime("%Y-%m-%d"))[
        ["date", "open", "high", "low", "close", "volume"]
    ].to_csv(tmp_path / "SPY.csv", index=False)
    return tmp_path


def test_the_seed_validation_strategy_runs_unchanged(rustybt, spy_dir: Path) -> None:
    seed_strategy = EXAMPLES / "validation_strategy.py"
    result = rustybt(
        "run",
        "-f",
        str(seed_strategy),
        "--source",
        "files",
        "--data-dir",
        str(spy_dir),
        "--start",
        "2011-01-03",
        "--end",
        "2011-12-30",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["trades"] > 5
    assert summary["periods"] == 252


def test_the_seed_validation_strategy_on_sample_data_explains_spy_is_missing(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        str(EXAMPLES / "validation_strategy.py"),
        "--start",
        "2011-01-03",
        "--end",
        "2011-12-30",
    )
    assert result.exit_code == 1
    assert (
        "unknown symbol 'SPY' in source 'sample' (has: AAPL, GOOG, IBM, MSFT, ^GSPC)"
        in result.stderr
    )


SEED = REPO / "tests" / "seed" / "000_592120bc3508c669.txt"


def test_the_example_is_the_seed_strategy_verbatim() -> None:
    block = SEED.read_text().split("```python\n# File: validation_strategy.py\n")[1].split("```")[0]
    assert (EXAMPLES / "validation_strategy.py").read_text() == (
        "# File: validation_strategy.py\n" + block
    )


def test_a_failing_pipeline_factor_names_its_file_and_line_run_from_its_folder(
    rustybt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "factor.py",
        "from rustybt.api import attach_pipeline\n"
        "from rustybt.pipeline import CustomFactor, Pipeline\n"
        "from rustybt.pipeline.data import EquityPricing\n\n"
        "class Last(CustomFactor):\n"
        "    inputs = [EquityPricing.close]\n"
        "    window_length = 5\n\n"
        "    def compute(self, today, assets, out, close):\n"
        "        out[:] = close[10]\n\n"
        "def initialize(context):\n"
        "    attach_pipeline(Pipeline(columns={'last': Last()}), 'p')\n",
    )
    monkeypatch.chdir(tmp_path)
    result = rustybt("run", "-f", "factor.py", "--start", "2010-01-04", "--end", "2010-02-26")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: factor.py:10 in compute: IndexError: index 10 is out of bounds for axis 0 "
        "with size 5 (Last.compute, on 2010-01-04); fix the factor's compute"
    )
