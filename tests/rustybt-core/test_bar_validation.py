"""Every bar rule rejects a violating row with a message naming row, symbol, time and rule."""

from __future__ import annotations

import pandas as pd
import pytest
from rustybt.data import BAR_COLUMNS, validate_bars
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
        ({"high": [11.0, 11.2, 13.0]}, r"line 3: AAA at 2024-01-03: high is below open or close"),
        ({"low": [9.0, 10.0, 12.6]}, r"line 4: AAA at 2024-01-04: low is above open or close"),
        ({"close": [10.5, float("nan"), 12.5]}, r"line 3: AAA at 2024-01-03: close is missing"),
        ({"volume": [100.0, -1.0, 300.0]}, r"line 3: AAA at 2024-01-03: volume is negative"),
        ({"low": [-9.0, 10.0, 11.0]}, r"line 2: AAA at 2024-01-02: low is negative"),
        ({"open": [10.0, "abc", 12.0]}, r"line 3: open is not a number: 'abc'"),
        (
            {"timestamp": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-04"], utc=True)},
            r"line 3: AAA at 2024-01-02: timestamps are not strictly increasing",
        ),
    ],
)
def test_each_rule_names_the_row_and_the_rule(overrides: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        validate_bars(bars(**overrides), locate)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(DataError, match=r"missing column\(s\) volume"):
        validate_bars(bars().drop(columns="volume"), lambda i: "test.csv")
