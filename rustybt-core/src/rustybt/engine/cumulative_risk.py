"""Zipline's cumulative risk metrics: each session's alpha, beta, Sharpe and Sortino ratios,
maximum drawdown and volatilities, over the daily returns up to and including that session.

zipline-reloaded's metrics tracker recomputes each one at every session's end with
empyrical on the returns so far, which takes time quadratic in the number of sessions.
Here each is one pass of running sums: counts, means and Welford's centred sums of
squares and products, whose increments are computed for all sessions at once. They give
empyrical's figures up to float rounding, and exactly 0 where every return so far is 0
(a strategy that has not traded yet). They are the expanding versions of
:mod:`rustybt.analytics.risk`'s whole-series figures, sharing its constants.

Figures are annualised with 252 sessions a year, empyrical's daily default, whatever the
calendar, as zipline does. A figure zipline reports as None (one that is not finite: too
few returns, no dispersion, a benchmark without variance) is NaN here.
"""

from __future__ import annotations

import numpy as np

from rustybt.analytics.risk import MIN_BENCHMARK_VARIANCE
from rustybt.analytics.risk import TRADING_DAYS_PER_YEAR as SESSIONS_PER_YEAR

RISK_COLUMNS = (
    "benchmark_period_return",
    "benchmark_volatility",
    "alpha",
    "beta",
    "sharpe",
    "sortino",
    "max_drawdown",
    "algo_volatility",
)
"""The names :func:`cumulative_risk_metrics` returns, in order."""


def _running_mean_and_m2(values: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per prefix, the mean and the centred sum of squares ``Σ (x - mean)²``.

    Welford's increments ``(x[k] - mean[k-1]) · (x[k] - mean[k])`` are never negative, so
    their running sum loses nothing to cancellation, unlike ``Σx² - n·mean²``.
    """
    mean = np.cumsum(values) / count
    previous = np.concatenate(([0.0], mean[:-1]))
    m2 = np.cumsum((values - previous) * (values - mean))
    return mean, np.maximum(m2, 0.0)


def _constant_so_far(values: np.ndarray) -> np.ndarray:
    """Per prefix, whether every value in it is the same."""
    return np.maximum.accumulate(values) == np.minimum.accumulate(values)


def cumulative_risk_metrics(
    returns: np.ndarray, benchmark_returns: np.ndarray
) -> dict[str, np.ndarray]:
    """Per session, zipline's cumulative risk metrics of the daily ``returns`` against the
    daily ``benchmark_returns`` (same length, simple returns, no NaN), by column name in
    :data:`RISK_COLUMNS` order. Entry ``k`` uses sessions ``0..k``; with ``n = k + 1``
    returns ``r`` and benchmark returns ``b``:

    - ``benchmark_period_return`` = ``Π(1 + b) - 1``;
    - ``benchmark_volatility`` = ``std(b, ddof=1)·√252`` (0 while ``b`` is constant);
    - ``beta`` = ``cov(r, b) / var(b)`` (both with ``ddof=0``), NaN when ``var(b) < 1e-30``;
    - ``alpha`` = ``(mean(r) - beta·mean(b) + 1)²⁵² - 1``;
    - ``sharpe`` = ``mean(r) / std(r, ddof=1)·√252``, NaN while ``r`` is constant;
    - ``sortino`` = ``252·mean(r) / (√mean(min(r, 0)²)·√252)``, NaN without a negative
      return;
    - ``max_drawdown`` = the lowest ``V / max(V so far) - 1`` of ``V = 100·Π(1 + r)``
      after a start at 100 (≤ 0);
    - ``algo_volatility`` = ``std(r, ddof=1)·√252``.

    Every figure but ``benchmark_period_return`` and ``max_drawdown`` needs ``n ≥ 2``
    (NaN on the first session); any figure that is not finite is NaN.
    """
    r = np.asarray(returns, dtype=np.float64)
    b = np.asarray(benchmark_returns, dtype=np.float64)
    if r.shape != b.shape or r.ndim != 1:
        raise ValueError(
            f"returns {r.shape} and benchmark returns {b.shape} must be one-dimensional "
            "arrays of the same length"
        )
    count = np.arange(1, len(r) + 1, dtype=np.float64)
    annual = float(SESSIONS_PER_YEAR)
    root_annual = np.sqrt(annual)
    mean_r, m2_r = _running_mean_and_m2(r, count)
    mean_b, m2_b = _running_mean_and_m2(b, count)
    # The centred cross products, by the same recurrence as the squares:
    # C[k] = C[k-1] + (b[k] - mean_b[k-1]) · (r[k] - mean_r[k]).
    previous_b = np.concatenate(([0.0], mean_b[:-1]))
    co_moment = np.cumsum((b - previous_b) * (r - mean_r))
    sample_count = np.maximum(count - 1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_r = np.sqrt(m2_r / sample_count)
        std_b = np.where(_constant_so_far(b), 0.0, np.sqrt(m2_b / sample_count))
        # empyrical treats a constant series as having no dispersion at all.
        sharpe = mean_r / np.where(_constant_so_far(r), 0.0, std_r) * root_annual
        variance_b = m2_b / count
        beta = (co_moment / count) / np.where(
            variance_b < MIN_BENCHMARK_VARIANCE, np.nan, variance_b
        )
        alpha = np.power(mean_r - beta * mean_b + 1.0, annual) - 1.0
        downside = np.sqrt(np.cumsum(np.square(np.minimum(r, 0.0))) / count) * root_annual
        sortino = mean_r * annual / downside
    wealth = 100.0 * np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.concatenate(([100.0], wealth)))[1:]
    metrics = {
        "benchmark_period_return": np.cumprod(1.0 + b) - 1.0,
        "benchmark_volatility": std_b * root_annual,
        "alpha": alpha,
        "beta": beta,
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": np.minimum.accumulate((wealth - peak) / peak),
        "algo_volatility": std_r * root_annual,
    }
    for name, values in metrics.items():
        values[~np.isfinite(values)] = np.nan
        if name not in ("benchmark_period_return", "max_drawdown"):
            values[:1] = np.nan
    return metrics
