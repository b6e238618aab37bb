"""``rustybt test-alerts``: send a test alert through each configured channel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt_cli.exit_codes import CheckFailed
from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt test-alerts --config paper_trading.yaml

  rustybt test-alerts --config paper_trading.yaml --channel email --channel ops-webhook

  rustybt test-alerts --config paper_trading.yaml --output json
"""

DEFAULT_CONFIG = Path("paper_trading.yaml")


def register(app: typer.Typer) -> None:
    """Add the ``test-alerts`` command to ``app``."""
    app.command("test-alerts", epilog=EPILOG)(test_alerts)


def test_alerts(
    ctx: typer.Context,
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", help="Only this configured channel (repeatable)."),
    ] = None,
    config: Annotated[
        Path, typer.Option("--config", "-c", help="The YAML file with an 'alerts' section.")
    ] = DEFAULT_CONFIG,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Send a test alert through each configured alert channel and report what happened.

    Exits 1 when any channel failed; the reason never includes a secret.
    """
    from rustybt.alerts.config import load_alerts_config
    from rustybt.alerts.probe import send_test_alert

    alerts = load_alerts_config(config)
    results = send_test_alert(alerts, cli_state(ctx).registry, channel or ())
    if output is OutputFormat.JSON:
        print_json([result.to_dict() for result in results])
    else:
        print_table(
            "Test alert",
            ("channel", "status", "attempts", "reason"),
            [(r.channel, r.status, r.attempts, r.error) for r in results],
        )
    failed = [result.channel for result in results if not result.delivered]
    if failed:
        raise CheckFailed(f"the test alert was not delivered through: {', '.join(failed)}")
