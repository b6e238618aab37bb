"""``rustybt report``: an HTML report of a backtest's results file, one offline page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt_cli.output import OutputFormat, OutputOption, print_json, stdout

EPILOG = """Examples:

  rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31 \\
      -o results.parquet

  rustybt report results.parquet -o report.html
"""


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report", epilog=EPILOG)(report)


def report(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS", help="The results file `rustybt run -o` wrote (Parquet)."
        ),
    ],
    output_file: Annotated[
        Path,
        typer.Option(
            "--output-file",
            "-o",
            dir_okay=False,
            help="Write the report to this HTML file (replaced atomically).",
        ),
    ],
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Write an interactive HTML report of a backtest: charts, metrics and trades in one
    self-contained file that works offline."""
    from rustybt.report import write_report

    written = write_report(results, output_file)
    if output is OutputFormat.JSON:
        print_json({"results": str(results), "report": str(written)})
        return
    stdout.print(f"Report written to {written}", highlight=False)
