"""The report page: one self-contained HTML file, working offline.

The page carries plotly.js inline (from the installed ``plotly`` package) and makes no
network request. Its parts, with ids and classes that stay stable for tests and styling:

- ``<header id="report-header">``: the title, the run's first and last session and the
  results file read (none for a run's result in memory);
- ``<table id="metrics-table">``: one ``<tr data-metric="NAME">`` per metric (names as in
  :data:`rustybt.report.metrics_table.METRICS`), its ``<td>`` showing the value and holding
  it exactly in ``data-value`` (Python's ``repr`` of the float, empty when undefined: None
  or NaN);
- one ``<div class="rustybt-chart" id="ID">`` per chart, where ``ID`` is one of
  ``chart-equity``, ``chart-drawdown``, ``chart-monthly-returns``, ``chart-annual-returns``,
  ``chart-rolling-sharpe``, ``chart-rolling-volatility``, ``chart-rolling-beta``,
  ``chart-exposure``, ``chart-positions``, ``chart-price-fills`` (every one on every
  backtest report, in this order; a chart with nothing to draw says so on it); its figure
  (Plotly's ``{"data": ..., "layout": ...}``) is the JSON of the
  ``<script type="application/json" class="rustybt-chart-data" data-chart="ID">`` after it,
  drawn by the page's last script into the div (Plotly adds an ``svg.main-svg``);
- ``<table id="trades-table">``: one ``<tr class="rustybt-trade">`` per fill.

A sweep's report (:mod:`rustybt.report.sweep_report`) is made of the same parts:
:func:`render_page`, :func:`chart_section` and :func:`write_page`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rustybt.atomic_files import atomic_path
from rustybt.report.figures import Chart, backtest_charts, plotly_module
from rustybt.report.load import BacktestResults, load_results
from rustybt.report.metrics_table import MetricRow, metrics_rows, summary_metrics

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1f2933; background: #f5f7fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 1.6rem; }
header p { margin: 0; color: #52606d; }
section { background: #fff; border-radius: 6px; padding: 16px 20px; margin: 16px 0;
          box-shadow: 0 1px 2px rgba(0, 0, 0, 0.08); }
h2 { font-size: 1.1rem; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; }
td.number { text-align: right; }
#metrics-table { width: auto; min-width: 320px; }
.rustybt-chart { width: 100%; min-height: 360px; }
.rustybt-table { overflow-x: auto; }
.rustybt-table td { white-space: nowrap; }
th.objective { text-decoration: underline; }
"""

DRAW = """
document.querySelectorAll("script.rustybt-chart-data").forEach(function (node) {
  var figure = JSON.parse(node.textContent);
  Plotly.newPlot(node.dataset.chart, figure.data, figure.layout,
                 {responsive: true, displaylogo: false, showLink: false});
});
"""

TRADE_COLUMNS = ("Date", "Symbol", "Amount", "Price", "Commission", "Value", "Order")


def write_report(results_file: str | Path, output: str | Path, *, asset: str | None = None) -> Path:
    """Write the HTML report of the backtest whose results ``rustybt run -o`` wrote to
    ``results_file`` to ``output``, atomically: on any error no file is left at
    ``output`` (an earlier one stays as it was). ``asset`` is the symbol of the price
    chart (None: the most traded). Returns ``output``.

    Raises:
        ConfigError: ``results_file`` does not exist, ``output``'s directory does not,
            the run never held nor traded ``asset``, or plotly is not installed.
        DataError: ``results_file`` is not a results file or holds no sessions.
    """
    return write_results_report(load_results(results_file), output, asset=asset)


def write_results_report(
    results: BacktestResults, output: str | Path, *, asset: str | None = None
) -> Path:
    """Write the HTML report of ``results`` (read from a file by
    :func:`rustybt.report.load.load_results` or from a run in memory by
    :func:`rustybt.report.load.run_results`) to ``output``, atomically, with the metrics
    of :func:`rustybt.report.metrics_table.summary_metrics` and the price chart of
    ``asset`` (None: the most traded). Returns ``output``.

    Raises:
        ConfigError: ``output``'s directory does not exist, the run never held nor traded
            ``asset``, or plotly is not installed.
    """
    return write_page(render_report(results, summary_metrics(results), asset=asset), output)


def write_page(page: str, output: str | Path) -> Path:
    """Write ``page`` to ``output`` atomically (no partial file on any error; an earlier
    file stays as it was until the new one is whole). Returns ``output``."""
    with atomic_path(output) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return Path(output)


def render_report(
    results: BacktestResults, metrics: Mapping[str, float | None], *, asset: str | None = None
) -> str:
    """The page of ``results`` with the metrics table of ``metrics`` (name to value, see
    :func:`rustybt.report.metrics_table.metrics_rows`) and the price chart of ``asset``
    (None: the most traded).

    Raises:
        ConfigError: the run never held nor traded ``asset``.
    """
    charts = backtest_charts(results, asset)
    index = results.frame.index
    period = f"{index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}, {len(index):,} sessions"
    title = "Backtest report"
    if results.source is not None:
        title, period = f"{title}: {results.source.name}", f"{period}, from {results.source}"
    sections = [
        '<section id="metrics">',
        "<h2>Metrics</h2>",
        _metrics_table(metrics_rows(metrics)),
        "</section>",
        *(chart_section(chart) for chart in charts),
        '<section id="trades">',
        f"<h2>Trades ({len(results.transactions):,})</h2>",
        _trades_table(results.transactions),
        "</section>",
    ]
    return render_page(title, period, sections)


def render_page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """A whole report page: ``<header id="report-header">`` with ``title`` and
    ``subtitle``, then ``sections`` (HTML, in order; charts as :func:`chart_section` makes
    them), with plotly.js and the script that draws every chart inlined.

    Raises:
        ConfigError: plotly is not installed.
    """
    plotly_js = plotly_module("plotly.offline").get_plotlyjs()
    body = "\n".join(
        [
            '<header id="report-header">',
            f"<h1>{escaped(title)}</h1>",
            f"<p>{escaped(subtitle)}</p>",
            "</header>",
            *sections,
        ]
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escaped(title)}</title>",
            f"<style>{STYLE}</style>",
            f'<script type="text/javascript">{plotly_js}</script>',
            "</head>",
            "<body>",
            "<main>",
            body,
            "</main>",
            f"<script>{DRAW}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _metrics_table(rows: Sequence[MetricRow]) -> str:
    lines = ['<table id="metrics-table">']
    for row in rows:
        value = row.value
        exact = "" if value is None or math.isnan(value) else repr(float(value))
        lines.append(
            f'<tr data-metric="{escaped(row.name)}"><th>{escaped(row.label)}</th>'
            f'<td class="number" data-value="{escaped(exact)}">{escaped(row.text)}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def chart_section(chart: Chart) -> str:
    """A ``<section>`` with ``chart``'s title, its ``<div class="rustybt-chart">`` and its
    figure's JSON, which the page's script draws (see the module's docstring)."""
    figure = plotly_module("plotly.io").to_json(chart.figure, validate=False)
    # JSON inside <script> must not close the element: "<" as its JSON escape is inert.
    payload = figure.replace("<", "\\u003c")
    return "\n".join(
        [
            '<section class="rustybt-chart-section">',
            f"<h2>{escaped(chart.title)}</h2>",
            f'<div class="rustybt-chart" id="{escaped(chart.id)}"></div>',
            f'<script type="application/json" class="rustybt-chart-data" '
            f'data-chart="{escaped(chart.id)}">{payload}</script>',
            "</section>",
        ]
    )


def _trades_table(transactions: Sequence[Mapping[str, Any]]) -> str:
    if not transactions:
        return '<table id="trades-table"><tr><td>The run made no trades.</td></tr></table>'
    header = "".join(f"<th>{name}</th>" for name in TRADE_COLUMNS)
    lines = ['<table id="trades-table">', f"<tr>{header}</tr>"]
    for fill in transactions:
        amount, price = _float(fill.get("amount")), _float(fill.get("price"))
        value = None if amount is None or price is None else amount * price
        cells = [
            cell(str(fill.get("dt", ""))[:19]),
            cell(fill.get("symbol", "")),
            cell(fill.get("amount", ""), number=True),
            cell(formatted(price, "{:,.4f}"), number=True),
            cell(formatted(_float(fill.get("commission")), "{:,.2f}"), number=True),
            cell(formatted(value, "{:,.2f}"), number=True),
            cell(fill.get("order_id", "")),
        ]
        lines.append(f'<tr class="rustybt-trade">{"".join(cells)}</tr>')
    lines.append("</table>")
    return "\n".join(lines)


def cell(value: object, *, number: bool = False) -> str:
    """A ``<td>`` showing ``value`` escaped, aligned right as a number when ``number``."""
    klass = ' class="number"' if number else ""
    return f"<td{klass}>{escaped(str(value))}</td>"


def _float(value: object) -> float | None:
    if not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def formatted(value: float | None, pattern: str) -> str:
    """``value`` in ``pattern`` (a ``str.format`` pattern), empty when it is None."""
    return "" if value is None else pattern.format(value)


def escaped(value: str) -> str:
    """``value`` safe as HTML text or a quoted attribute's value."""
    return html.escape(value, quote=True)
