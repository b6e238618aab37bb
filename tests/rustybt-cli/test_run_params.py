"""`rustybt run -D name=value --params file.yaml`: strategy parameters from the command line,
read as context.params and echoed with the results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SMA_PARAMS = str(REPO / "examples" / "sma_params.py")
WINDOW = ("--start", "2005-01-03", "--end", "2006-12-29")


def test_defines_and_a_params_file_reach_the_strategy_and_the_json(rustybt, tmp_path) -> None:
    params_file = tmp_path / "params.yaml"
    params_file.write_text("fast: 5\nslow: 30\nlong_only: false\n")
    out = tmp_path / "results.parquet"
    result = rustybt(
        "run", "-f", SMA_PARAMS, *WINDOW, "--params", str(params_file), "-D", "fast=10",
        "--define", "trade_from=2005-06-01", "-o", str(out), "--output", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    params = json.loads(result.stdout)["params"]
    assert params == {
        "fast": 10,
        "slow": 30,
        "weight": 0.95,
        "long_only": False,
        "asset": "AAPL",
        "trade_from": "2005-06-01",
    }
    frame = pd.read_parquet(out)
    assert frame.attrs["params"] == params
    traded = frame[frame["transactions"] != "[]"]
    assert traded.index[0] >= pd.Timestamp("2005-06-01", tz="UTC")


def test_the_parameters_change_the_backtest(rustybt) -> None:
    def ending_value(*defines: str) -> str:
        result = rustybt("run", "-f", SMA_PARAMS, *WINDOW, *defines, "--output", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["ending_portfolio_value"]

    assert ending_value("-D", "fast=20", "-D", "slow=50") == ending_value()
    assert ending_value("-D", "fast=5") != ending_value()


def test_the_table_output_lists_the_parameters(rustybt) -> None:
    result = rustybt("run", "-f", SMA_PARAMS, *WINDOW, "-D", "fast=10", "-D", "long_only=no")
    assert result.exit_code == 0, result.stderr
    assert (
        "Parameters: fast=10, slow=50, weight=0.95, long_only=false, asset=AAPL, "
        "trade_from=2005-01-03"
    ) in result.stdout


def test_a_mistyped_parameter_is_one_line_and_exit_1(rustybt) -> None:
    result = rustybt("run", "-f", SMA_PARAMS, *WINDOW, "-D", "fast=ten")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: parameter fast=ten (from -D) is not an int; give a whole number such as 20"
    )


def test_an_unknown_parameter_names_the_declared_ones(rustybt, tmp_path) -> None:
    params_file = tmp_path / "params.yaml"
    params_file.write_text("slowe: 40\n")
    result = rustybt("run", "-f", SMA_PARAMS, *WINDOW, "--params", str(params_file))
    assert result.exit_code == 1
    assert f"unknown parameter slowe (from {params_file}); did you mean slow?" in result.stderr
    assert "declares: fast, slow, weight, long_only, asset, trade_from" in result.stderr


def test_a_missing_params_file_is_one_line(rustybt, tmp_path) -> None:
    result = rustybt("run", "-f", SMA_PARAMS, *WINDOW, "--params", str(tmp_path / "no.yaml"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot read config {tmp_path / 'no.yaml'}")


def test_without_params_the_json_says_so(rustybt) -> None:
    result = rustybt(
        "run", "-f", str(REPO / "examples" / "sma_crossover.py"), *WINDOW, "--output", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["params"] == {}
