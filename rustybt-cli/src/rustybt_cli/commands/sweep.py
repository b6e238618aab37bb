"""``rustybt sweep``: backtest one strategy over a grid of parameters (all of it, a random
sample, or Optuna's trials), optionally in walk-forward folds, on warm worker processes; print
the best runs and write the table.

The command parses and prints; :func:`rustybt.sweep.sweep.run_sweep` does the work. With
``-o``, finished runs are journaled beside the output (``OUTPUT.journal``) as they finish,
so a rerun skips them: after an interruption, or with a wider grid. Delete the journal to
run every run again.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rustybt_cli.commands.run import (
    Adjustment,
    AdjustmentOption,
    CalendarOption,
    CapitalBaseOption,
    DefineOption,
    FrequencyOption,
    ParamsFileOption,
    RunFrequency,
    SymbolsOption,
)
from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout
from rustybt_cli.progress import progress_bar
from rustybt_cli.sources import DataDirOption, ExchangeOption, SourceOption, split_symbols
from rustybt_cli.state import cli_state

if TYPE_CHECKING:
    import pandas as pd

EPILOG = """Examples:

  rustybt sweep -f examples/sma_sweep.py --start 2005-01-03 --end 2012-12-31 \\
      --grid fast=10:30:10 --grid slow=50,100 -o sweep.parquet

  rustybt sweep -f examples/sma_sweep.py --start 2005-01-03 --end 2012-12-31 \\
      --grid fast=5:40:5 --grid slow=50:200:25 --random 12 --seed 1 --jobs 2

  rustybt sweep -f examples/sma_sweep.py --start 2004-01-02 --end 2012-12-31 \\
      --grid fast=10,20 --grid slow=50,100 --walk-forward train=3y,test=1y --objective sharpe
"""

BEST_ROWS = 10


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to ``app``."""
    app.command("sweep", epilog=EPILOG)(sweep)


def sweep(
    ctx: typer.Context,
    algofile: Annotated[
        Path,
        typer.Option(
            "--algofile", "-f", help="The strategy file; its PARAMS types the grid's values."
        ),
    ],
    start: Annotated[str, typer.Option(help="First session, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last session, YYYY-MM-DD.")],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help=(
                "A parameter and its values (repeatable): a range such as fast=10:50:5 (10 to "
                "50 inclusive, step 5), or a list such as slow=50,100,200."
            ),
        ),
    ] = None,
    random: Annotated[
        int | None,
        typer.Option("--random", help="Run N distinct points of the grid, drawn with --seed."),
    ] = None,
    optuna: Annotated[
        int | None,
        typer.Option(
            "--optuna", help="Run N Optuna trials over the grid's values, maximising --objective."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --random and --optuna.")] = 0,
    objective: Annotated[
        str,
        typer.Option(
            help="The metric --optuna and --walk-forward maximise, and the table ranks by."
        ),
    ] = "sharpe",
    walk_forward: Annotated[
        str | None,
        typer.Option(
            "--walk-forward",
            help="Folds: train=LENGTH,test=LENGTH in d, w, m or y, such as train=3y,test=1y.",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: one per CPU)."),
    ] = None,
    executor: Annotated[
        str, typer.Option(help="Where runs run: local, or a plugin's (ray, ...).")
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="The Ray cluster of --executor ray.")
    ] = None,
    define: DefineOption = None,
    params_file: ParamsFileOption = None,
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
            help=(
                "Write the table to this Parquet file; finished runs are journaled beside it "
                "(OUTPUT.journal), so a rerun, or one with a wider grid, skips them."
            ),
        ),
    ] = None,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            dir_okay=False,
            help="Write the sweep's HTML report (as `rustybt report` makes) to this file.",
        ),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Backtest a strategy over a grid of parameters; print the best runs."""
    from rustybt.errors import ConfigError, StrategyError
    from rustybt.params import command_line_params
    from rustybt.strategy_file import read_strategy_source
    from rustybt.sweep.journal import journal_path
    from rustybt.sweep.space import parse_space
    from rustybt.sweep.sweep import SweepPlan, run_sweep
    from rustybt.sweep.task import SweepTask
    from rustybt.sweep.walk_forward import parse_walk_forward

    if not grid:
        raise ConfigError(
            "rustybt sweep needs at least one --grid name=values, such as --grid fast=10:50:5"
        )
    if random is not None and optuna is not None:
        raise ConfigError("--random and --optuna both choose the runs; give one of them")
    if ray_address is not None and executor == "local":
        raise typer.BadParameter(
            "--ray-address names a Ray cluster; give it with --executor ray",
            param_hint="--ray-address",
        )
    for option, path in (("-o", output_file), ("--report", report_file)):
        if path is not None and not path.parent.is_dir():
            # Checked before the runs: a mistyped path costs no sweep.
            raise ConfigError(
                f"cannot write {option} {path}: directory {path.parent} does not exist; "
                f"create it or give {option} another path"
            )
    plan = SweepPlan(
        space=parse_space(grid),
        start=start,
        end=end,
        random=random,
        optuna=optuna,
        seed=seed,
        objective=objective,
        walk_forward=parse_walk_forward(walk_forward) if walk_forward else None,
    )
    task = SweepTask(
        strategy_path=str(algofile),
        strategy_source=read_strategy_source(algofile),
        source=source,
        data_dir=str(data_dir) if data_dir is not None else None,
        exchange=exchange,
        symbols=tuple(split_symbols(symbols)),
        capital_base=capital_base,
        frequency=frequency.value,
        calendar=calendar,
        adjustment=adjustment.value,
        fixed_params=command_line_params(define or (), params_file),
    )
    runner = cli_state(ctx).registry.executor(executor, jobs=jobs, address=ray_address)
    journal = journal_path(output_file) if output_file is not None else None
    with progress_bar("Sweeping") as update:
        result = run_sweep(task, plan, runner, journal=journal, progress=update)
    if output_file is not None:
        result.write_parquet(output_file)
    if report_file is not None:
        from rustybt.report.sweep_report import write_sweep_report

        frame = result.table.copy()
        frame.attrs["sweep"] = dict(result.metadata)
        write_sweep_report(frame, report_file)
    runs, failed = len(result.table), result.failed
    workers = getattr(runner, "jobs", jobs)
    if output is OutputFormat.JSON:
        print_json(
            {
                "runs": _records(result.table),
                "folds": _records(result.folds) if result.folds is not None else None,
                "skipped": result.skipped,
                "failed": failed,
                "executor": runner.name,
                "jobs": workers,
                "objective": plan.objective,
                "output_file": str(output_file) if output_file else None,
                "report": str(report_file) if report_file else None,
            }
        )
    else:
        _print_tables(
            result.best(BEST_ROWS),
            result.folds,
            algofile.name,
            plan.objective,
            result.metadata["params"],
        )
        ran = [f"{runs} runs on {runner.name} ({workers} worker{'' if workers == 1 else 's'})"]
        if result.skipped:
            ran.append(f"{result.skipped} skipped (finished before, in the journal)")
        if failed:
            ran.append(f"{failed} failed")
        stdout.print(", ".join(ran), highlight=False)
        if failed:
            first = result.table[result.table["error"].notna()].iloc[0]
            stdout.print(f"First failure, run {first['run']}: {first['error']}", highlight=False)
        if output_file is not None:
            stdout.print(f"Table written to {output_file}", highlight=False)
        if report_file is not None:
            stdout.print(f"Report written to {report_file}", highlight=False)
    if runs and failed == runs:
        first = result.table.iloc[0]
        raise StrategyError(
            f"every run of the sweep failed ({runs}); run {first['run']}: {first['error']}"
        )


FOLD_FIGURES = ("total_return", "sharpe", "max_drawdown", "trades")
"""The out-of-sample figures of each fold the walk-forward table shows (the file has all)."""


def _print_tables(
    best: pd.DataFrame,
    folds: pd.DataFrame | None,
    name: str,
    objective: str,
    params: Sequence[str],
) -> None:
    """The best runs; with walk-forward instead, each fold's out-of-sample run: its test
    window, the parameters its training chose, their training objective and a few of its
    out-of-sample figures."""
    if folds is None:
        title = f"Sweep of {name}: best {min(len(best), BEST_ROWS)} runs by {objective}"
        columns = [column for column in best.columns if column != "error"]
        rows = [[_cell(row[c]) for c in columns] for _, row in best.iterrows()]
        print_table(title, columns, rows)
        return
    wanted = ["fold", "test_start", "test_end", *params, f"train_{objective}", *FOLD_FIGURES]
    columns = [column for column in wanted if column in folds.columns]
    rows = [[_cell(row[c]) for c in columns] for _, row in folds.iterrows()]
    print_table(f"Walk-forward of {name}: each fold's out-of-sample run", columns, rows)


def _cell(value: Any) -> str:
    """A table cell: numbers to 4 decimals, whole numbers and text as they are, NaN empty."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:.4f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows JSON-ready: NaN as null, dates in ISO form, numpy scalars as Python's."""
    records = []
    for row in frame.to_dict("records"):
        record = {}
        for name, value in row.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            record[str(name)] = value
        records.append(record)
    return records
