"""``rustybt benchmark``: run the registered benchmarks and report machine and figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rustybt.errors import ConfigError
from rustybt.plugins import Kind

from rustybt_cli.exit_codes import CheckFailed
from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stderr
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt benchmark

  rustybt benchmark --suite backtest-w2-daily-100-assets-10y --repeat 5 --output json

  rustybt benchmark --suite data --suite broker --suite ledger --repeat 1

  rustybt benchmark --suite startup --suite paper-replay --repeat 5

  rustybt benchmark --suite pipeline --scale 0.02 --repeat 1

  rustybt benchmark --scale 0.05 --repeat 1 --save bench.json
"""


def figure(value: float) -> str:
    """``value`` for a table: three significant digits below 100 (``0.412``, ``3.26``), one
    decimal with thousands separators above (``16,104.5``)."""
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.1f}"


def register(app: typer.Typer) -> None:
    """Add ``benchmark`` (run) and ``benchmark compare`` to ``app``."""
    group = typer.Typer(
        name="benchmark", epilog=EPILOG, add_completion=False, rich_markup_mode=None
    )
    group.callback(invoke_without_command=True, epilog=EPILOG)(benchmark)
    group.command("compare", epilog=COMPARE_EPILOG)(compare)
    app.add_typer(group)


COMPARE_EPILOG = """Examples:

  rustybt benchmark compare benchmarks/baseline.json current.json

  rustybt benchmark compare baseline.json current.json --threshold 0.1 --output json
"""


def compare(
    baseline: Annotated[Path, typer.Argument(help="The reference report (--save of a run).")],
    current: Annotated[Path, typer.Argument(help="The report to judge.")],
    threshold: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=10.0,
            help="Largest tolerated change in the bad direction (0.2 = 20 %, at most 10).",
        ),
    ] = 0.2,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Compare two benchmark reports metric by metric; exit 1 on a regression beyond the
    threshold (slower throughput, longer time, more memory...)."""
    from rustybt.benchmarks.compare import compare_reports, load_report

    comparison = compare_reports(load_report(baseline), load_report(current), threshold=threshold)
    if output is OutputFormat.JSON:
        print_json(comparison.to_dict())
    else:
        rows = [
            (
                c.benchmark,
                c.metric,
                f"{figure(c.baseline)} {c.unit}",
                f"{figure(c.current)} {c.unit}",
                f"{c.change:+.1%}",
                "REGRESSION" if c.regression else "ok",
            )
            for c in comparison.changes
        ]
        print_table(
            f"Benchmarks against {baseline} (threshold {threshold:.0%})",
            ("benchmark", "metric", "baseline", "current", "change", "verdict"),
            rows,
        )
        for names, where in (
            (comparison.only_in_baseline, baseline),
            (comparison.only_in_current, current),
        ):
            if names:
                stderr.print(f"only in {where} (not compared): {', '.join(names)}", highlight=False)
    if comparison.regressions:
        raise CheckFailed(
            f"{len(comparison.regressions)} regression(s) beyond the threshold of "
            f"{threshold:.0%}: "
            + ", ".join(f"{c.benchmark} {c.metric}" for c in comparison.regressions)
        )


def benchmark(
    ctx: typer.Context,
    suite: Annotated[
        list[str] | None,
        typer.Option(
            help="Run only benchmarks whose name starts with this (repeatable): a suite "
            "(backtest, data, data-parse, broker, ledger, paper-replay, startup, pipeline) or "
            "a whole name; pipeline also times zipline's engine when RUSTYBT_ZIPLINE_PYTHON "
            "names a python with zipline-reloaded."
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, max=100, help="Runs per benchmark; the median is reported.")
    ] = 3,
    scale: Annotated[
        float, typer.Option(min=0.0001, max=1.0, help="Shrink every workload (1.0 = full size).")
    ] = 1.0,
    save: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Also write the JSON report to this file.")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Run every registered benchmark (each run in a fresh process) and report the medians.

    `rustybt benchmark compare BASE.json NEW.json` checks a report against a baseline.
    """
    if ctx.invoked_subcommand is not None:
        return
    from rustybt.atomic_files import atomic_path
    from rustybt.benchmarks import machine_info, run_benchmarks

    if suite and not all(suite):
        raise typer.BadParameter(
            "an empty name matches every benchmark; name a suite such as backtest",
            param_hint="'--suite'",
        )
    names = cli_state(ctx).registry.names(Kind.BENCHMARK)
    if suite:
        names = [n for n in names if any(n.startswith(prefix) for prefix in suite)]
        if not names:
            raise ConfigError(f"no benchmark matches {', '.join(suite)}")

    def announce(name: str, attempt: int) -> None:
        if output is OutputFormat.TABLE:
            stderr.print(f"running {name} ({attempt + 1}/{repeat})", highlight=False)

    reports = run_benchmarks(names, repeat=repeat, scale=scale, on_progress=announce)
    payload = {
        "machine": machine_info(),
        "scale": scale,
        "benchmarks": [report.to_dict() for report in reports],
    }
    if save is not None:
        with atomic_path(save) as temporary:
            temporary.write_text(json.dumps(payload, indent=2))
    if output is OutputFormat.JSON:
        print_json(payload)
        return
    rows = [
        (
            report.name,
            metric,
            f"{figure(figures['median'])} {figures['unit']}",
            f"{figure(figures['min'])} – {figure(figures['max'])}",
            f"{report.peak_memory_mb:,.0f} MB",
        )
        for report in reports
        for metric, figures in report.metrics.items()
    ]
    print_table(
        "RustyBT benchmarks", ("benchmark", "metric", "median", "range", "peak memory"), rows
    )
