"""The performance summary of a backtest or paper session.

:func:`summarize` turns the end-of-period portfolio values and the closed trades of a run
into a :class:`PerformanceSummary`. Per-period returns are simple returns,
``r[i] = V[i] / V[i-1] - 1`` with ``V[-1] = starting_value``; ratios assume a risk-free
rate and a required return of 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.analytics import risk

DAYS_PER_YEAR = 365.25
"""Calendar days in a year, the time unit of :attr:`PerformanceSummary.cagr`."""


def _timestamp(value: pd.Timestamp) -> str:
    return value.isoformat()


def _count(value: int) -> str:
    return f"{value:,}"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2%}"


def _ratio(value: float) -> str:
    return f"{value:.2f}"


def _row(label: str, render: Callable[[Any], str]) -> dict[str, Any]:
    """Field metadata giving the field's console row as ``(label, render(value))``."""
    return {"label": label, "render": render}


@attrs.frozen(kw_only=True)
class PerformanceSummary:
    """Headline numbers of one run; see :func:`summarize` for every formula."""

    start: pd.Timestamp = attrs.field(metadata=_row("Start", _timestamp))
    end: pd.Timestamp = attrs.field(metadata=_row("End", _timestamp))
    periods: int = attrs.field(metadata=_row("Periods", _count))
    starting_value: float = attrs.field(metadata=_row("Starting value", _money))
    ending_value: float = attrs.field(metadata=_row("Ending value", _money))
    total_return: float = attrs.field(metadata=_row("Total return", _percent))
    cagr: float = attrs.field(metadata=_row("CAGR", _percent))
    annual_volatility: float = attrs.field(metadata=_row("Annual volatility", _percent))
    sharpe: float = attrs.field(metadata=_row("Sharpe ratio", _ratio))
    sortino: float = attrs.field(metadata=_row("Sortino ratio", _ratio))
    max_drawdown: float = attrs.field(metadata=_row("Max drawdown", _percent))
    trades: int = attrs.field(metadata=_row("Trades", _count))
    round_trips: int = attrs.field(metadata=_row("Round trips", _count))
    win_rate: float | None = attrs.field(metadata=_row("Win rate", _percent))

    def to_dict(self) -> dict[str, Any]:
        """Every field by name, ready for :func:`json.dumps` with ``allow_nan=False``.

        Timestamps become ISO 8601 strings and non-finite floats (an infinite Sortino
        ratio) become ``None``.
        """
        return {
            field.name: _json_value(getattr(self, field.name)) for field in attrs.fields(type(self))
        }

    def rows(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs in field order for a console table.

        Money has thousands separators and 2 decimals (``10,000.00``), returns, volatility,
        drawdown and win rate are percentages with 2 decimals (``-10.00%``, ``n/a`` for no
        win rate), ratios have 2 decimals (``inf`` when unbounded) and counts are integers
        with thousands separators.
        """
        return [
            (field.metadata["label"], field.metadata["render"](getattr(self, field.name)))
            for field in attrs.fields(type(self))
        ]


def _json_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summarize(
    values: pd.Series,
    *,
    starting_value: float,
    periods_per_year: int,
    trades: int,
    realized_pnl: Sequence[float],
) -> PerformanceSummary:
    """Summarize a run from its end-of-period portfolio values.

    ``values`` holds the portfolio value at the end of each period, indexed by the period
    label (a strictly increasing UTC ``DatetimeIndex``; like a bar, a period is labelled
    with the time it opens). ``trades`` is the number of fills; ``realized_pnl`` holds the
    realized P&L of every closing trade, so its length is the number of round trips.

    With returns ``r`` (one per period, the first measured against
    ``starting_value``) and ``P = periods_per_year``:

    - total return = ``ending_value / starting_value - 1``;
    - CAGR = ``(ending_value / starting_value) ** (365.25 / days) - 1`` where ``days`` is the
      calendar time from the opening of the first period to the close of the last, i.e.
      ``last label - first label + one period``, a period lasting as long as the shortest
      gap between consecutive labels. A single period has no measurable length and gives
      0.0; an ending value ≤ 0 gives -1.0 (-100%) and a rate beyond the float range
      gives ``math.inf``;
    - annual volatility = ``std(r, ddof=1) * sqrt(P)``;
    - Sharpe = ``mean(r) / std(r, ddof=1) * sqrt(P)``;
    - Sortino = ``mean(r) * P / (sqrt(mean(min(r, 0) ** 2)) * sqrt(P))`` (empyrical's
      definition): ``math.inf`` when the mean is positive and no return is negative;
    - max drawdown = ``min(V / running_max(V) - 1)`` over ``starting_value`` followed by
      ``values``, a fraction ≤ 0;
    - win rate = share of ``realized_pnl`` entries > 0, ``None`` without closing trades.

    Volatility and Sharpe are 0.0 with fewer than 2 returns or when all returns are equal
    (within a relative 1e-9, i.e. up to float rounding); Sortino is 0.0 when every return
    is 0.

    Raises:
        ValueError: ``values`` is empty or its labels are not strictly increasing, or
            ``starting_value`` is not positive.
    """
    if values.empty:
        raise ValueError("cannot summarize a run without periods: values is empty")
    if not (values.index.is_monotonic_increasing and values.index.is_unique):
        raise ValueError("period labels of values must be strictly increasing")
    if starting_value <= 0:
        raise ValueError(f"starting_value must be positive, got {starting_value}")

    series = np.concatenate(([starting_value], values.to_numpy(dtype=np.float64)))
    returns = series[1:] / series[:-1] - 1.0
    ending_value = float(series[-1])
    pnl = np.asarray(realized_pnl, dtype=np.float64)
    return PerformanceSummary(
        start=values.index[0],
        end=values.index[-1],
        periods=len(values),
        starting_value=float(starting_value),
        ending_value=ending_value,
        total_return=ending_value / starting_value - 1.0,
        cagr=_cagr(ending_value / starting_value, _elapsed_days(values.index)),
        annual_volatility=_volatility(returns, periods_per_year),
        sharpe=_sharpe(returns, periods_per_year),
        sortino=_sortino(returns, periods_per_year),
        max_drawdown=float(np.min(series / np.maximum.accumulate(series) - 1.0)),
        trades=trades,
        round_trips=len(pnl),
        win_rate=float(np.mean(pnl > 0)) if len(pnl) else None,
    )


def _elapsed_days(labels: pd.DatetimeIndex) -> float:
    """Calendar days from the opening of the first period to the close of the last."""
    if len(labels) < 2:
        return 0.0
    period = (labels[1:] - labels[:-1]).min()
    return (labels[-1] - labels[0] + period) / pd.Timedelta(days=1)


def _cagr(growth: float, days: float) -> float:
    if days == 0:
        return 0.0
    # Annualising a short, strong run can exceed the float range; that reads as inf.
    with np.errstate(over="ignore"):
        return float(np.power(max(growth, 0.0), DAYS_PER_YEAR / days)) - 1.0


def _dispersed(returns: np.ndarray) -> bool:
    """Whether the returns have a measurable spread: at least 2 that differ."""
    # A constant growth rate yields returns that differ only by float rounding; their tiny
    # std would make Sharpe explode, so returns equal within a relative 1e-9 count as equal.
    return len(returns) >= 2 and not np.allclose(returns, returns[0], rtol=1e-9, atol=0.0)


def _volatility(returns: np.ndarray, periods_per_year: int) -> float:
    if not _dispersed(returns):
        return 0.0
    return risk.annual_volatility(returns, periods_per_year)


def _sharpe(returns: np.ndarray, periods_per_year: int) -> float:
    if not _dispersed(returns):
        return 0.0
    return risk.sharpe_ratio(returns, periods_per_year=periods_per_year)


def _sortino(returns: np.ndarray, periods_per_year: int) -> float:
    # Not risk.sortino_ratio: a single return has a Sortino ratio here, and 0 gains over 0
    # losses is 0.0 rather than NaN.
    mean = float(np.mean(returns))
    downside = risk.downside_risk(returns, periods_per_year=periods_per_year)
    if downside == 0.0:
        return math.inf if mean > 0 else 0.0
    return mean * periods_per_year / downside
