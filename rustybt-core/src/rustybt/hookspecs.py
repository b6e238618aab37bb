"""The hook specifications every RustyBT plugin implements a subset of.

A plugin is a module (usually named by a ``rustybt`` entry point) holding functions decorated
with :data:`rustybt.hookimpl` whose names match the specs below. Registration hooks receive
a ``register`` callback: call it once per thing the plugin provides, as
``register(name, factory)``. Names are unique across all plugins of one kind.

Specs only ever grow by new optional arguments, so a plugin written against an older version
keeps working. Each spec says in which version it appeared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pluggy

PROJECT_NAME = "rustybt"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

Register = Callable[[str, Callable[..., Any]], None]
"""``register(name, factory)``: the callback passed to every registration hook."""


@hookspec
def rustybt_register_data_sources(register: Register) -> None:
    """Add data sources.

    Called once, when the plugin registry loads. For each source call
    ``register(name, factory)``; ``factory(**options)`` must return an object satisfying
    :class:`rustybt.data.DataSource`. Keyword options come from the command line
    (``--data-dir``, ``--exchange``, ...); a factory declares the ones it accepts as keyword
    parameters and is never passed any other. The return value is ignored.

    Added in 0.1.
    """


@hookspec
def rustybt_register_brokers(register: Register) -> None:
    """Add brokers.

    Called once, when the plugin registry loads. For each broker call
    ``register(name, factory)``; ``factory(**options)`` must return an object satisfying
    the broker protocol. Options are passed as for data sources. The return value is
    ignored.

    Added in 0.1.
    """


@hookspec
def rustybt_register_benchmarks(register: Register) -> None:
    """Add benchmarks run by ``rustybt benchmark``.

    Called once, when the plugin registry loads. For each benchmark call
    ``register(name, factory)``; ``factory(scale=1.0)`` must return a benchmark object
    (:class:`rustybt.benchmarks.measurement.Benchmark`), whose workload ``scale`` shrinks
    for quick checks. The return value is ignored.

    Added in 0.1.
    """


@hookspec
def rustybt_register_alert_channels(register: Register) -> None:
    """Add alert channels (webhook, email, chat, ...).

    Called once, when the plugin registry loads. For each channel call
    ``register(name, factory)``; ``factory(**settings)`` receives the channel's settings
    from the configuration file. The return value is ignored.

    Added in 0.1.
    """


@hookspec
def rustybt_register_executors(register: Register) -> None:
    """Add sweep executors: where ``rustybt sweep`` runs its backtests.

    Called once, when the plugin registry loads. For each executor call
    ``register(name, factory)``; ``factory(**options)`` must return an object satisfying
    :class:`rustybt.sweep.executor.Executor`. Options come from the command line
    (``jobs`` from ``--jobs``, ``address`` from ``--ray-address``, ...); a factory declares
    the ones it accepts as keyword parameters and is never passed any other. Core registers
    ``local`` (warm worker processes on this machine). The return value is ignored.

    Added in 0.3.
    """


@hookspec
def rustybt_register_commands(app: Any) -> None:
    """Add commands to the ``rustybt`` command line.

    Called once when the CLI starts, with the root ``typer.Typer`` application. Add
    commands with ``@app.command()`` or sub-applications with ``app.add_typer(...)``. A
    plugin that raises here is reported by ``rustybt plugins`` and its commands are absent;
    the CLI keeps working. The return value is ignored.

    Added in 0.1.
    """


@hookspec
def rustybt_broker_credentials(broker: str, options: Mapping[str, Any]) -> Sequence[str] | None:
    """Name the environment variables a broker reads its credentials from.

    Called by ``rustybt verify-config`` for the configured broker: ``broker`` is its
    registered name and ``options`` the broker section's settings (``exchange``,
    ``testnet``, ...). Return the variables the broker needs for those options, or None
    when ``broker`` is not one of this plugin's. Core knows no broker's credentials: each
    unset variable named here is reported as a problem.

    Added in 0.2.
    """


@hookspec(firstresult=True)
def rustybt_unknown_name_hint(kind: str, name: str) -> str | None:
    """Suggest how to get a data source or broker that nobody registered under ``name``.

    ``kind`` is ``"data source"`` or ``"broker"``. Return one sentence when this plugin
    can provide it another way (an exchange reached through an option of the plugin's own
    source, say), else None. The first answer is appended to the "no data source named …"
    error.

    Added in 0.2.
    """
