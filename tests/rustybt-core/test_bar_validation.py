"""Every bar rule rejects a violating row with a message naming row, symbol, time and rule."""

from __future__ import annotations

import pandas as pd
import pytest
from rustybt.data import BAR_COLUMNS, validate_bars
from rustybt.data.validation import MAX_PRICE, MAX_VOLUME
from rustybt.errors import DataError


def bars(**overrides: list) -> pd.DataFrame:
    columns = {
        "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"], utc=True),
        "symbol": ["AAA"] * 3,
        "open": [10.0, 11.0, 12.0],
        "high": [11.0, 12.0, 13.0],
        "low": [9.0, 10.0, 11.0],
        "close": [10.5, 11.5, 12.5],
        "volume": [100.0, 200.0, 300.0],
    }
    columns.update(overrides)
    return pd.DataFrame(columns)


def locate(i: int) -> str:
    return f"test.csv, line {i + 2}"


def test_valid_bars_come_back_with_canonical_columns() -> None:
    frame = bars()
    frame["extra"] = 1
    checked = validate_bars(frame, locate)
    assert tuple(checked.columns) == BAR_COLUMNS


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"high": [11.0, 11.2, 13.0]},
            r"line 3: AAA at 2024-01-03: high is below close \(11\.2 < 11\.5\); "
            r"a bar needs low <= open, close <= high",
        ),
        ({"low": [9.0, 10.0, 12.6]}, r"line 4: AAA at 2024-01-04: low is above open \(12\.6 > 12"),
        ({"high": [11.0, 9.0, 13.0]}, r"line 3: AAA at 2024-01-03: high is below low \(9\.0 < 10"),
        (
            {"close": [10.5, float("nan"), 12.5]},
            r"line 3: AAA at 2024-01-03: close is missing; fill in the value or remove the bar",
        ),
        (
            {"volume": [100.0, -1.0, 300.0]},
            r"line 3: AAA at 2024-01-03: volume is negative \(-1\.0\); volume must be 0 or more",
        ),
        (
            {"low": [-9.0, 10.0, 11.0]},
            r"line 2: AAA at 2024-01-02: low is -9\.0; prices must be above 0",
        ),
        ({"open": [10.0, "abc", 12.0]}, r"line 3: open is not a number: 'abc'; write a plain"),
        ({"volume": [True, False, True]}, r"line 2: volume holds true/false values, not numbers"),
        (
            {"timestamp": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-04"], utc=True)},
            r"line 3: AAA at 2024-01-02: a second bar at the same time; keep one bar per time",
        ),
        (
            {"timestamp": pd.to_datetime(["2024-01-03", "2024-01-02", "2024-01-04"], utc=True)},
            r"line 3: AAA at 2024-01-02: this bar is earlier than the one above it "
            r"\(2024-01-03\); sort the bars by time",
        ),
        (
            {"timestamp": pd.to_datetime(["2024-01-02", None, "2024-01-04"], utc=True)},
            r"line 3: the bar's time is missing",
        ),
    ],
)
def test_each_rule_names_the_row_and_the_rule(overrides: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        validate_bars(bars(**overrides), locate)


@pytest.mark.parametrize("column", ["open", "high", "low", "close", "volume"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("inf"), r"is inf; prices and volume must be finite numbers"),
        (float("-inf"), r"is -inf; prices and volume must be finite numbers"),
        (1e308, r"is 1e\+308, above the largest plausible (price|volume)"),
    ],
)
def test_values_no_market_has_are_refused_in_every_column(
    column: str, value: float, problem: str
) -> None:
    values = bars()[column].tolist()
    values[1] = value
    with pytest.raises(DataError, match=rf"line 3: AAA at 2024-01-03: {column} {problem}"):
        validate_bars(bars(**{column: values}), locate)


@pytest.mark.parametrize("price", [0.0, -0.0, MAX_PRICE * 1.01])
def test_a_price_of_zero_or_above_the_plausible_maximum_is_refused(price: float) -> None:
    prices = {column: [10.0, price, 12.0] for column in ("open", "high", "low", "close")}
    with pytest.raises(DataError, match=r"line 3: AAA at 2024-01-03: open is "):
        validate_bars(bars(**prices), locate)


def test_the_largest_plausible_values_and_zero_volume_pass() -> None:
    prices = {column: [10.0, MAX_PRICE, 12.0] for column in ("open", "high", "low", "close")}
    checked = validate_bars(bars(**prices, volume=[0.0, MAX_VOLUME, 1.0]), locate)
    assert checked["high"].tolist() == [10.0, MAX_PRICE, 12.0]
    assert checked["volume"].tolist() == [0.0, MAX_VOLUME, 1.0]


def test_text_of_numbers_and_integers_become_float_columns() -> None:
    checked = validate_bars(bars(open=["10", "11.0", "1.2e1"], volume=[100, 200, 300]), locate)
    assert checked["open"].tolist() == [10.0, 11.0, 12.0]
    assert checked["volume"].dtype == "float64" and checked["open"].dtype == "float64"


def test_a_long_unreadable_value_is_cut_to_keep_the_message_short() -> None:
    with pytest.raises(DataError) as raised:
        validate_bars(bars(close=[10.5, "x" * 500, 12.5]), locate)
    assert len(str(raised.value)) < 200 and str(raised.value).count("x") < 50


def test_a_missing_column_is_named() -> None:
    with pytest.raises(DataError, match=r"missing column\(s\) volume"):
        validate_bars(bars().drop(columns="volume"), lambda i: "test.csv")
