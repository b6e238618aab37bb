"""HTML reports of a run's results: ``rustybt report RESULTS -o report.html``.

:func:`write_report` reads the results file ``rustybt run -o`` writes and writes one
self-contained, offline page (:mod:`rustybt.report.html` documents its element ids);
:func:`write_results_report` writes the page of results already read, such as those of a
run in this process (:func:`run_results`, what ``rustybt run --report`` and
``BacktestResult.report`` use).
Drawing needs plotly, installed by the ``report`` extra (``rustybt-core[report]``); it is
imported only when a report is made.
"""

from rustybt.report.html import render_report, write_report, write_results_report
from rustybt.report.load import BacktestResults, load_results, results_from_frame, run_results
from rustybt.report.metrics_table import metrics_rows, summary_metrics

__all__ = [
    "BacktestResults",
    "load_results",
    "metrics_rows",
    "render_report",
    "results_from_frame",
    "run_results",
    "summary_metrics",
    "write_report",
    "write_results_report",
]
