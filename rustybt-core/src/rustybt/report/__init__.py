"""HTML reports of a run's results: ``rustybt report RESULTS -o report.html``.

:func:`write_report` reads the results file ``rustybt run -o`` writes and writes one
self-contained, offline page (:mod:`rustybt.report.html` documents its element ids);
:func:`write_results_report` writes the page of results already read, such as those of a
run in this process (:func:`run_results`, what ``rustybt run --report`` and
``BacktestResult.report`` use). :func:`write_sweep_report` writes the page of a sweep's
table (:mod:`rustybt.report.sweep_report`); :func:`report_kind` tells which of the two a
Parquet file is.
Drawing needs plotly, installed by the ``report`` extra (``rustybt-core[report]``); it is
imported only when a report is made.
"""

from rustybt.report.html import render_report, write_report, write_results_report
from rustybt.report.load import (
    BacktestResults,
    load_results,
    report_kind,
    results_from_frame,
    run_results,
)
from rustybt.report.metrics_table import metrics_rows, summary_metrics
from rustybt.report.sweep_report import SweepTable, load_sweep_table, write_sweep_report

__all__ = [
    "BacktestResults",
    "SweepTable",
    "load_results",
    "load_sweep_table",
    "metrics_rows",
    "render_report",
    "report_kind",
    "results_from_frame",
    "run_results",
    "summary_metrics",
    "write_report",
    "write_results_report",
    "write_sweep_report",
]
