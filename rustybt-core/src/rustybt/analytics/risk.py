"""Risk and performance metrics of a series of simple returns, as empyrical-reloaded
defines them.

Every function takes one-dimensional per-period simple returns (``0.01`` is +1%), usually
daily, and returns a float; the rolling ones return one float per window. They follow
empyrical's conventions, figure for figure, so that a report reads like pyfolio's:

- Ratios are annualised with ``periods_per_year`` periods (252 for daily returns, 52
  weekly, 12 monthly); ``risk_free`` and ``required_return`` are per-period rates, except
  :func:`omega_ratio`'s ``required_return``, which is annual.
- A NaN return is a missing period: means, deviations and percentiles skip it and
  compounding treats it as 0%. :func:`annual_return` still counts it as elapsed time, and
  :func:`value_at_risk` is NaN when any return is (both as empyrical does).
- A figure that cannot be measured is NaN: too few returns (fewer than 2 for dispersion,
  Sharpe, Sortino, omega, stability, alpha and beta; none for the rest), a benchmark without
  variance, a ratio over a zero denominator where empyrical gives NaN. A ratio whose
  denominator is exactly zero but whose numerator is not is ``±inf`` (Sharpe of a constant
  positive return, Sortino without a losing period).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rustybt.errors import ConfigError, DataError

TRADING_DAYS_PER_YEAR = 252
"""empyrical's annualisation factor for daily returns (zipline's, whatever the calendar)."""

MIN_BENCHMARK_VARIANCE = 1.0e-30
"""Below this benchmark variance beta (and so alpha) is undefined."""

Floats = NDArray[np.float64]
"""A float64 array: the rolling metrics' result, one figure per window."""


def _returns(values: ArrayLike, name: str = "returns") -> Floats:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise DataError(
            f"{name} must be one-dimensional, one return per period; got shape {array.shape}"
        )
    return array


def _paired(returns: ArrayLike, benchmark_returns: ArrayLike) -> tuple[Floats, Floats]:
    r = _returns(returns)
    b = _returns(benchmark_returns, "benchmark returns")
    if len(r) != len(b):
        raise DataError(
            f"returns ({len(r)} periods) and benchmark returns ({len(b)} periods) differ in "
            "length; align both on the same periods first"
        )
    return r, b


# The private helpers reduce along the last axis, so they serve a single series and a
# stack of rolling windows alike, and stay silent (NaN, no warning) on all-NaN input.


def _nanmean(values: Floats) -> Floats:
    count = np.sum(~np.isnan(values), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.nansum(values, axis=-1) / count, dtype=np.float64)


def _nanstd(values: Floats, ddof: int) -> Floats:
    count = np.sum(~np.isnan(values), axis=-1)
    deviations = values - np.expand_dims(_nanmean(values), -1)
    squares = np.nansum(deviations * deviations, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > ddof, np.sqrt(squares / (count - ddof)), np.nan)


def _sharpe(returns: Floats, risk_free: float, periods_per_year: float) -> Floats:
    excess = returns - risk_free
    deviation = _nanstd(excess, ddof=1)
    # A constant series has no dispersion, however its mean rounds: its Sharpe is ±inf.
    constant = (np.fmax.reduce(excess, axis=-1) == np.fmin.reduce(excess, axis=-1)) & (
        np.isfinite(deviation)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nanmean(excess) / np.where(constant, 0.0, deviation) * np.sqrt(periods_per_year)


def _beta(returns: Floats, benchmark_returns: Floats) -> Floats:
    # Only periods where both are known count.
    benchmark = np.where(np.isnan(returns), np.nan, benchmark_returns)
    residuals = benchmark - np.expand_dims(_nanmean(benchmark), -1)
    covariance = _nanmean(residuals * returns)
    variance = _nanmean(residuals * residuals)
    with np.errstate(divide="ignore", invalid="ignore"):
        return covariance / np.where(variance < MIN_BENCHMARK_VARIANCE, np.nan, variance)


def cum_returns_final(returns: ArrayLike) -> float:
    """The compounded return over all periods, ``Π(1 + r) - 1`` (NaN periods count as 0%);
    NaN without returns."""
    r = _returns(returns)
    if len(r) == 0:
        return math.nan
    return float(np.nanprod(r + 1.0)) - 1.0


def annual_return(returns: ArrayLike, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """The compound annual growth rate, ``(Π(1 + r)) ** (periods_per_year / n) - 1`` over
    the ``n`` periods (NaN ones included); NaN without returns or when the wealth ends
    below zero."""
    r = _returns(returns)
    if len(r) == 0:
        return math.nan
    growth = np.nanprod(r + 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.power(growth, 1.0 / (len(r) / periods_per_year))) - 1.0


def annual_volatility(returns: ArrayLike, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """``std(r, ddof=1) · √periods_per_year``; NaN with fewer than 2 returns."""
    r = _returns(returns)
    if len(r) < 2:
        return math.nan
    return float(_nanstd(r, ddof=1)) * periods_per_year**0.5


def sharpe_ratio(
    returns: ArrayLike,
    risk_free: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """``mean(r - risk_free) / std(r - risk_free, ddof=1) · √periods_per_year``.

    NaN with fewer than 2 returns; a constant series has zero deviation, giving ``±inf``
    (NaN when its excess return is 0).
    """
    r = _returns(returns)
    if len(r) < 2:
        return math.nan
    return float(_sharpe(r, risk_free, periods_per_year))


def downside_risk(
    returns: ArrayLike,
    required_return: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """``√mean(min(r - required_return, 0)²) · √periods_per_year``, the annualised root
    mean square of shortfalls (every period counts, gains as zero shortfall); NaN without
    returns."""
    r = _returns(returns)
    if len(r) == 0:
        return math.nan
    shortfall = np.minimum(r - required_return, 0.0)
    # √(m·P) rather than empyrical's √m·√P (the same up to the last bit): the run summary's
    # Sortino ratio has always been computed so.
    return math.sqrt(float(_nanmean(shortfall * shortfall)) * periods_per_year)


def sortino_ratio(
    returns: ArrayLike,
    required_return: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """``mean(r - required_return) · periods_per_year /`` :func:`downside_risk`.

    NaN with fewer than 2 returns; ``inf`` when the mean excess is positive and no period
    falls short, NaN when nothing is gained or lost.
    """
    r = _returns(returns)
    if len(r) < 2:
        return math.nan
    annual_excess = float(_nanmean(r - required_return)) * periods_per_year
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(
            np.float64(annual_excess) / downside_risk(r, required_return, periods_per_year)
        )


def max_drawdown(returns: ArrayLike) -> float:
    """The deepest fall of the compounded wealth below its running peak, ``min((V - peak) /
    peak)`` with ``V`` starting at 1 before the first return: a fraction ≤ 0 (0.0 for a
    series that never falls); NaN without returns."""
    r = _returns(returns)
    if len(r) == 0:
        return math.nan
    wealth = 100.0 * np.cumprod(np.concatenate(([1.0], np.nan_to_num(r, nan=0.0) + 1.0)))
    peak = np.fmax.accumulate(wealth)
    return float(np.nanmin(((wealth - peak) / peak)[1:]))


def calmar_ratio(returns: ArrayLike, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """:func:`annual_return` over the depth of :func:`max_drawdown`; NaN without a drawdown
    or when the ratio is infinite."""
    drawdown = max_drawdown(returns)
    if not drawdown < 0:
        return math.nan
    ratio = annual_return(returns, periods_per_year) / abs(drawdown)
    return math.nan if math.isinf(ratio) else ratio


def omega_ratio(
    returns: ArrayLike,
    risk_free: float = 0.0,
    required_return: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """Gains over losses relative to a threshold: ``Σ max(x, 0) / Σ max(-x, 0)`` with
    ``x = r - risk_free - t``, ``t`` being the annual ``required_return`` as a per-period
    rate, ``(1 + required_return) ** (1 / periods_per_year) - 1`` (itself when
    ``periods_per_year`` is 1).

    NaN with fewer than 2 returns, without a loss, or when ``required_return ≤ -1``.
    """
    r = _returns(returns)
    if len(r) < 2:
        return math.nan
    if periods_per_year == 1:
        threshold = required_return
    elif required_return <= -1:
        return math.nan
    else:
        threshold = (1.0 + required_return) ** (1.0 / periods_per_year) - 1.0
    excess = r - risk_free - threshold
    gains = float(np.sum(excess[excess > 0.0]))
    losses = -float(np.sum(excess[excess < 0.0]))
    return gains / losses if losses > 0.0 else math.nan


def tail_ratio(returns: ArrayLike) -> float:
    """``|95th percentile| / |5th percentile|`` of the known returns (linear interpolation):
    how much larger the right tail is than the left; NaN without known returns, ``inf``
    when the 5th percentile is 0 and the 95th is not."""
    r = _returns(returns)
    r = r[~np.isnan(r)]
    if len(r) == 0:
        return math.nan
    upper, lower = np.percentile(r, [95.0, 5.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.abs(upper) / np.abs(lower))


def stability_of_timeseries(returns: ArrayLike) -> float:
    """R² of a straight line fitted to the cumulative log returns ``Σ log(1 + r)`` over
    the known returns: 1.0 for steady compounding.

    NaN with fewer than 2 returns (or known returns) and when the cumulative log return is
    flat.
    """
    r = _returns(returns)
    if len(r) < 2:
        return math.nan
    r = r[~np.isnan(r)]
    if len(r) < 2:
        return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.cumsum(np.log1p(r))
        y = y - y.mean()
    x = np.arange(len(y), dtype=np.float64)
    x = x - x.mean()
    sxx, sxy, syy = float(x @ x), float(x @ y), float(y @ y)
    if syy == 0.0:
        return math.nan if sxy == 0.0 else 0.0
    correlation = min(max(sxy / math.sqrt(sxx * syy), -1.0), 1.0)
    return correlation**2


def value_at_risk(returns: ArrayLike, cutoff: float = 0.05) -> float:
    """The ``cutoff`` quantile of the returns (linear interpolation), e.g. the 5% worst
    period's return; NaN without returns or when any return is NaN."""
    r = _returns(returns)
    if len(r) == 0:
        return math.nan
    return float(np.percentile(r, 100.0 * cutoff))


def conditional_value_at_risk(returns: ArrayLike, cutoff: float = 0.05) -> float:
    """The mean of the ``k + 1`` lowest known returns, ``k = int((n - 1) · cutoff)`` for
    ``n`` known returns: the average of the worst periods; NaN without known returns."""
    r = _returns(returns)
    r = r[~np.isnan(r)]
    if len(r) == 0:
        return math.nan
    worst = int((len(r) - 1) * cutoff)
    return float(np.mean(np.partition(r, worst)[: worst + 1]))


def beta(returns: ArrayLike, benchmark_returns: ArrayLike) -> float:
    """``cov(r, b) / var(b)`` (population moments) over the periods where both are known;
    NaN with fewer than 2 periods or a benchmark variance below 1e-30.

    Raises:
        DataError: the two series differ in length or are not one-dimensional.
    """
    r, b = _paired(returns, benchmark_returns)
    if len(r) < 2:
        return math.nan
    return float(_beta(r, b))


def alpha(
    returns: ArrayLike,
    benchmark_returns: ArrayLike,
    risk_free: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """Jensen's alpha, annualised by compounding:
    ``(1 + mean((r - risk_free) - β·(b - risk_free))) ** periods_per_year - 1`` with ``β``
    from :func:`beta`; NaN whenever beta is.

    Raises:
        DataError: the two series differ in length or are not one-dimensional.
    """
    return alpha_beta(returns, benchmark_returns, risk_free, periods_per_year)[0]


def alpha_beta(
    returns: ArrayLike,
    benchmark_returns: ArrayLike,
    risk_free: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> tuple[float, float]:
    """``(alpha, beta)``, as :func:`alpha` and :func:`beta` give them.

    Raises:
        DataError: the two series differ in length or are not one-dimensional.
    """
    r, b = _paired(returns, benchmark_returns)
    if len(r) < 2:
        return math.nan, math.nan
    slope = float(_beta(r, b))
    residual = (r - risk_free) - slope * (b - risk_free)
    with np.errstate(invalid="ignore", over="ignore"):
        annual = float(np.power(_nanmean(residual) + 1.0, periods_per_year)) - 1.0
    return annual, slope


def _windows(values: Floats, window: int) -> Floats:
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ConfigError(f"a rolling window is a whole number of periods ≥ 1, got {window!r}")
    return np.lib.stride_tricks.sliding_window_view(values, min(len(values), window))


def _rolling(series: Sequence[Floats], window: int, figure: Callable[..., Any]) -> Floats:
    """``figure`` of the windows of ``window`` consecutive periods of each of ``series``
    (aligned), one value per window: empty without periods, NaN while a window holds
    fewer than two."""
    if len(series[0]) == 0:
        return np.empty(0)
    windows = [_windows(values, window) for values in series]
    if windows[0].shape[-1] < 2:
        return np.full(len(windows[0]), np.nan)
    return np.asarray(figure(*windows), dtype=np.float64)


def roll_sharpe_ratio(
    returns: ArrayLike,
    window: int,
    risk_free: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> Floats:
    """:func:`sharpe_ratio` of every run of ``window`` consecutive returns, one per window
    ending at periods ``window - 1 … n - 1`` (a single window over all returns when
    there are fewer than ``window``; empty without returns).

    Raises:
        ConfigError: ``window`` is not a whole number ≥ 1.
    """
    return _rolling((_returns(returns),), window, lambda w: _sharpe(w, risk_free, periods_per_year))


def roll_annual_volatility(
    returns: ArrayLike, window: int, periods_per_year: float = TRADING_DAYS_PER_YEAR
) -> Floats:
    """:func:`annual_volatility` of every run of ``window`` consecutive returns, windows as
    in :func:`roll_sharpe_ratio`.

    Raises:
        ConfigError: ``window`` is not a whole number ≥ 1.
    """
    return _rolling(
        (_returns(returns),), window, lambda w: _nanstd(w, ddof=1) * periods_per_year**0.5
    )


def roll_beta(returns: ArrayLike, benchmark_returns: ArrayLike, window: int) -> Floats:
    """:func:`beta` of every run of ``window`` consecutive periods, windows as in
    :func:`roll_sharpe_ratio`.

    Raises:
        ConfigError: ``window`` is not a whole number ≥ 1.
        DataError: the two series differ in length or are not one-dimensional.
    """
    return _rolling(_paired(returns, benchmark_returns), window, _beta)


def summary(
    returns: ArrayLike,
    benchmark_returns: ArrayLike | None = None,
    *,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> dict[str, float]:
    """Every metric of this module by its function's name, with the default risk-free
    rate, required return and cutoff: a report's metrics table. ``alpha`` and ``beta`` are
    NaN without ``benchmark_returns``.

    Raises:
        DataError: a series is not one-dimensional, or the benchmark's length differs.
    """
    r = _returns(returns)
    per_year = {"periods_per_year": periods_per_year}
    figures = {
        "annual_return": annual_return(r, **per_year),
        "cum_returns_final": cum_returns_final(r),
        "annual_volatility": annual_volatility(r, **per_year),
        "sharpe_ratio": sharpe_ratio(r, **per_year),
        "sortino_ratio": sortino_ratio(r, **per_year),
        "downside_risk": downside_risk(r, **per_year),
        "calmar_ratio": calmar_ratio(r, **per_year),
        "max_drawdown": max_drawdown(r),
        "omega_ratio": omega_ratio(r, **per_year),
        "tail_ratio": tail_ratio(r),
        "stability_of_timeseries": stability_of_timeseries(r),
        "value_at_risk": value_at_risk(r),
        "conditional_value_at_risk": conditional_value_at_risk(r),
    }
    if benchmark_returns is None:
        figures["alpha"], figures["beta"] = math.nan, math.nan
    else:
        figures["alpha"], figures["beta"] = alpha_beta(r, benchmark_returns, **per_year)
    return figures
