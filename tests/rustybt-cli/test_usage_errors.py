"""A value Click can check on the command line is a usage error (exit 2, Click's wording and
the help hint); what only the library can judge is an error (exit 1) quoting what was given."""

from __future__ import annotations

from pathlib import Path

import pytest

STRATEGY = (
    "from rustybt.api import order, symbol\n\n"
    "def initialize(context):\n    context.asset = symbol('AAPL')\n\n"
    "def handle_data(context, data):\n    order(context.asset, 1)\n"
)


@pytest.fixture
def strategy(tmp_path: Path) -> Path:
    path = tmp_path / "strategy.py"
    path.write_text(STRATEGY)
    return path


def run_args(strategy: Path, *options: str) -> list[str]:
    return ["run", "-f", str(strategy), "--start", "2010-01-04", "--end", "2010-01-08", *options]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--frequency", "hourly"], "Invalid value for '--frequency': "),
        (["--log-level", "chatty"], "Invalid value for '--log-level': "),
    ],
)
def test_a_run_option_outside_its_choices_is_a_usage_error(
    rustybt, strategy: Path, options: list[str], message: str
) -> None:
    result = rustybt(*run_args(strategy, *options))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}")
    assert result.stderr.rstrip().endswith("(see 'rustybt run -h')")


def test_an_output_file_that_is_a_directory_is_refused_before_the_backtest(
    rustybt, strategy: Path, tmp_path: Path
) -> None:
    result = rustybt(*run_args(strategy, "-o", str(tmp_path)))
    assert result.exit_code == 2
    assert f"file '{tmp_path}' is a directory" in result.stderr
    assert result.stdout == ""


def test_the_frequency_takes_zipline_names_and_bar_sizes(rustybt, strategy: Path) -> None:
    daily = rustybt(*run_args(strategy, "--frequency", "1d", "--output", "json"))
    assert daily.exit_code == 0, daily.stderr
    assert '"frequency": "daily"' in daily.stdout


def test_the_log_level_ignores_case(rustybt, strategy: Path) -> None:
    assert rustybt(*run_args(strategy, "--log-level", "error")).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["benchmark", "--repeat", "101"], "Invalid value for '--repeat'"),
        (["benchmark", "--suite", ""], "Invalid value for '--suite': an empty name"),
        (["benchmark", "compare", "a", "b", "--threshold", "inf"], "'--threshold'"),
        (["plugins", "--json", "--output", "table"], "'--json': --json asks for --output json"),
    ],
)
def test_benchmark_and_plugins_refuse_senseless_options_as_usage_errors(
    rustybt, args: list[str], message: str
) -> None:
    result = rustybt(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_plugins_json_agrees_with_output_json(rustybt) -> None:
    assert rustybt("plugins", "--json", "--output", "json").exit_code == 0


def test_a_strategy_raising_keyboard_interrupt_ends_like_ctrl_c(rustybt, tmp_path: Path) -> None:
    path = tmp_path / "strategy.py"
    path.write_text("def initialize(context):\n    raise KeyboardInterrupt\n")
    result = rustybt("run", "-f", str(path), "--start", "2010-01-04", "--end", "2010-01-08")
    assert (result.exit_code, result.stderr) == (130, "error: stopped by SIGINT\n")


def test_a_capital_the_library_refuses_is_an_error_quoting_it(rustybt, strategy: Path) -> None:
    result = rustybt(*run_args(strategy, "--capital-base", "5e20"))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: capital base must be from 1e-8 to 1e+15, got 5e20\n",
    )
