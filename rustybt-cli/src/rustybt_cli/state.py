"""What every command can reach: the plugin registry and the global flags."""

from __future__ import annotations

import attrs
import typer
from rustybt.plugins import PluginRegistry


@attrs.define(kw_only=True)
class CliState:
    """Shared by all commands of one ``rustybt`` invocation (``ctx.obj``)."""

    registry: PluginRegistry
    debug: bool = False


def cli_state(ctx: typer.Context) -> CliState:
    """The state of the running invocation."""
    state = ctx.find_object(CliState)
    if state is None:
        raise RuntimeError("rustybt commands must be run through rustybt_cli.main")
    return state
