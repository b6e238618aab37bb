"""``rustybt run``: backtest a strategy file and print its performance summary and where its
time went (``timings``, in seconds: ``startup`` from process start to the run, imports
included, then the run's ``load``, ``simulate`` and ``results`` phases)."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rustybt.collector import no_collections

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout
from rustybt_cli.progress import progress_bar
from rustybt_cli.sources import DataDirOption, ExchangeOption, SourceOption, split_symbols
from rustybt_cli.startup import seconds_since_process_start
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31

  rustybt run -f examples/monthly_rebalance.py --start 2006-01-03 --end 2012-12-31 \\
      -o results.parquet --output json

  rustybt run -f examples/sma_params.py --start 2005-01-03 --end 2012-12-31 -D fast=10

  rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31 \\
      --report report.html
"""

DefineOption = Annotated[
    list[str] | None,
    typer.Option(
        "--define",
        "-D",
        help=(
            "A strategy parameter, name=value, read as context.params.name (repeatable; "
            "wins over --params)."
        ),
    ),
]
ParamsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--params",
        dir_okay=False,
        help="A YAML file of strategy parameters (name: value), read as context.params.",
    ),
]


class RunFrequency(StrEnum):
    """The value of ``--frequency``: Zipline's names, and the bar sizes they read."""

    DAILY = "daily"
    MINUTE = "minute"
    BARS_1D = "1d"
    BARS_1M = "1m"


class Adjustment(StrEnum):
    """The value of ``--adjustment``."""

    RAW = "raw"
    ADJUSTED = "adjusted"


SymbolsOption = Annotated[
    str | None,
    typer.Option(
        help="Extra symbols to load, comma-separated (symbol() calls load theirs anyway)."
    ),
]
CapitalBaseOption = Annotated[str, typer.Option(help="Starting cash.")]
FrequencyOption = Annotated[
    RunFrequency, typer.Option(help="Bar frequency: daily (1d) or minute (1m).")
]
CalendarOption = Annotated[
    str, typer.Option(help="Trading calendar: XNYS, any exchange-calendars name, or 24/7.")
]
AdjustmentOption = Annotated[
    Adjustment,
    typer.Option(
        case_sensitive=False,
        help=(
            "raw: prices as they traded, the source's splits and dividends applied to "
            "positions and cash on their dates, history windows adjusted as of each bar "
            "(zipline's way). adjusted: prices adjusted for every split and dividend up "
            "to the end, no actions."
        ),
    ),
]
"""The backtest options ``run`` and ``sweep`` share (with the data options of
:mod:`rustybt_cli.sources`)."""


class LogLevel(StrEnum):
    """The value of ``--log-level``."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to ``app``."""
    app.command("run", epilog=EPILOG)(run)


def run(
    ctx: typer.Context,
    algofile: Annotated[
        Path,
        typer.Option(
            "--algofile",
            "-f",
            help="The strategy file (Zipline style or a TradingAlgorithm subclass).",
        ),
    ],
    start: Annotated[str, typer.Option(help="First session, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last session, YYYY-MM-DD.")],
    source: SourceOption = "sample",
    data_dir: DataDirOption = None,
    exchange: ExchangeOption = None,
    symbols: SymbolsOption = None,
    capital_base: CapitalBaseOption = "100000",
    frequency: FrequencyOption = RunFrequency.DAILY,
    calendar: CalendarOption = "XNYS",
    adjustment: AdjustmentOption = Adjustment.RAW,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            "-o",
            dir_okay=False,
            help="Write the per-session results frame to this Parquet file.",
        ),
    ] = None,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            dir_okay=False,
            help="Write the run's HTML report (as `rustybt report` makes) to this file.",
        ),
    ] = None,
    log_level: Annotated[
        LogLevel,
        typer.Option(case_sensitive=False, help="Level of the strategy's log messages on stderr."),
    ] = LogLevel.WARNING,
    define: DefineOption = None,
    params_file: ParamsFileOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Backtest a strategy on stored bars; print its performance summary and timings."""
    with no_collections():  # the imports make no garbage: no passes over them
        from rustybt.backtest import run_backtest
        from rustybt.params import command_line_params, params_text

    if report_file is not None and not report_file.parent.is_dir():
        from rustybt.errors import ConfigError

        # Checked before the run, not after it: a mistyped path costs no backtest.
        raise ConfigError(
            f"cannot write the report to {report_file}: directory {report_file.parent} does "
            "not exist; create it or give --report another path"
        )
    # After the library's imports: startup is everything before the run itself.
    startup = seconds_since_process_start()
    logging.basicConfig(level=log_level.value, format="%(levelname)s %(name)s: %(message)s")
    with progress_bar("Backtesting") as update:
        result = run_backtest(
            algofile,
            start=start,
            end=end,
            capital_base=capital_base,
            data_frequency=frequency.value,
            source=source,
            data_dir=data_dir,
            exchange=exchange,
            symbols=split_symbols(symbols),
            trading_calendar=calendar,
            adjustment=adjustment.value,
            registry=cli_state(ctx).registry,
            progress=update,
            params=command_line_params(define or (), params_file),
        )
    if output_file is not None:
        result.write_parquet(output_file)
    if report_file is not None:
        result.report(report_file)
    assert result.timings is not None  # run_backtest always times its phases
    timings = {"startup": startup, **result.timings.to_dict()}
    if output is OutputFormat.JSON:
        payload = result.to_dict()
        payload["timings"] = timings
        payload["params"] = dict(result.params)
        payload["output_file"] = str(output_file) if output_file else None
        payload["report"] = str(report_file) if report_file else None
        print_json(payload)
        return
    print_table(f"Backtest of {algofile.name}", ("metric", "value"), result.summary.rows())
    stdout.print(f"Ending portfolio value (exact): {result.ending_value}", highlight=False)
    stdout.print(f"Prices: {actions_line(result.data_provenance)}", highlight=False)
    if result.params:
        stdout.print(f"Parameters: {params_text(result.params)}", highlight=False)
    stdout.print(f"Timings: {timings_line(timings)}", highlight=False)
    if output_file is not None:
        stdout.print(f"Results written to {output_file}", highlight=False)
    if report_file is not None:
        stdout.print(f"Report written to {report_file}", highlight=False)


def actions_line(provenance: dict[str, object]) -> str:
    """How the run treated corporate actions: ``raw, 1 split and 4 dividends applied on
    their dates``, ``adjusted for ...``, or bars as a source without actions gives them."""
    counted = provenance.get("actions")
    if not isinstance(counted, dict):
        return "as the source gives them (it has no split or dividend data)"
    actions = " and ".join(
        f"{count} {kind}{'' if count == 1 else 's'}" for kind, count in counted.items() if count
    )
    if provenance.get("adjustment") == "adjusted":
        return f"adjusted for {actions or 'no splits or dividends'}"
    if not actions:
        return "raw, no splits or dividends in the run"
    its = "its date" if sum(counted.values()) == 1 else "their dates"
    return f"raw, {actions} applied on {its}"


def timings_line(timings: dict[str, float | None]) -> str:
    """``startup 0.41 s, load 0.75 s, ...``: each phase in seconds, the ones not measured
    left out."""
    return ", ".join(
        f"{phase} {seconds:.2f} s" for phase, seconds in timings.items() if seconds is not None
    )
