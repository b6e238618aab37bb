"""``rustybt plugins``: every plugin found, its status and what it provides."""

from __future__ import annotations

from typing import Annotated

import typer

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt plugins

  rustybt plugins --json
"""


def register(app: typer.Typer) -> None:
    """Add the ``plugins`` command to ``app``."""
    app.command("plugins", epilog=EPILOG)(plugins)


def _given(ctx: typer.Context, parameter: str) -> bool:
    """Whether ``parameter`` was given on the command line (not left at its default)."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name == "COMMANDLINE"


def plugins(
    ctx: typer.Context,
    json_flag: Annotated[bool, typer.Option("--json", help="Same as --output json.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """List installed plugins: name, distribution, version, status (ok, conflict, error,
    blocked), what each provides, and why any failed to load or lost a name to another
    plugin (conflict). Two plugins with one name are both listed, told apart by their
    distribution."""
    if json_flag and output is OutputFormat.TABLE and _given(ctx, "output"):
        raise typer.BadParameter(
            "--json asks for --output json; give one of them", param_hint="'--json'"
        )
    infos = cli_state(ctx).registry.plugins
    if json_flag or output is OutputFormat.JSON:
        print_json([info.to_dict() for info in infos])
        return
    rows = [
        (
            info.name,
            info.distribution,
            info.version,
            info.status,
            "; ".join(f"{kind}: {', '.join(names)}" for kind, names in info.provides.items()),
            info.error or "; ".join(info.conflicts) or None,
        )
        for info in infos
    ]
    print_table(
        "RustyBT plugins",
        ("name", "distribution", "version", "status", "provides", "error"),
        rows,
    )
