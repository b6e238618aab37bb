"""The report's metrics table: which metrics it shows, how, and where their values come from.

The table is built from a plain mapping of metric name to value (:func:`metrics_rows`), so
any source of metrics can fill it; :func:`summary_metrics` gives a backtest's: the run's
performance summary (:func:`rustybt.metrics.summarize`) recomputed from the results file,
and the risk figures of :mod:`rustybt.analytics.risk` (empyrical's formulas) on its daily
returns against its benchmark's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import attrs
import pandas as pd

from rustybt.analytics import risk
from rustybt.metrics import summarize
from rustybt.report.load import BacktestResults, benchmark_returns


def _percent(value: float) -> str:
    return f"{value:,.2%}"


def _ratio(value: float) -> str:
    return f"{value:.2f}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


METRICS: dict[str, tuple[str, Callable[[float], str]]] = {
    "total_return": ("Total return", _percent),
    "cagr": ("CAGR", _percent),
    "annual_volatility": ("Annual volatility", _percent),
    "sharpe": ("Sharpe ratio", _ratio),
    "sortino": ("Sortino ratio", _ratio),
    "max_drawdown": ("Max drawdown", _percent),
    "calmar": ("Calmar ratio", _ratio),
    "omega": ("Omega ratio", _ratio),
    "tail_ratio": ("Tail ratio", _ratio),
    "stability": ("Stability", _ratio),
    "value_at_risk": ("Daily value at risk (5 %)", _percent),
    "alpha": ("Alpha (annual)", _ratio),
    "beta": ("Beta", _ratio),
    "trades": ("Trades", _count),
    "win_rate": ("Win rate", _percent),
    "exposure": ("Exposure", _percent),
}
"""Each metric the table knows, in table order: its label and how its value is shown."""


@attrs.frozen(kw_only=True)
class MetricRow:
    """One row of the metrics table: the metric's ``name`` (a key of :data:`METRICS`, or
    the name given for one it does not know), its ``label``, its ``value`` (None when
    undefined) and ``text``, the value as shown (``n/a`` when undefined)."""

    name: str
    label: str
    value: float | None
    text: str


def metrics_rows(metrics: Mapping[str, float | None]) -> list[MetricRow]:
    """The table's rows for ``metrics`` (name to value): the known metrics first, in
    :data:`METRICS` order, then any other in the order given, labelled by its name and
    shown with 4 decimals. A None or non-finite value shows as ``n/a`` (``inf``/``-inf``
    for an unbounded ratio)."""
    ordered = [name for name in METRICS if name in metrics]
    ordered += [name for name in metrics if name not in METRICS]
    return [
        MetricRow(
            name=name,
            label=metric_label(name),
            value=metrics[name],
            text=metric_text(name, metrics[name]),
        )
        for name in ordered
    ]


def metric_label(name: str) -> str:
    """How the table labels the metric ``name``: its :data:`METRICS` label, or for another
    metric its name with spaces, capitalised."""
    return METRICS[name][0] if name in METRICS else name.replace("_", " ").capitalize()


def metric_text(name: str, value: float | None) -> str:
    """``value`` of the metric ``name`` as the table shows it: as :data:`METRICS` says
    (4 decimals for another metric); ``n/a`` when None or NaN, ``inf``/``-inf`` when
    unbounded."""
    return _text(value, METRICS[name][1] if name in METRICS else _decimal)


def summary_metrics(results: BacktestResults) -> dict[str, float]:
    """The run's performance summary, as ``rustybt run`` prints it, from its results file:
    total return, CAGR, annual volatility, Sharpe, Sortino and max drawdown by the
    formulas of :func:`rustybt.metrics.summarize`, and the number of fills; then calmar,
    omega, tail ratio, stability, value at risk, alpha and beta of its daily returns
    (against the benchmark's, from ``benchmark_period_return``) by
    :func:`rustybt.analytics.risk.summary`."""
    values = results.frame["portfolio_value"].astype("float64")
    summary = summarize(
        pd.Series(values.to_numpy(), index=results.frame.index),
        starting_value=results.starting_value,
        periods_per_year=results.periods_per_year,
        trades=len(results.transactions),
        realized_pnl=(),  # round trips need the ledger's cost basis, not in the file
    )
    return {
        "total_return": summary.total_return,
        "cagr": summary.cagr,
        "annual_volatility": summary.annual_volatility,
        "sharpe": summary.sharpe,
        "sortino": summary.sortino,
        "max_drawdown": summary.max_drawdown,
        **_risk_figures(results),
        "trades": float(summary.trades),
    }


def _risk_figures(results: BacktestResults) -> dict[str, float]:
    returns = results.frame["returns"].astype("float64").to_numpy()
    figures = risk.summary(
        returns, benchmark_returns(results).to_numpy(), periods_per_year=results.periods_per_year
    )
    return {
        "calmar": figures["calmar_ratio"],
        "omega": figures["omega_ratio"],
        "tail_ratio": figures["tail_ratio"],
        "stability": figures["stability_of_timeseries"],
        "value_at_risk": figures["value_at_risk"],
        "alpha": figures["alpha"],
        "beta": figures["beta"],
    }


def _decimal(value: float) -> str:
    return f"{value:,.4f}"


def _text(value: float | None, render: Callable[[float], str]) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return render(value)
