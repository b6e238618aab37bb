"""The figures of one run that make its row of a sweep's table, and the objective a search
maximises."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from rustybt.engine.results import BacktestResult

METRICS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "trades",
    "win_rate",
    "exposure",
)
"""The metric columns of a sweep's table, in order."""


def run_metrics(result: BacktestResult) -> dict[str, float]:
    """Every metric of :data:`METRICS` for ``result``, NaN where it is undefined.

    ``total_return``, ``cagr`` (annual return), ``sharpe``, ``sortino``, ``calmar`` and
    ``max_drawdown`` are :mod:`rustybt.analytics.risk`'s (empyrical's) figures of the
    frame's daily returns, annualised with the run calendar's sessions per year;
    ``trades`` is the number of fills; ``win_rate`` the share of round trips (FIFO per
    asset, commissions included: :func:`rustybt.analytics.trades.round_trips`) that made
    money, NaN when none closed; ``exposure`` the mean over sessions of the gross position
    value (longs plus the absolute value of shorts) over the portfolio value, the frame's
    ``gross_leverage``.
    """
    # Imported here so that a command line checking --objective or --grid starts without
    # numpy, pandas and the calendars.
    import numpy as np

    from rustybt.analytics import risk
    from rustybt.analytics.trades import round_trips, win_rate
    from rustybt.calendars import get_calendar

    figures = result.figures  # the frame's lists of dicts are not needed here
    returns = figures["returns"].to_numpy(dtype=np.float64)
    calendar = result.data_provenance.get("calendar")
    per_year = (
        get_calendar(str(calendar)).periods_per_year
        if calendar is not None
        else risk.TRADING_DAYS_PER_YEAR
    )
    leverage = figures["gross_leverage"].to_numpy(dtype=np.float64)
    return {
        "total_return": risk.cum_returns_final(returns),
        "cagr": risk.annual_return(returns, per_year),
        "sharpe": risk.sharpe_ratio(returns, periods_per_year=per_year),
        "sortino": risk.sortino_ratio(returns, periods_per_year=per_year),
        "calmar": risk.calmar_ratio(returns, per_year),
        "max_drawdown": risk.max_drawdown(returns),
        "trades": float(len(result.transactions)),
        "win_rate": win_rate(round_trips(result.transactions, result.actions)),
        "exposure": float(np.mean(leverage)) if len(leverage) else math.nan,
    }


def objective_value(metrics: Mapping[str, float], objective: str) -> float:
    """``metrics[objective]`` as a figure to maximise: every metric is better larger
    (``max_drawdown`` is a fraction ≤ 0); a missing or NaN figure is ``-inf``, the worst."""
    value = float(metrics.get(objective, math.nan))
    return -math.inf if math.isnan(value) else value


def check_objective(name: str) -> str:
    """``name``, when it is one of :data:`METRICS`.

    Raises:
        ConfigError: it is not; the message lists the metrics.
    """
    if name not in METRICS:
        raise ConfigError(f"--objective {name}: no such metric; choose one of {', '.join(METRICS)}")
    return name
