"""``rustybt plugin new``: write a new plugin package, ready to install and test."""

from __future__ import annotations

import shlex
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rustybt_cli.output import stdout, success

EPILOG = """Examples:

  rustybt plugin new rustybt-mycsv --kind data-source

  rustybt plugin new rustybt-pager --kind alert-channel --dir plugins
"""


class PluginKind(StrEnum):
    """The kinds of plugin ``plugin new`` writes (:data:`rustybt.plugin_template.KINDS`)."""

    DATA_SOURCE = "data-source"
    BROKER = "broker"
    ALERT_CHANNEL = "alert-channel"
    BENCHMARK = "benchmark"
    EXECUTOR = "executor"


plugin_app = typer.Typer(
    name="plugin",
    help="Write plugin packages (see `rustybt plugins` for the installed ones).",
    epilog=EPILOG,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``plugin`` command group to ``app``."""
    app.add_typer(plugin_app)


@plugin_app.command(
    "new", epilog="Example:\n\n  rustybt plugin new rustybt-mycsv --kind data-source\n"
)
def new_plugin(
    name: Annotated[
        str,
        typer.Argument(
            help="The package's name (lowercase, e.g. rustybt-mycsv); the directory written, "
            "the plugin's name, and the name its data source, broker, channel or executor "
            "is registered under."
        ),
    ],
    kind: Annotated[PluginKind, typer.Option(help="What the plugin provides.")],
    directory: Annotated[
        Path,
        typer.Option("--dir", help="Where to write the package's directory (it must exist)."),
    ] = Path("."),
) -> None:
    """Write a plugin package NAME/: pyproject.toml with the rustybt entry point, a hooks
    module registering one working example of KIND, and a test running RustyBT's contract
    suite for that kind. Never overwrites an existing directory."""
    from rustybt.plugin_template import KINDS, write_plugin

    target = write_plugin(name, kind.value, directory)
    spec = KINDS[kind.value]
    success(
        f"wrote {target}/: the {spec.label} '{spec.registered.format(name=name)}' "
        f"and its contract test"
    )
    quoted = shlex.quote(f"{target}[test]")
    stdout.print(
        f"next: pip install -e {quoted} && pytest {shlex.quote(str(target / 'tests'))}",
        highlight=False,
        markup=False,
    )
