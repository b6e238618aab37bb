"""The performance summary matches numbers computed by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from rustybt.metrics import PerformanceSummary, summarize


def daily(values: list[float], start: str = "2024-01-02") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), tz="UTC"))


def test_returns_ratios_and_drawdown_of_a_small_series() -> None:
    summary = summarize(
        daily([110.0, 99.0, 121.0]),
        starting_value=100.0,
        periods_per_year=252,
        trades=4,
        realized_pnl=[10.0, -5.0, 3.0],
    )
    # Returns: 110/100 - 1 = 0.10, 99/110 - 1 = -0.10, 121/99 - 1 = 2/9.
    mean = (0.10 - 0.10 + 2 / 9) / 3
    std = math.sqrt(((0.10 - mean) ** 2 + (-0.10 - mean) ** 2 + (2 / 9 - mean) ** 2) / (3 - 1))
    downside = math.sqrt((0.0 + 0.10**2 + 0.0) / 3) * math.sqrt(252)

    assert summary.start == pd.Timestamp("2024-01-02", tz="UTC")
    assert summary.end == pd.Timestamp("2024-01-04", tz="UTC")
    assert summary.periods == 3
    assert summary.ending_value == 121.0
    assert summary.total_return == pytest.approx(0.21)
    # Three daily periods span 3 calendar days.
    assert summary.cagr == pytest.approx(1.21 ** (365.25 / 3) - 1)
    assert summary.annual_volatility == pytest.approx(std * math.sqrt(252))
    assert summary.annual_volatility == pytest.approx(2.5823, abs=1e-4)
    assert summary.sharpe == pytest.approx(mean / std * math.sqrt(252))
    assert summary.sharpe == pytest.approx(7.2288, abs=1e-4)
    assert summary.sortino == pytest.approx(mean * 252 / downside)
    assert summary.sortino == pytest.approx(20.3670, abs=1e-4)
    # Peak 110, trough 99.
    assert summary.max_drawdown == pytest.approx(-0.10)
    assert (summary.trades, summary.round_trips) == (4, 3)
    assert summary.win_rate == pytest.approx(2 / 3)


def test_a_first_period_loss_is_a_drawdown_from_the_starting_value() -> None:
    summary = summarize(
        daily([90.0, 95.0]), starting_value=100.0, periods_per_year=252, trades=0, realized_pnl=[]
    )
    assert summary.max_drawdown == pytest.approx(-0.10)


def test_a_flat_series_scores_zero_everywhere() -> None:
    summary = summarize(
        daily([100.0, 100.0, 100.0]),
        starting_value=100.0,
        periods_per_year=252,
        trades=0,
        realized_pnl=[],
    )
    assert (
        summary.total_return,
        summary.cagr,
        summary.annual_volatility,
        summary.sharpe,
        summary.sortino,
        summary.max_drawdown,
    ) == (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert summary.round_trips == 0
    assert summary.win_rate is None


def test_equal_returns_have_no_volatility_despite_float_rounding() -> None:
    # 1.1 ** k is not exact in floats, yet every return is the same 10%.
    summary = summarize(
        daily([110.0, 121.0, 133.1]),
        starting_value=100.0,
        periods_per_year=252,
        trades=0,
        realized_pnl=[],
    )
    assert (summary.annual_volatility, summary.sharpe) == (0.0, 0.0)


def test_a_single_period_has_no_volatility_sharpe_or_measurable_cagr() -> None:
    summary = summarize(
        daily([105.0]), starting_value=100.0, periods_per_year=252, trades=1, realized_pnl=[]
    )
    assert summary.total_return == pytest.approx(0.05)
    assert (summary.cagr, summary.annual_volatility, summary.sharpe) == (0.0, 0.0, 0.0)


def test_a_series_that_only_rises_has_infinite_sortino_and_json_null() -> None:
    summary = summarize(
        daily([101.0, 103.0, 106.0]),
        starting_value=100.0,
        periods_per_year=252,
        trades=2,
        realized_pnl=[6.0],
    )
    assert summary.sortino == math.inf
    assert summary.max_drawdown == 0.0
    assert summary.win_rate == 1.0

    data = summary.to_dict()
    assert data["sortino"] is None
    assert data["start"] == "2024-01-02T00:00:00+00:00"
    assert data["end"] == "2024-01-04T00:00:00+00:00"
    assert data["sharpe"] == summary.sharpe
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_doubling_over_two_calendar_years_of_daily_labels_is_about_41_percent() -> None:
    # 730 daily labels from 2022-01-01 to 2023-12-31 cover 730 calendar days.
    labels = pd.date_range("2022-01-01", "2023-12-31", tz="UTC")
    values = pd.Series(100.0, index=labels)
    values.iloc[-1] = 200.0
    summary = summarize(
        values, starting_value=100.0, periods_per_year=365, trades=0, realized_pnl=[]
    )
    assert summary.cagr == pytest.approx(2 ** (365.25 / 730) - 1)
    assert summary.cagr == pytest.approx(math.sqrt(2) - 1, abs=5e-4)


def test_a_wiped_out_account_has_cagr_of_minus_100_percent() -> None:
    summary = summarize(
        daily([50.0, -10.0]), starting_value=100.0, periods_per_year=252, trades=2, realized_pnl=[]
    )
    assert summary.cagr == -1.0


def test_rows_format_money_percentages_ratios_and_counts() -> None:
    summary = PerformanceSummary(
        start=pd.Timestamp("2024-01-02", tz="UTC"),
        end=pd.Timestamp("2024-12-31", tz="UTC"),
        periods=251,
        starting_value=10_000.0,
        ending_value=1_234_567.891,
        total_return=122.45678,
        cagr=0.123456,
        annual_volatility=0.2,
        sharpe=1.23456,
        sortino=math.inf,
        max_drawdown=-0.25,
        trades=1_500,
        round_trips=0,
        win_rate=None,
    )
    assert summary.rows() == [
        ("Start", "2024-01-02T00:00:00+00:00"),
        ("End", "2024-12-31T00:00:00+00:00"),
        ("Periods", "251"),
        ("Starting value", "10,000.00"),
        ("Ending value", "1,234,567.89"),
        ("Total return", "12,245.68%"),
        ("CAGR", "12.35%"),
        ("Annual volatility", "20.00%"),
        ("Sharpe ratio", "1.23"),
        ("Sortino ratio", "inf"),
        ("Max drawdown", "-25.00%"),
        ("Trades", "1,500"),
        ("Round trips", "0"),
        ("Win rate", "n/a"),
    ]


@pytest.mark.parametrize(
    ("values", "starting_value", "message"),
    [
        (daily([]), 100.0, "values is empty"),
        (daily([100.0, 101.0]).iloc[::-1], 100.0, "strictly increasing"),
        (daily([100.0]), 0.0, "starting_value must be positive, got 0.0"),
    ],
)
def test_invalid_input_is_rejected_with_a_reason(
    values: pd.Series, starting_value: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        summarize(
            values,
            starting_value=starting_value,
            periods_per_year=252,
            trades=0,
            realized_pnl=[],
        )
