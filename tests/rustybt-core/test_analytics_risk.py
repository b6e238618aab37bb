"""The risk metrics of rustybt.analytics.risk on small series worked by hand, and their
edges: NaN periods, too few returns, zero denominators, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rustybt.analytics import risk, summary
from rustybt.errors import ConfigError, DataError

# +10%, -10%, +2/9: the wealth goes 1 → 1.1 → 0.99 → 1.21.
RETURNS = [0.10, -0.10, 2 / 9]
MEAN = (0.10 - 0.10 + 2 / 9) / 3
STD = math.sqrt(((0.10 - MEAN) ** 2 + (-0.10 - MEAN) ** 2 + (2 / 9 - MEAN) ** 2) / 2)


def test_compounding_and_annual_return() -> None:
    assert risk.cum_returns_final(RETURNS) == pytest.approx(0.21)
    # Three periods of a 3-period year compound to exactly one year.
    assert risk.annual_return(RETURNS, periods_per_year=3) == pytest.approx(0.21)
    # The same growth over three days of a 252-day year.
    assert risk.annual_return(RETURNS) == pytest.approx(1.21**84 - 1)


def test_volatility_sharpe_and_sortino() -> None:
    assert risk.annual_volatility(RETURNS) == pytest.approx(STD * math.sqrt(252))
    assert risk.sharpe_ratio(RETURNS) == pytest.approx(MEAN / STD * math.sqrt(252))
    # Only the -10% falls short of 0: √(0.01 / 3) per period.
    downside = math.sqrt(0.01 / 3) * math.sqrt(252)
    assert risk.downside_risk(RETURNS) == pytest.approx(downside)
    assert risk.sortino_ratio(RETURNS) == pytest.approx(MEAN * 252 / downside)


def test_risk_free_rate_and_required_return_shift_the_returns() -> None:
    shifted = [r - 0.01 for r in RETURNS]
    assert risk.sharpe_ratio(RETURNS, risk_free=0.01) == pytest.approx(risk.sharpe_ratio(shifted))
    assert risk.sortino_ratio(RETURNS, required_return=0.01) == pytest.approx(
        risk.sortino_ratio(shifted)
    )


def test_drawdown_and_calmar() -> None:
    # From the 1.1 peak down to 0.99.
    assert risk.max_drawdown(RETURNS) == pytest.approx(-0.10)
    assert risk.calmar_ratio(RETURNS, periods_per_year=3) == pytest.approx(0.21 / 0.10)
    assert risk.max_drawdown([0.01, 0.02]) == 0.0
    assert math.isnan(risk.calmar_ratio([0.01, 0.02]))
    # A first-period loss is a drawdown from the starting wealth.
    assert risk.max_drawdown([-0.2, 0.1]) == pytest.approx(-0.2)


def test_omega_ratio_weighs_gains_against_losses() -> None:
    assert risk.omega_ratio(RETURNS) == pytest.approx((0.10 + 2 / 9) / 0.10)
    # A per-period threshold of 1% when the required return is already per period.
    assert risk.omega_ratio(RETURNS, required_return=0.01, periods_per_year=1) == pytest.approx(
        (0.09 + 2 / 9 - 0.01) / 0.11
    )
    assert math.isnan(risk.omega_ratio([0.01, 0.02]))
    assert math.isnan(risk.omega_ratio(RETURNS, required_return=-1.0))


def test_tail_ratio_and_value_at_risk() -> None:
    returns = np.linspace(-0.05, 0.15, 21)
    # Percentiles of an evenly spaced series: the 5th is -0.04, the 95th 0.14.
    assert risk.tail_ratio(returns) == pytest.approx(0.14 / 0.04)
    assert risk.value_at_risk(returns) == pytest.approx(-0.04)
    assert risk.value_at_risk(returns, cutoff=0.5) == pytest.approx(0.05)
    # int(20 · 0.1) = 2: the mean of the three worst, -0.05, -0.04 and -0.03.
    assert risk.conditional_value_at_risk(returns, cutoff=0.1) == pytest.approx(-0.04)


def test_stability_is_one_for_steady_compounding() -> None:
    assert risk.stability_of_timeseries(np.full(10, 0.01)) == pytest.approx(1.0)
    assert risk.stability_of_timeseries([0.05, -0.05, 0.05, -0.05, 0.05]) < 0.5
    assert math.isnan(risk.stability_of_timeseries(np.zeros(10)))


def test_beta_and_alpha_against_a_benchmark() -> None:
    benchmark = np.array([0.01, -0.02, 0.03, 0.0])
    returns = 0.001 + 2.0 * benchmark
    alpha, beta = risk.alpha_beta(returns, benchmark)
    assert beta == pytest.approx(2.0)
    assert alpha == pytest.approx(1.001**252 - 1)
    assert risk.beta(returns, benchmark) == beta
    assert risk.alpha(returns, benchmark) == alpha
    assert math.isnan(risk.beta(returns, np.full(4, 0.01)))


def test_nan_periods_are_skipped() -> None:
    gappy = [0.10, math.nan, -0.10, 2 / 9]
    assert risk.cum_returns_final(gappy) == pytest.approx(0.21)
    assert risk.sharpe_ratio(gappy) == pytest.approx(risk.sharpe_ratio(RETURNS))
    assert risk.max_drawdown(gappy) == pytest.approx(-0.10)
    # A NaN period still counts as elapsed time.
    assert risk.annual_return(gappy, periods_per_year=4) == pytest.approx(0.21)
    # Beta pairs the periods where both are known.
    benchmark = np.array([0.01, 0.5, -0.02, 0.03])
    assert risk.beta([0.02, math.nan, -0.04, 0.06], benchmark) == pytest.approx(2.0)


def test_figures_without_enough_returns_are_nan() -> None:
    for metric in (risk.cum_returns_final, risk.annual_return, risk.max_drawdown):
        assert math.isnan(metric([]))
    for metric in (risk.annual_volatility, risk.sharpe_ratio, risk.sortino_ratio):
        assert math.isnan(metric([0.01]))
    assert math.isnan(risk.tail_ratio([math.nan, math.nan]))
    assert math.isnan(risk.conditional_value_at_risk([math.nan]))
    assert math.isnan(risk.value_at_risk([0.01, math.nan]))
    assert all(math.isnan(v) for v in risk.alpha_beta([0.01], [0.02]))


def test_zero_denominators() -> None:
    assert risk.sharpe_ratio(np.full(5, 0.001)) == math.inf
    assert math.isnan(risk.sharpe_ratio(np.zeros(5)))
    assert risk.sortino_ratio([0.01, 0.02]) == math.inf
    assert math.isnan(risk.sortino_ratio([0.0, 0.0]))


def test_rolling_metrics_give_one_figure_per_window() -> None:
    returns = np.array([0.01, -0.02, 0.03, 0.0, 0.01])
    benchmark = np.array([0.02, -0.01, 0.01, 0.01, -0.02])
    sharpe = risk.roll_sharpe_ratio(returns, window=3)
    assert sharpe.tolist() == pytest.approx(
        [risk.sharpe_ratio(returns[i : i + 3]) for i in range(3)]
    )
    volatility = risk.roll_annual_volatility(returns, window=4)
    assert volatility.tolist() == pytest.approx(
        [risk.annual_volatility(returns[i : i + 4]) for i in range(2)]
    )
    beta = risk.roll_beta(returns, benchmark, window=2)
    assert beta.tolist() == pytest.approx(
        [risk.beta(returns[i : i + 2], benchmark[i : i + 2]) for i in range(4)], nan_ok=True
    )
    # The third window's benchmark is flat: no beta.
    assert math.isnan(beta[2])
    # A window longer than the series is one window over all of it, as in empyrical.
    assert risk.roll_sharpe_ratio(returns, window=10).tolist() == pytest.approx(
        [risk.sharpe_ratio(returns)]
    )
    assert np.isnan(risk.roll_sharpe_ratio(returns, window=1)).all()
    assert len(risk.roll_beta([], [], window=5)) == 0


def test_summary_names_every_metric() -> None:
    figures = summary(RETURNS, [0.05, -0.05, 0.1])
    assert list(figures) == [
        *("annual_return", "cum_returns_final", "annual_volatility", "sharpe_ratio"),
        *("sortino_ratio", "downside_risk", "calmar_ratio", "max_drawdown", "omega_ratio"),
        *("tail_ratio", "stability_of_timeseries", "value_at_risk"),
        *("conditional_value_at_risk", "alpha", "beta"),
    ]
    assert figures["sharpe_ratio"] == risk.sharpe_ratio(RETURNS)
    assert figures["beta"] == risk.beta(RETURNS, [0.05, -0.05, 0.1])
    assert math.isnan(summary(RETURNS)["beta"])
    weekly = summary(RETURNS, periods_per_year=52)
    assert weekly["annual_volatility"] == risk.annual_volatility(RETURNS, periods_per_year=52)


def test_bad_input_is_a_one_line_error() -> None:
    with pytest.raises(DataError, match="differ in length"):
        risk.beta([0.01, 0.02], [0.01])
    with pytest.raises(DataError, match="one-dimensional"):
        risk.sharpe_ratio([[0.01, 0.02]])
    with pytest.raises(ConfigError, match="rolling window"):
        risk.roll_sharpe_ratio(RETURNS, window=0)
