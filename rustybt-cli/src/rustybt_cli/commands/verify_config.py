"""``rustybt verify-config``: check a trading configuration before trading with it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rustybt.errors import ConfigError

from rustybt_cli.exit_codes import CheckFailed
from rustybt_cli.output import OutputFormat, OutputOption, print_json, stdout, success
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt verify-config --config paper_trading.yaml

  rustybt verify-config --config paper_trading.yaml --output json
"""


def register(app: typer.Typer) -> None:
    """Add the ``verify-config`` command to ``app``."""
    app.command("verify-config", epilog=EPILOG)(verify_config)


def verify_config(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(help="The config to check (default: ~/.rustybt/paper_trading.yaml)."),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Check a configuration: schema, registered plugins, credentials (present, never shown),
    writable directories. Prints every problem with its key path and line; exit 1 if any."""
    import yaml
    from rustybt.live.config import default_config_path
    from rustybt.live.config_check import verify_trading_config

    config = config or default_config_path("paper")
    if config is None:
        raise ConfigError("no --config given and ~/.rustybt/paper_trading.yaml does not exist")
    report = verify_trading_config(config, cli_state(ctx).registry)
    if output is OutputFormat.JSON:
        print_json(report.to_dict())
    else:
        stdout.print(f"# {report.path} (secrets hidden)", highlight=False)
        stdout.print(
            yaml.safe_dump(report.redacted, sort_keys=False).rstrip() or "{}", highlight=False
        )
        if report.valid:
            success(f"{report.path} is valid")
        for problem in report.problems:
            stdout.print(f"[red]✗[/red] {problem}", highlight=False)
    if not report.valid:
        first, *others = report.problems
        more = f" (+{len(others)} more above)" if others else ""
        raise CheckFailed(f"{report.path} is not valid: {first}{more}")
