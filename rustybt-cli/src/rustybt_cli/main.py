"""The ``rustybt`` application: global options, command registration and error handling.

Errors RustyBT raises on purpose (:class:`rustybt.errors.RustyBTError`) print one line,
``error: <message>``, and exit 1; usage errors exit 2; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer
from rustybt.errors import RustyBTError
from rustybt.plugins import PluginRegistry, installed_distributions

from rustybt_cli.commands import COMMAND_MODULES
from rustybt_cli.state import CliState

HELP = """RustyBT: backtest, paper-trade and live-trade one strategy.

Examples:

  rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31

  rustybt test-data --source sample --symbol AAPL

  rustybt plugins
"""


def _print_version(value: bool) -> None:
    if value:
        for name, version in installed_distributions().items():
            typer.echo(f"{name} {version}")
        raise typer.Exit()


def build_app(registry: PluginRegistry) -> typer.Typer:
    """The Typer application with core's commands and every plugin's commands."""
    app = typer.Typer(
        name="rustybt",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        debug: Annotated[
            bool, typer.Option("--debug", help="Show full tracebacks for errors.")
        ] = False,
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                callback=_print_version,
                is_eager=True,
                help="Print the version of every installed rustybt package and exit.",
            ),
        ] = False,
    ) -> None:
        state = ctx.find_object(CliState)
        if state is not None:
            state.debug = debug

    for module in COMMAND_MODULES:
        module.register(app)
    registry.register_commands(app, lambda: _command_names(app))
    return app


def _command_names(app: typer.Typer) -> set[str]:
    names = {
        info.name or info.callback.__name__.replace("_", "-")
        for info in app.registered_commands
        if info.callback
    }
    names |= {info.name for info in app.registered_groups if info.name}
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``rustybt`` with ``argv`` (default: the process arguments); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        registry = PluginRegistry.from_environment()
        app = build_app(registry)
        # Typer runs in standalone mode: it prints usage errors itself and always ends
        # in SystemExit; only exceptions raised by command bodies come through.
        app(args=args, prog_name="rustybt", obj=CliState(registry=registry))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except RustyBTError as exc:
        if debug:
            traceback.print_exc()
        typer.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {exc} "
            "(this is a bug in RustyBT or a plugin; rerun with --debug for the traceback)",
            err=True,
        )
        return 1
    return 0


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
