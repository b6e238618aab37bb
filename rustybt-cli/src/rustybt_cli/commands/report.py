"""``rustybt report``: an HTML report of a backtest's results file or of a sweep table, one
offline page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt_cli.output import OutputFormat, OutputOption, print_json, stdout

EPILOG = """Examples:

  rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31 \\
      -o results.parquet

  rustybt report results.parquet -o report.html --asset AAPL

  rustybt sweep -f examples/sma_params.py --start 2005-01-03 --end 2012-12-31 \\
      --grid fast=10:30:10 --grid slow=50,100 -o sweep.parquet

  rustybt report sweep.parquet -o sweep.html --x fast --y slow --objective sortino

  rustybt report results.parquet -o compare.html --paper-state paper_state.sqlite \\
      --paper-log paper.log
"""

SWEEP_OPTIONS = ("--x", "--y", "--objective")


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report", epilog=EPILOG)(report)


def report(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS",
            help="The results file `rustybt run -o` wrote, or the sweep table `rustybt sweep "
            "-o` wrote (Parquet; which one is read from the file).",
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
    asset: Annotated[
        str | None,
        typer.Option(
            "--asset",
            metavar="SYMBOL",
            help="A backtest's price chart shows this asset with its fills "
            "[default: the most traded].",
        ),
    ] = None,
    x: Annotated[
        str | None,
        typer.Option(
            "--x",
            metavar="PARAM",
            help="A sweep's heatmap has this parameter across [default: the first].",
        ),
    ] = None,
    y: Annotated[
        str | None,
        typer.Option(
            "--y",
            metavar="PARAM",
            help="A sweep's heatmap has this parameter down [default: the next one].",
        ),
    ] = None,
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective",
            metavar="METRIC",
            help="A sweep's charts and ranking use this metric [default: the sweep's].",
        ),
    ] = None,
    paper_state: Annotated[
        Path | None,
        typer.Option(
            "--paper-state",
            metavar="STATE",
            dir_okay=False,
            help="Compare the backtest with the paper or live session of this state file "
            "(its --state): equity, fill by fill, missed and extra fills.",
        ),
    ] = None,
    paper_log: Annotated[
        Path | None,
        typer.Option(
            "--paper-log",
            metavar="LOG",
            dir_okay=False,
            help="The session's event log (its --log-file), for the session's equity.",
        ),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Write an interactive HTML report in one self-contained file that works offline: of a
    backtest (charts, metrics and trades), of a sweep (a heatmap over two parameters,
    parallel coordinates, every run and the walk-forward folds), or of a backtest beside its
    paper or live session (--paper-state)."""
    from rustybt.report import report_kind, write_report, write_sweep_report

    kind: str = report_kind(results)
    if paper_log is not None and paper_state is None:
        raise typer.BadParameter(
            "--paper-log goes with --paper-state, the session's state file",
            param_hint="--paper-log",
        )
    if paper_state is not None:
        from rustybt.report.compare import write_comparison_report

        if kind == "sweep":
            raise typer.BadParameter(
                f"{results} is a sweep table; --paper-state compares a backtest's results file",
                param_hint="--paper-state",
            )
        options = zip(("--asset", *SWEEP_OPTIONS), (asset, x, y, objective), strict=True)
        given = [name for name, value in options if value]
        if given:
            raise typer.BadParameter(
                f"{given[0]} does not apply to a comparison with --paper-state",
                param_hint=given[0],
            )
        kind = "comparison"
        written = write_comparison_report(results, paper_state, output_file, event_log=paper_log)
    elif kind == "sweep":
        if asset is not None:
            raise typer.BadParameter(
                f"{results} is a sweep table; --asset applies to a backtest's results file",
                param_hint="--asset",
            )
        written = write_sweep_report(results, output_file, objective=objective, x=x, y=y)
    else:
        values = (x, y, objective)
        given = [name for name, value in zip(SWEEP_OPTIONS, values, strict=True) if value]
        if given:
            raise typer.BadParameter(
                f"{results} is not a sweep table; {given[0]} applies to a sweep's table",
                param_hint=given[0],
            )
        written = write_report(results, output_file, asset=asset)
    if output is OutputFormat.JSON:
        print_json({"results": str(results), "kind": kind, "report": str(written)})
        return
    stdout.print(f"Report written to {written}", highlight=False)
