"""A strategy that cannot load or run is one StrategyError naming its own file and line,
from ``rustybt run`` (a file) and from ``run_algorithm`` (functions) alike."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from rustybt import TradingAlgorithm
from rustybt.backtest import run_algorithm
from rustybt.errors import ConfigError, DataError, StrategyCodeError, StrategyError
from rustybt.strategy_file import load_strategy

SPAN = {"start": "2010-01-04", "end": "2010-01-15"}


def write(tmp_path: Path, source: str | bytes, name: str = "strategy.py") -> Path:
    path = tmp_path / name
    if isinstance(source, bytes):
        path.write_bytes(source)
    else:
        path.write_text(source)
    return path


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("strategy.txt", "def initialize(context):\n    pass\n", "is not a Python file"),
        ("strategy.py", "", "is empty; define initialize(context) in it"),
        ("strategy.py", b"\xe9t\xe9 = 1\n", "is not UTF-8 text (byte 0xe9 at offset 0)"),
    ],
)
def test_a_file_that_holds_no_strategy_says_why(
    tmp_path: Path, name: str, source: str | bytes, message: str
) -> None:
    path = write(tmp_path, source, name)
    with pytest.raises(StrategyError, match=re.escape(f"strategy file {path} {message}")):
        load_strategy(path)


def test_a_directory_is_not_taken_for_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match=r"is a directory; give the strategy's \.py file"):
        load_strategy(tmp_path)


def test_a_syntax_error_names_the_line_and_shows_its_code(tmp_path: Path) -> None:
    path = write(tmp_path, "def initialize(context):\n    x = [1, 2\n    return x\n")
    with pytest.raises(StrategyError) as raised:
        load_strategy(path)
    assert str(raised.value) == f"{path}:2: SyntaxError: '[' was never closed at `x = [1, 2`"


def test_a_missing_module_names_the_module_and_the_importing_line(tmp_path: Path) -> None:
    path = write(tmp_path, "import math\nimport no_such_module_here\n")
    with pytest.raises(StrategyCodeError) as raised:
        load_strategy(path)
    assert str(raised.value) == (
        f"{path}:2 in <module>: ModuleNotFoundError: No module named 'no_such_module_here'"
    )


def test_zipline_imports_are_told_to_import_from_rustybt(tmp_path: Path) -> None:
    path = write(tmp_path, "from zipline.api import order\n")
    with pytest.raises(StrategyCodeError, match=r"import from rustybt instead \(rustybt.api"):
        load_strategy(path)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("initialize = 'AAPL'\n", "{path}: initialize is str 'AAPL', not a function"),
        (
            "def initialize():\n    pass\n",
            "{path}:1: initialize() cannot be called as initialize(context)",
        ),
        (
            "def initialize(context):\n    pass\n\ndef analyze(perf):\n    pass\n",
            "{path}:4: analyze(perf) cannot be called as analyze(context, perf); "
            "define it as def analyze(context, perf):",
        ),
        (
            "from rustybt import TradingAlgorithm\n\nclass Mine(TradingAlgorithm):\n"
            "    def handle_data(self, context):\n        pass\n",
            "{path}:4: handle_data(context) cannot be called as handle_data(context, data); "
            "define it as def handle_data(self, context, data):",
        ),
    ],
)
def test_a_strategy_function_rustybt_cannot_call_is_refused_when_loaded(
    tmp_path: Path, source: str, message: str
) -> None:
    path = write(tmp_path, source)
    with pytest.raises(StrategyError) as raised:
        load_strategy(path)
    assert str(raised.value).startswith(message.format(path=path))


def test_run_algorithm_checks_the_functions_it_is_given() -> None:
    def handle_data(context):
        pass

    line = handle_data.__code__.co_firstlineno
    with pytest.raises(
        StrategyError, match=rf"{re.escape(__file__)}:{line}: handle_data\(context\)"
    ):
        run_algorithm(initialize=lambda context: None, handle_data=handle_data, **SPAN)


def test_an_exception_names_the_strategy_frame_not_a_library_frame() -> None:
    def initialize(context):
        pd.Timestamp("not a date")

    line = initialize.__code__.co_firstlineno + 1
    with pytest.raises(StrategyCodeError) as raised:
        run_algorithm(initialize=initialize, **SPAN)
    assert str(raised.value).startswith(f"{__file__}:{line} in initialize: DateParseError")


def test_a_class_that_cannot_be_built_names_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "from rustybt import TradingAlgorithm\n\nclass Mine(TradingAlgorithm):\n"
        "    def __init__(self, window):\n        super().__init__()\n",
    )
    with pytest.raises(StrategyCodeError, match=re.escape(f"{path}: TypeError: Mine.__init__()")):
        load_strategy(path)


def test_schedule_function_refuses_what_it_cannot_schedule() -> None:
    algorithm = TradingAlgorithm()
    with pytest.raises(StrategyError, match=r"schedule_function\(5\): the first argument"):
        algorithm.schedule_function(5)  # type: ignore[arg-type]
    rules = TradingAlgorithm.time_rules.market_open(), TradingAlgorithm.date_rules.every_day()
    with pytest.raises(StrategyError, match=r"date_rule .* is no date rule"):
        algorithm.schedule_function(lambda context, data: None, *rules)  # type: ignore[arg-type]


# -- dates and money as given --------------------------------------------------------------


def test_a_start_before_the_data_quotes_the_start_given_not_the_warm_up() -> None:
    with pytest.raises(ConfigError) as raised:
        run_algorithm(start="1999-12-31", end="2010-01-15", initialize=_trade_aapl)
    assert "after the backtest's start 1999-12-31: start it on 2000-03-01 or later" in str(
        raised.value
    )


def test_a_range_wholly_before_the_data_quotes_the_range_given() -> None:
    with pytest.raises(DataError, match=r"between 1995-01-02 and 1995-02-28 \(it has 2000"):
        run_algorithm(start="1995-01-02", end="1995-02-28", initialize=_trade_aapl)


def test_a_start_at_the_calendars_first_day_is_not_refused_for_its_warm_up() -> None:
    with pytest.raises(
        ConfigError, match="begins on 2000-03-01, after the backtest's start 1990-01-02"
    ):
        run_algorithm(start="1990-01-02", end="2010-01-15", initialize=_trade_aapl)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (1262563200, "start 1262563200 is not a date; use YYYY-MM-DD"),
        ("1850-01-01", "the backtest's start 1850-01-01 is outside the XNYS calendar"),
    ],
)
def test_a_start_that_is_no_usable_date_is_quoted(start: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        run_algorithm(start=start, end="2010-01-15", initialize=_trade_aapl)


@pytest.mark.parametrize(
    ("capital", "shown"), [("1e400", "1e400"), ("1e-330", "1e-330"), (1e16, "1e+16")]
)
def test_capital_outside_a_satoshi_to_a_quadrillion_is_refused(capital: object, shown: str) -> None:
    message = f"capital base must be from 1e-8 to 1e+15, got {shown}"
    with pytest.raises(ConfigError, match=re.escape(message)):
        run_algorithm(capital_base=capital, initialize=_trade_aapl, **SPAN)  # type: ignore[arg-type]


def test_one_symbol_given_as_a_string_is_one_symbol() -> None:
    frame = run_algorithm(initialize=lambda context: None, symbols="MSFT", **SPAN)  # type: ignore[arg-type]
    assert len(frame) == 10


def _trade_aapl(context: TradingAlgorithm) -> None:
    context.asset = context.symbol("AAPL")
