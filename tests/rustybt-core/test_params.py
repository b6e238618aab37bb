"""Strategy parameters: ``PARAMS`` declarations, given values converted to their types,
``context.params`` in a run, and the parameters kept with the results."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from rustybt.backtest import run_algorithm, run_backtest
from rustybt.errors import ConfigError, StrategyError
from rustybt.params import (
    StrategyParams,
    command_line_params,
    parse_defines,
    read_params_file,
    resolve_params,
)

DECLARED = {
    "fast": 20,
    "weight": 0.95,
    "long_only": True,
    "name": "sma",
    "start_on": datetime.date(2006, 1, 3),
    "slow": int,
}

STRATEGY = """
import datetime
from rustybt.api import record, symbol

PARAMS = {"fast": 20, "slow": 50, "start_on": datetime.date(2006, 1, 3)}

def initialize(context):
    context.asset = symbol("AAPL")
    context.seen = dict(context.params)

def handle_data(context, data):
    record(fast=context.params.fast, slow=context.params["slow"])
"""


def test_command_line_values_are_converted_to_the_declared_types() -> None:
    given = parse_defines(
        ["fast=10", "weight=1", "long_only=no", "name=123", "start_on=2007-02-01", "slow=100"]
    )
    params = resolve_params(DECLARED, given)
    assert dict(params) == {
        "fast": 10,
        "weight": 1.0,
        "long_only": False,
        "name": "123",
        "start_on": datetime.date(2007, 2, 1),
        "slow": 100,
    }
    assert type(params["weight"]) is float


def test_defaults_fill_what_is_not_given() -> None:
    params = resolve_params(DECLARED, {"slow": 50})
    assert params.fast == 20 and params.slow == 50 and params.start_on == datetime.date(2006, 1, 3)


def test_a_mistyped_value_is_one_line_naming_it_and_the_type() -> None:
    with pytest.raises(ConfigError, match=r"^parameter fast=ten \(from -D\) is not an int; "):
        resolve_params(DECLARED, parse_defines(["fast=ten", "slow=1"]))
    with pytest.raises(ConfigError, match=r"fast=2.5 .* is not an int"):
        resolve_params(DECLARED, parse_defines(["fast=2.5", "slow=1"]))
    with pytest.raises(ConfigError, match=r"long_only=maybe \(from params=\) is not a bool"):
        resolve_params(DECLARED, {"long_only": "maybe", "slow": 1})
    with pytest.raises(ConfigError, match=r"start_on=2006-13-01 .* is not a date; give a date"):
        resolve_params(DECLARED, parse_defines(["start_on=2006-13-01", "slow=1"]))


def test_a_python_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"fast=True \(from params=\) is not an int"):
        resolve_params(DECLARED, {"fast": True, "slow": 1})


def test_an_unknown_name_lists_the_declared_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_params(DECLARED, parse_defines(["fastt=10"]))
    assert str(caught.value) == (
        "unknown parameter fastt (from -D); did you mean fast? the strategy's PARAMS declares: "
        "fast, weight, long_only, name, start_on, slow"
    )


def test_a_declared_parameter_without_default_must_be_given() -> None:
    with pytest.raises(ConfigError, match=r"^parameter slow has no value: PARAMS declares it"):
        resolve_params(DECLARED, {})


def test_without_a_declaration_defines_are_yaml_scalars() -> None:
    params = resolve_params(
        None, parse_defines(["n=20", "x=0.5", "on=true", "d=2006-01-03", "s=abc", "q='20'"])
    )
    assert dict(params) == {
        "n": 20,
        "x": 0.5,
        "on": True,
        "d": datetime.date(2006, 1, 3),
        "s": "abc",
        "q": "20",
    }


def test_a_define_needs_a_name_and_an_equals_sign() -> None:
    with pytest.raises(ConfigError, match=r"^-D fast: a define is name=value"):
        parse_defines(["fast"])
    with pytest.raises(ConfigError, match="a Python name"):
        parse_defines(["=3"])


def test_defines_win_over_the_params_file(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("fast: 5\nslow: 60\nname: '007'\n")
    given = command_line_params(["fast=7"], path)
    params = resolve_params(DECLARED, given)
    assert (params.fast, params.slow, params.name) == (7, 60, "007")
    assert resolve_params(None, read_params_file(path))["name"] == "007"


def test_a_params_file_holds_single_values(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("fast:\n  - 1\n  - 2\n")
    with pytest.raises(ConfigError, match=r"params.yaml: line 2: parameter fast is not a single"):
        read_params_file(path)
    path.write_text("- fast\n")
    with pytest.raises(ConfigError, match="a params file maps parameter names to values"):
        read_params_file(path)


def test_a_params_file_is_read_safely(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
            for n, p in zip("bcdef", "abcde", strict=True)
        )
    )
    with pytest.raises(ConfigError, match="aliases"):
        read_params_file(path)


def test_context_params_is_read_only() -> None:
    params = StrategyParams({"fast": 20})
    with pytest.raises(TypeError):
        params["fast"] = 10  # type: ignore[index]
    with pytest.raises(AttributeError, match="read-only"):
        params.fast = 10
    with pytest.raises(AttributeError, match="no parameter 'slow'; the run's parameters: fast"):
        params.slow  # noqa: B018


def test_a_backtest_reads_its_params_and_keeps_them_with_the_results(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY)
    result = run_backtest(
        strategy, start="2006-01-03", end="2006-01-31", params=parse_defines(["fast=5"])
    )
    assert result.frame["fast"].eq(5).all() and result.frame["slow"].eq(50).all()
    expected = {"fast": 5, "slow": 50, "start_on": "2006-01-03"}
    assert result.frame.attrs["params"] == expected
    saved = result.write_parquet(tmp_path / "results.parquet")
    assert pd.read_parquet(saved).attrs["params"] == expected


def test_a_mistyped_param_stops_the_backtest_before_it_runs(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY)
    with pytest.raises(ConfigError, match="slow=fifty"):
        run_backtest(strategy, start="2006-01-03", end="2006-01-31", params={"slow": "fifty"})


def test_a_params_declaration_of_another_type_is_a_strategy_error(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY.replace('"slow": 50', '"slow": [50]'))
    with pytest.raises(StrategyError, match=r"strategy.py: PARAMS\['slow'\] = \[50\]"):
        run_backtest(strategy, start="2006-01-03", end="2006-01-31")


def test_run_algorithm_passes_params_to_context() -> None:
    seen = {}

    def initialize(context):
        seen.update(context.params)

    frame = run_algorithm(
        "2006-01-03", "2006-01-06", initialize=initialize, params={"lookback": 30}
    )
    assert seen == {"lookback": 30}
    assert frame.attrs["params"] == {"lookback": 30}
