"""The report's charts of a backtest, as Plotly figures.

Each chart is a :class:`Chart`: a stable id (the HTML element's id, see
:mod:`rustybt.report.html`), a title and a figure. Series are given to Plotly as plain
lists (dates as ISO strings, undefined values as None) so the page's JSON reads as numbers.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.analytics import risk
from rustybt.errors import ConfigError
from rustybt.install_hint import install_command
from rustybt.report.load import BacktestResults, benchmark_returns

ROLLING_SESSIONS = 126
"""The rolling window of the rolling charts: about 6 months of sessions."""

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@attrs.frozen(kw_only=True)
class Chart:
    """One chart of the report: its element ``id``, ``title`` and Plotly ``figure``."""

    id: str
    title: str
    figure: Any  # plotly.graph_objects.Figure; plotly is imported only to draw


def plotly_module(name: str = "plotly") -> ModuleType:
    """Import ``name`` (plotly or one of its modules), which the ``report`` extra installs.

    Raises:
        ConfigError: plotly is not installed; the message gives the command installing it.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "reports need plotly, which is not installed: "
            f"run `{install_command('rustybt-core', 'report')}`"
        ) from exc


def backtest_charts(results: BacktestResults, asset: str | None = None) -> list[Chart]:
    """Every chart of a backtest's report, in page order: equity vs benchmark, underwater
    drawdown, monthly returns, annual returns, rolling Sharpe, volatility and beta,
    exposure and leverage, positions over time, and the price of ``asset`` (a symbol;
    None: :func:`most_traded`) with its fills.

    Raises:
        ConfigError: the run never held nor traded ``asset``.
    """
    builders: list[tuple[str, str, Callable[[BacktestResults], Any]]] = [
        ("chart-equity", "Cumulative return vs benchmark", equity_figure),
        ("chart-drawdown", "Underwater (drawdown from the running peak)", drawdown_figure),
        ("chart-monthly-returns", "Monthly returns", monthly_returns_figure),
        ("chart-annual-returns", "Annual returns", annual_returns_figure),
        ("chart-rolling-sharpe", "Rolling 6-month Sharpe ratio", rolling_sharpe_figure),
        ("chart-rolling-volatility", "Rolling 6-month volatility", rolling_volatility_figure),
        ("chart-rolling-beta", "Rolling 6-month beta to the benchmark", rolling_beta_figure),
        ("chart-exposure", "Exposure and leverage", exposure_figure),
        ("chart-positions", "Positions (value held at each close)", positions_figure),
    ]
    charts = [Chart(id=id_, title=title, figure=build(results)) for id_, title, build in builders]
    symbol = price_asset(results, asset)
    title = "Price and fills" if symbol is None else f"Price of {symbol} and its fills"
    charts.append(
        Chart(id="chart-price-fills", title=title, figure=price_fills_figure(results, symbol))
    )
    return charts


def equity_figure(results: BacktestResults) -> Any:
    """The strategy's and the benchmark's cumulative returns, session by session."""
    frame = results.frame
    return _lines(
        frame.index,
        {
            "Strategy": frame["algorithm_period_return"],
            "Benchmark": frame["benchmark_period_return"],
        },
        y_format=".1%",
    )


def drawdowns(results: BacktestResults) -> pd.Series:
    """Each session's drawdown: the portfolio value over its running peak (the capital
    counting as the first peak), minus 1; 0 at a new high, negative below it."""
    values = results.frame["portfolio_value"].to_numpy(dtype=np.float64)
    peaks = np.maximum.accumulate(np.maximum(values, results.starting_value))
    return pd.Series(values / peaks - 1.0, index=results.frame.index)


def drawdown_figure(results: BacktestResults) -> Any:
    """The underwater chart: each session's drawdown, filled down from zero."""
    go = plotly_module("plotly.graph_objects")
    series = drawdowns(results)
    figure = go.Figure(
        go.Scatter(
            x=_dates(series.index),
            y=finite_values(series),
            name="Drawdown",
            fill="tozeroy",
            line={"color": "#c0392b"},
        )
    )
    return chart_layout(figure, y_format=".1%")


def monthly_returns(results: BacktestResults) -> pd.DataFrame:
    """Compounded returns of each calendar month: rows are years, columns months 1-12
    (NaN for a month without sessions)."""
    growth = (1.0 + results.frame["returns"].astype("float64")).groupby(
        [results.frame.index.year, results.frame.index.month]
    )
    table = (growth.prod() - 1.0).unstack()
    return table.reindex(columns=range(1, 13))


def monthly_returns_figure(results: BacktestResults) -> Any:
    """A heatmap of monthly returns, years down and months across."""
    go = plotly_module("plotly.graph_objects")
    table = monthly_returns(results)
    z = [[finite_or_none(value) for value in row] for row in table.to_numpy()]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(MONTHS),
            y=[str(year) for year in table.index],
            colorscale="RdYlGn",
            zmid=0.0,
            text=[["" if value is None else f"{value:.1%}" for value in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y} %{x}: %{z:.2%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    figure.update_yaxes(autorange="reversed", type="category")
    return chart_layout(figure)


def annual_returns(results: BacktestResults) -> pd.Series:
    """Compounded returns of each calendar year of the run, indexed by year."""
    growth = (1.0 + results.frame["returns"].astype("float64")).groupby(results.frame.index.year)
    return growth.prod() - 1.0


def annual_returns_figure(results: BacktestResults) -> Any:
    """A bar per calendar year: that year's compounded return."""
    go = plotly_module("plotly.graph_objects")
    series = annual_returns(results)
    figure = go.Figure(
        go.Bar(
            x=[str(year) for year in series.index],
            y=finite_values(series),
            name="Annual return",
            marker={"color": ["#27ae60" if value >= 0 else "#c0392b" for value in series]},
        )
    )
    figure.update_xaxes(type="category")
    return chart_layout(figure, y_format=".0%")


def rolling_volatility(results: BacktestResults) -> pd.Series:
    """Annualised volatility of returns over each trailing window of
    :data:`ROLLING_SESSIONS` sessions (``std(ddof=1) * sqrt(periods per year)``), NaN until
    the first full window."""
    returns = results.frame["returns"].astype("float64")
    window = returns.rolling(ROLLING_SESSIONS, min_periods=ROLLING_SESSIONS)
    return window.std(ddof=1) * math.sqrt(results.periods_per_year)


def rolling_sharpe(results: BacktestResults) -> pd.Series:
    """Annualised Sharpe ratio (risk-free rate 0) over each trailing window of
    :data:`ROLLING_SESSIONS` sessions, NaN until the first full window or where the
    window's returns do not vary."""
    returns = results.frame["returns"].astype("float64")
    window = returns.rolling(ROLLING_SESSIONS, min_periods=ROLLING_SESSIONS)
    std = window.std(ddof=1)
    ratio = window.mean() / std.where(std > 0) * math.sqrt(results.periods_per_year)
    return ratio


def rolling_sharpe_figure(results: BacktestResults) -> Any:
    """The rolling 6-month Sharpe ratio."""
    return _lines(results.frame.index, {"Sharpe ratio": rolling_sharpe(results)}, y_format=".2f")


def rolling_volatility_figure(results: BacktestResults) -> Any:
    """The rolling 6-month annualised volatility."""
    return _lines(results.frame.index, {"Volatility": rolling_volatility(results)}, y_format=".0%")


def rolling_beta(results: BacktestResults) -> pd.Series:
    """Beta of returns to the benchmark's (:func:`rustybt.analytics.risk.roll_beta`) over
    each trailing window of :data:`ROLLING_SESSIONS` sessions, NaN until the first full
    window or where the window's benchmark returns do not vary."""
    returns = results.frame["returns"].astype("float64").to_numpy()
    values = np.full(len(returns), np.nan)
    if len(returns) >= ROLLING_SESSIONS:
        betas = risk.roll_beta(returns, benchmark_returns(results).to_numpy(), ROLLING_SESSIONS)
        values[ROLLING_SESSIONS - 1 :] = betas
    return pd.Series(values, index=results.frame.index)


def rolling_beta_figure(results: BacktestResults) -> Any:
    """The rolling 6-month beta; a note on the chart when it is nowhere defined (a run
    shorter than the window, or a benchmark that never moves, the default one)."""
    series = rolling_beta(results)
    figure = _lines(results.frame.index, {"Beta": series}, y_format=".2f")
    if not np.isfinite(series.to_numpy()).any():
        _note(
            figure,
            "Beta is undefined: the run is shorter than the window, "
            "or the benchmark's returns do not vary",
        )
    return figure


def exposure_figure(results: BacktestResults) -> Any:
    """Gross and net leverage at each session's close (long and short exposure over the
    portfolio value; undefined, left out, where the value is 0)."""
    frame = results.frame
    return _lines(
        frame.index,
        {"Gross leverage": frame["gross_leverage"], "Net leverage": frame["net_leverage"]},
        y_format=".2f",
    )


def position_values(results: BacktestResults) -> pd.DataFrame:
    """The value held in each asset at each session's close (amount times last sale
    price; negative when short, 0 when not held): sessions down, symbols across in order
    of the largest value held."""
    positions = results.positions
    table = positions.pivot_table(index="session", columns="symbol", values="value", aggfunc="sum")
    table = table.reindex(index=results.frame.index).fillna(0.0)
    order = table.abs().max().sort_values(ascending=False, kind="stable").index
    return table[list(order)]


def positions_figure(results: BacktestResults) -> Any:
    """The value held in each asset at each close, stacked (longs above zero, shorts
    below); a note on the chart when the run held nothing."""
    go = plotly_module("plotly.graph_objects")
    table = position_values(results)
    figure = go.Figure()
    dates = _dates(table.index)
    for symbol in table.columns:
        figure.add_trace(
            go.Scatter(
                x=dates,
                y=finite_values(table[symbol]),
                name=str(symbol),
                mode="lines",
                stackgroup="positions",
            )
        )
    if table.columns.empty:
        _note(figure, "The run held no positions")
    return chart_layout(figure, y_format=",.0f")


def most_traded(results: BacktestResults) -> str | None:
    """The symbol with the most fills (ties: the first in alphabetical order); None when
    the run made none."""
    counts = results.fills["symbol"].value_counts()
    if counts.empty:
        return None
    return str(min(counts.index[counts == counts.max()]))


def price_asset(results: BacktestResults, asset: str | None) -> str | None:
    """The symbol the price chart shows: ``asset``, or :func:`most_traded` when None.

    Raises:
        ConfigError: the run never held nor traded ``asset``.
    """
    if asset is None:
        return most_traded(results)
    known = sorted(set(results.fills["symbol"]) | set(results.positions["symbol"]))
    if asset not in known:
        listed = ", ".join(known) if known else "none: the run neither traded nor held anything"
        raise ConfigError(
            f"asset {asset} is not in the run: it never traded nor held it; "
            f"give one it did ({listed})"
        )
    return asset


def asset_prices(results: BacktestResults, symbol: str) -> pd.Series:
    """The price of ``symbol`` at each session's close, as far as the results hold it:
    the last sale price of the position in it, NaN on sessions it was not held."""
    held = results.positions[results.positions["symbol"] == symbol]
    prices = held.groupby("session")["last_sale_price"].last()
    return prices.reindex(results.frame.index)


def price_fills_figure(results: BacktestResults, symbol: str | None) -> Any:
    """The price of ``symbol`` (:func:`asset_prices`: a line, broken where the run did not
    hold it) with a marker per fill at its price on its session: buys as green triangles
    up, sells as red triangles down."""
    go = plotly_module("plotly.graph_objects")
    figure = go.Figure()
    if symbol is None:
        _note(figure, "The run made no trades")
        return chart_layout(figure)
    prices = asset_prices(results, symbol)
    figure.add_trace(
        go.Scatter(
            x=_dates(prices.index),
            y=finite_values(prices),
            name=f"{symbol} (close, while held)",
            mode="lines",
            line={"color": "#52606d"},
            connectgaps=False,
        )
    )
    fills = results.fills[results.fills["symbol"] == symbol]
    for name, side, marker, color in (
        ("Buys", fills["amount"] > 0, "triangle-up", "#27ae60"),
        ("Sells", fills["amount"] < 0, "triangle-down", "#c0392b"),
    ):
        chosen = fills[side]
        figure.add_trace(
            go.Scatter(
                x=_dates(pd.DatetimeIndex(chosen["session"])),
                y=finite_values(chosen["price"]),
                name=name,
                mode="markers",
                marker={"symbol": marker, "color": color, "size": 10},
                text=[
                    f"{amount:+,.10g} at {price:,.4f} ({dt[:19]})"
                    for amount, price, dt in zip(
                        chosen["amount"], chosen["price"], chosen["dt"], strict=True
                    )
                ],
                hovertemplate="%{text}<extra>" + name + "</extra>",
            )
        )
    return chart_layout(figure, y_format=",.2f")


def _note(figure: Any, text: str) -> None:
    figure.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"color": "#52606d"},
    )


def _lines(index: pd.DatetimeIndex, series: dict[str, pd.Series], *, y_format: str) -> Any:
    go = plotly_module("plotly.graph_objects")
    figure = go.Figure()
    dates = _dates(index)
    for name, values in series.items():
        figure.add_trace(go.Scatter(x=dates, y=finite_values(values), name=name, mode="lines"))
    return chart_layout(figure, y_format=y_format)


def chart_layout(figure: Any, *, y_format: str | None = None) -> Any:
    """``figure`` in the reports' look (white template, legend above, one hover for all
    series), its y axis ticks in ``y_format`` when given; returns ``figure``."""
    figure.update_layout(
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 20, "b": 40},
        height=360,
        legend={"orientation": "h", "y": 1.08},
        hovermode="x unified",
    )
    if y_format is not None:
        figure.update_yaxes(tickformat=y_format)
    return figure


def _dates(index: pd.DatetimeIndex) -> list[str]:
    return [stamp.strftime("%Y-%m-%d") for stamp in index]


def finite_values(values: pd.Series) -> list[float | None]:
    """``values`` as a plain list for Plotly's JSON, each undefined one (NaN, inf) None."""
    return [finite_or_none(value) for value in values.to_numpy(dtype=np.float64)]


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or None when it is NaN or infinite."""
    return float(value) if math.isfinite(value) else None
