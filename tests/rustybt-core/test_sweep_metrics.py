"""The metrics of a sweep's row: empyrical's figures of the run's returns, the fills, the
share of winning round trips (FIFO, commissions and splits counted) and the exposure."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.analytics import risk
from rustybt.analytics.trades import round_trips, win_rate
from rustybt.assets import Asset
from rustybt.backtest import run_backtest
from rustybt.errors import ConfigError
from rustybt.finance.transaction import Transaction
from rustybt.sweep.metrics import METRICS, check_objective, objective_value, run_metrics

SMA_CROSSOVER = Path(__file__).parents[2] / "examples" / "sma_crossover.py"


@pytest.fixture(scope="module")
def two_years():
    """SMA crossover on AAPL over 2005-2006: 9 fills, a 2-for-1 split on 2005-02-28 while
    the first position was held, 4 closed round trips and one position still open."""
    return run_backtest(SMA_CROSSOVER, start="2005-01-03", end="2006-12-29", source="sample")


def test_a_run_has_every_metric(two_years):
    assert list(run_metrics(two_years)) == list(METRICS)


def test_return_metrics_are_empyricals_of_the_frames_returns(two_years):
    metrics = run_metrics(two_years)
    returns = two_years.frame["returns"].to_numpy()
    assert metrics["total_return"] == risk.cum_returns_final(returns)
    assert metrics["cagr"] == risk.annual_return(returns)
    assert metrics["sharpe"] == risk.sharpe_ratio(returns)
    assert metrics["sortino"] == risk.sortino_ratio(returns)
    assert metrics["calmar"] == risk.calmar_ratio(returns)
    assert metrics["max_drawdown"] == risk.max_drawdown(returns)
    # By hand: the ending value 212,422.3660625 on a capital of 100,000, over 503 sessions.
    assert metrics["total_return"] == pytest.approx(1.124223660625, rel=1e-12)
    assert metrics["cagr"] == pytest.approx(2.124223660625 ** (252 / 503) - 1, rel=1e-12)
    assert metrics["calmar"] == pytest.approx(metrics["cagr"] / -metrics["max_drawdown"])


def test_trades_count_fills_and_win_rate_counts_winning_round_trips(two_years):
    metrics = run_metrics(two_years)
    assert metrics["trades"] == 9.0
    # Round trips by hand (the first bought 1,501 at 63.97197 before the split, 3,002 after):
    #   (35.60219 - 63.97197 / 2) × 3,002 - 1.501 - 3.002 =  10,851.34
    #   (37.96101 - 35.91795) × 2,940 - 2.940 - 2.940     =   6,000.72
    #   (67.6111775 - 38.25912) × 2,913 - 2 × 2.913      =  85,496.72
    #   (59.97 - 70.425195) × 2,771 - 2 × 2.771          = -28,976.89
    # and the 2,366 bought on 2006-08-04 are still held: 3 wins in 4.
    trips = round_trips(two_years.transactions, two_years.actions)
    assert [trip.pnl for trip in trips] == [
        Decimal("10851.34441"),
        Decimal("6000.7164"),
        Decimal("85496.7174975"),
        Decimal("-28976.887345"),
    ]
    assert [trip.amount for trip in trips] == [3002, 2940, 2913, 2771]
    assert metrics["win_rate"] == 0.75


def test_exposure_is_the_mean_gross_position_value_over_the_portfolio_value(two_years):
    frame = two_years.frame
    held = [
        sum(abs(position["amount"]) * position["last_sale_price"] for position in positions)
        for positions in frame["positions"]
    ]
    by_hand = np.mean(np.asarray(held) / frame["portfolio_value"].to_numpy())
    assert run_metrics(two_years)["exposure"] == pytest.approx(by_hand, rel=1e-12)
    assert 0.5 < by_hand < 1.0


SHORT_HALF = """
from rustybt.api import order_target_percent, symbol

def initialize(context):
    context.asset = symbol("AAPL")

def handle_data(context, data):
    order_target_percent(context.asset, -0.5)
"""


def test_a_short_position_counts_toward_exposure_by_its_size(tmp_path):
    strategy = tmp_path / "short_half.py"
    strategy.write_text(SHORT_HALF)
    result = run_backtest(strategy, start="2006-01-03", end="2006-03-31", source="sample")
    frame = result.frame
    held = [
        sum(abs(position["amount"]) * position["last_sale_price"] for position in positions)
        for positions in frame["positions"]
    ]
    by_hand = np.mean(np.asarray(held) / frame["portfolio_value"].to_numpy())
    assert run_metrics(result)["exposure"] == pytest.approx(by_hand, rel=1e-12)
    assert 0.4 < by_hand < 0.6


def test_a_run_without_fills_has_no_win_rate(tmp_path):
    strategy = tmp_path / "idle.py"
    strategy.write_text("def initialize(context):\n    pass\n")
    result = run_backtest(strategy, start="2006-01-03", end="2006-01-31", source="sample")
    metrics = run_metrics(result)
    assert metrics["trades"] == 0.0
    assert math.isnan(metrics["win_rate"])
    assert metrics["exposure"] == 0.0
    assert metrics["total_return"] == 0.0
    assert math.isnan(metrics["calmar"])


AAA = Asset(symbol="AAA")


def fill(amount: str, price: str, day: int, commission: str = "0") -> Transaction:
    return Transaction(
        order_id=f"o-{day}",
        asset=AAA,
        amount=Decimal(amount),
        price=Decimal(price),
        dt=pd.Timestamp(f"2024-01-{day:02d} 21:00", tz="UTC"),
        commission=Decimal(commission),
    )


def test_round_trips_close_the_oldest_lots_first():
    trips = round_trips(
        [
            fill("10", "100", 2, commission="1"),
            fill("10", "110", 3, commission="1"),
            fill("-15", "120", 4, commission="3"),
            fill("-5", "90", 5, commission="1"),
        ]
    )
    # 10 of the lot at 100 and 5 of the lot at 110 close at 120: 200 + 50, less 1, half
    # of the second lot's 1 and the closing 3; the last 5 of it close at 90: -100 - 0.5 - 1.
    assert [(trip.amount, trip.pnl) for trip in trips] == [
        (Decimal(15), Decimal("245.5")),
        (Decimal(5), Decimal("-101.5")),
    ]
    assert trips[0].opened == pd.Timestamp("2024-01-02 21:00", tz="UTC")
    assert trips[1].opened == pd.Timestamp("2024-01-03 21:00", tz="UTC")
    assert win_rate(trips) == 0.5


def test_a_fill_that_flips_a_position_closes_it_and_opens_the_other_side():
    trips = round_trips(
        [fill("10", "100", 2), fill("-30", "105", 3, commission="3"), fill("20", "95", 4)]
    )
    # The sale's commission is split by units: 1 closes the long, 2 opens the short.
    assert [(trip.amount, trip.pnl) for trip in trips] == [
        (Decimal(10), Decimal("49")),
        (Decimal(-20), Decimal("198")),
    ]


def test_no_round_trip_has_no_win_rate():
    assert math.isnan(win_rate(round_trips([fill("10", "100", 2)])))


def test_the_objective_is_larger_for_better_and_nan_is_worst():
    assert objective_value({"sharpe": 1.5}, "sharpe") == 1.5
    assert objective_value({"max_drawdown": -0.1}, "max_drawdown") > objective_value(
        {"max_drawdown": -0.3}, "max_drawdown"
    )
    assert objective_value({"sharpe": math.nan}, "sharpe") == -math.inf
    assert objective_value({}, "sharpe") == -math.inf


def test_an_unknown_objective_lists_the_metrics():
    assert check_objective("sortino") == "sortino"
    with pytest.raises(ConfigError, match=r"^--objective sharp: no such metric; choose one of "):
        check_objective("sharp")
