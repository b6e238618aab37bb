"""``rustybt analyze-uptime``: uptime, outages and error rate of an engine, from its logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rustybt_cli.exit_codes import CheckFailed
from rustybt_cli.output import (
    OutputFormat,
    OutputOption,
    print_json,
    print_table,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from rustybt.operations.uptime import UptimeReport


EPILOG = """Examples:

  rustybt analyze-uptime --log-dir ~/.local/state/rustybt/logs

  rustybt analyze-uptime --log-file engine.log --days 7 --target 99.5

  rustybt analyze-uptime --log-dir logs --since 2026-11-01 --until 2026-11-30 --output json
"""

DEFAULT_DAYS = 30
LONGEST_DAYS = 36_500  # a hundred years: more is a typo, and past what dates can hold
LONGEST_INTERVAL = 86_400.0 * 365


def register(app: typer.Typer) -> None:
    """Add the ``analyze-uptime`` command to ``app``."""
    app.command("analyze-uptime", epilog=EPILOG)(analyze_uptime_command)


def _moment(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date or time", param_hint=flag) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def analyze_uptime_command(
    log_dir: Annotated[
        Path | None,
        typer.Option("--log-dir", metavar="DIR", help="Read every log file in this directory."),
    ] = None,
    log_file: Annotated[
        list[Path] | None,
        typer.Option("--log-file", metavar="FILE", help="Read this log file (repeatable)."),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=LONGEST_DAYS,
            help=f"Analyze the last N days of the logs (default {DEFAULT_DAYS}).",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Window start, ISO date or time (UTC unless stated).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Window end, ISO date or time (default: the last event).")
    ] = None,
    heartbeat_interval: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            max=LONGEST_INTERVAL,
            help="Heartbeat interval in seconds (default: as the engine_started events state).",
        ),
    ] = None,
    target: Annotated[
        float, typer.Option(min=0, max=100, help="Uptime % needed to PASS (0 to 100).")
    ] = 99.9,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Measure uptime from the engine's JSON-lines logs (rotated and gzipped files included).

    Downtime is every stop-to-start period and every gap between heartbeats longer than twice
    the interval, on the merged timeline of every log given (overlapping runs count once).
    The unreadable tail of a gzipped file cut short is reported, and the time it held is not
    counted. Exits 0 when uptime reaches --target (PASS), 1 when it does not (FAIL).
    """
    from rustybt.operations.event_log import log_files, read_event_log
    from rustybt.operations.uptime import analyze_uptime

    if (log_dir is None) == (not log_file):
        raise typer.BadParameter("give exactly one of --log-dir or --log-file")
    if days is not None and since is not None:
        raise typer.BadParameter("--days and --since cannot be combined", param_hint="--days")
    start, end = _moment(since, "--since"), _moment(until, "--until")
    if start is not None and end is not None and start >= end:
        raise typer.BadParameter(f"--since {since} is not before --until {until}")
    log = read_event_log(log_files(log_dir) if log_dir is not None else log_file or [])
    report = analyze_uptime(
        log,
        days=DEFAULT_DAYS if days is None and start is None else days,
        since=start,
        until=end,
        heartbeat_interval=heartbeat_interval,
        target_percent=target,
    )
    for tail in report.unreadable_tails:
        stderr.print(
            f"warning: {tail.describe()}; the time it held is not counted", highlight=False
        )
    if output is OutputFormat.JSON:
        print_json(report.to_dict())
    else:
        _print_report(report, len(log.files))
    if not report.passed:
        raise CheckFailed(
            f"uptime {report.uptime_percent:.3f} % is below the target of "
            f"{report.target_percent:g} %"
        )


def _print_report(report: UptimeReport, file_count: int) -> None:
    from rustybt.operations.event_log import format_ts

    rate = report.errors_per_1000_operations
    print_table(
        "Uptime",
        ("measure", "value"),
        [
            ("window", f"{format_ts(report.start)} to {format_ts(report.end)}"),
            ("window length", str(report.window)),
            ("uptime", f"{report.uptime_percent:.3f} %"),
            ("target", f"{report.target_percent:g} %"),
            ("downtime", f"{report.downtime_total} in {len(report.downtime)} period(s)"),
            ("restarts", report.restarts),
            ("operations", f"{report.operations} orders submitted or filled"),
            ("errors", report.errors),
            ("errors per 1,000 operations", "n/a" if rate is None else f"{rate:.2f}"),
            ("log files", file_count),
            ("garbage lines", report.garbage_lines),
            ("unreadable file tails", len(report.unreadable_tails)),
        ],
    )
    if report.unobserved:
        print_table(
            "Not observed",
            ("start", "end", "duration", "unreadable tail of"),
            [
                (format_ts(p.start), format_ts(p.end), str(p.duration), str(p.tail.file))
                for p in report.unobserved
            ],
        )
    if report.downtime:
        print_table(
            "Downtime",
            ("start", "end", "duration", "cause", "last event before"),
            [
                (
                    format_ts(p.start),
                    format_ts(p.end),
                    str(p.duration),
                    p.cause,
                    _describe_event(p.last_event.event, p.last_event.fields.get("reason")),
                )
                for p in report.downtime
            ],
        )
    if report.top_error_types:
        print_table(
            "Errors by type",
            ("type", "count", "first seen", "last seen"),
            [
                (e.error_type, e.count, format_ts(e.first_seen), format_ts(e.last_seen))
                for e in report.top_error_types
            ],
        )
    verdict = "[green]PASS[/green]" if report.passed else "[red]FAIL[/red]"
    stdout.print(
        f"{verdict}: uptime {report.uptime_percent:.3f} % against a target of "
        f"{report.target_percent:g} %",
        highlight=False,
    )


def _describe_event(event: str, reason: object) -> str:
    return event if reason is None else f"{event} ({reason})"
