"""The ``rustybt`` application: global options, command registration and error handling.

However a command ends early, it prints one line on stderr, ``error: <message>``, and exits
with one of the codes of :class:`~rustybt_cli.exit_codes.ExitCode`: 1 for errors RustyBT
raises on purpose (:class:`rustybt.errors.RustyBTError`) and bugs, 2 for usage errors, and
so on; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer
from rustybt.collector import no_collections
from rustybt.plugins import PluginRegistry, installed_distributions

from rustybt_cli.commands import COMMAND_MODULES
from rustybt_cli.exit_codes import ExitCode, exited_with, failure, signals_end_the_command
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


def debug_first(args: list[str]) -> list[str]:
    """``args`` with ``--debug`` moved to the front, where the global option is parsed, so
    it works anywhere on the command line (up to a ``--`` that ends the options)."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``rustybt`` with ``argv`` (default: the process arguments); return the exit code,
    an :class:`ExitCode`. A non-zero code comes with exactly one ``error: ...`` line on
    stderr (the last one), and with ``--debug`` the traceback above it."""
    args = debug_first(list(sys.argv[1:] if argv is None else argv))
    try:
        with signals_end_the_command():
            with no_collections():  # the imports make no garbage: no passes over them
                registry = PluginRegistry.from_environment()
                app = build_app(registry)
            # Not standalone: Typer raises usage errors and returns the code of a
            # typer.Exit, so each ending is reported here, one line each.
            returned = app(
                args=args,
                prog_name="rustybt",
                obj=CliState(registry=registry),
                standalone_mode=False,
            )
    except BaseException as exc:  # every ending is reported and mapped to an ExitCode
        code, message = failure(exc)
        if "--debug" in args and code is not ExitCode.USAGE:
            traceback.print_exception(exc)
        typer.echo(f"error: {message}", err=True)
        return code
    if isinstance(returned, int) and returned != ExitCode.OK:
        code, message = exited_with(returned)
        typer.echo(f"error: {message}", err=True)
        return code
    return ExitCode.OK


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
