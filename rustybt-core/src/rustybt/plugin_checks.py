"""Checking what a plugin's factory returned, before anything uses it.

:meth:`rustybt.plugins.PluginRegistry.create` passes every factory's product to
:func:`check_product`, which compares it with its kind's protocol (:mod:`rustybt.protocols`)
and refuses it in one line naming the plugin and its package: never a ``KeyError`` deep in
the engine, never "a bug in RustyBT". A third-party data source or broker comes back
wrapped, so that what it answers later is checked as it comes in
(:mod:`rustybt.data.checked_source`, :mod:`rustybt.checked_broker`); built-in products come
back as they are (they validate their own answers, and wrapping would cost them time).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rustybt.errors import PluginError

if TYPE_CHECKING:
    from rustybt.plugins import Kind

# Per kind: the protocol (module, class) and the docs/hooks.md section describing it.
_PROTOCOLS: dict[str, tuple[str, str, str]] = {
    "DATA_SOURCE": ("rustybt.data.source", "DataSource", "data-sources"),
    "BROKER": ("rustybt.broker", "Broker", "brokers"),
    "BENCHMARK": ("rustybt.benchmarks.measurement", "Benchmark", "benchmarks"),
    "ALERT_CHANNEL": ("rustybt.alerts.alert", "AlertChannel", "alert-channels"),
    "EXECUTOR": ("rustybt.sweep.executor", "Executor", "executors"),
}

# Attributes whose type is part of a kind's protocol, beyond being present.
_STR_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "DATA_SOURCE": ("name",),
    "BROKER": ("name",),
    "BENCHMARK": ("description",),
    "EXECUTOR": ("name",),
}


def docs_anchor(kind: Kind) -> str:
    """Where ``docs/hooks.md`` describes ``kind``'s protocol (``docs/hooks.md#brokers``)."""
    return f"docs/hooks.md#{_PROTOCOLS[kind.name][2]}"


def protocol_members(protocol: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attributes and the methods ``protocol`` (a :class:`typing.Protocol`) declares,
    each in declaration order; private and dunder names are left out."""
    attributes = tuple(n for n in getattr(protocol, "__annotations__", {}) if n[0] != "_")
    methods = tuple(
        n for n, value in vars(protocol).items() if callable(value) and not n.startswith("_")
    )
    return attributes, methods


def check_product(
    kind: Kind, name: str, product: Any, *, plugin: str, distribution: str | None
) -> Any:
    """``product``, which the factory of ``kind`` ``name`` of ``plugin`` (shipped in
    ``distribution``) returned, checked against the kind's protocol: every attribute and
    method there (methods callable, ``name``/``description`` a str, a data source's
    ``capabilities`` a SourceCapabilities listing known frequencies).

    Returns the product; a third-party data source or broker wrapped so that its answers
    are checked too. Raises :class:`~rustybt.errors.PluginError`, one line starting
    ``plugin X (package Y): `` and ending with where ``docs/hooks.md`` describes the
    protocol.
    """
    from rustybt.plugins import describe_plugin, is_builtin

    prefix = describe_plugin(plugin, distribution)
    module, class_name, _ = _PROTOCOLS[kind.name]
    attributes, methods = protocol_members(getattr(import_module(module), class_name))
    label, anchor = kind.label, docs_anchor(kind)
    missing = [m for m in (*attributes, *methods) if not hasattr(product, m)]
    if missing and len(missing) == len(attributes) + len(methods):
        raise PluginError(
            f"{prefix}: {label} '{name}' is {type_of(product)}, not {_a(label)}: it lacks "
            f"{', '.join(missing)}; see {anchor}"
        )
    if missing:
        raise PluginError(
            f"{prefix}: {label} '{name}' ({type_of(product)}) lacks {', '.join(missing)}; "
            f"see {anchor}"
        )
    uncallable = [m for m in methods if not callable(getattr(product, m))]
    if uncallable:
        raise PluginError(
            f"{prefix}: {label} '{name}' has {', '.join(uncallable)} but not as a method; "
            f"see {anchor}"
        )
    for attribute in _STR_ATTRIBUTES.get(kind.name, ()):
        value = getattr(product, attribute)
        if not isinstance(value, str) or not value:
            raise PluginError(
                f"{prefix}: {label} '{name}' has {attribute} {value!r} "
                f"({type(value).__name__}), not a non-empty str; see {anchor}"
            )
    if kind.name == "DATA_SOURCE":
        _check_capabilities(product.capabilities, f"{prefix}: {label} '{name}'", anchor)
    if is_builtin(distribution):
        return product
    if kind.name == "DATA_SOURCE":
        from rustybt.data.checked_source import CheckedSource

        return CheckedSource(product, prefix=prefix)
    if kind.name == "BROKER":
        return _checked_broker(product, prefix)
    return product


def _check_capabilities(capabilities: object, what: str, anchor: str) -> None:
    """A data source's ``capabilities``: a SourceCapabilities whose frequencies are known."""
    from rustybt.data.schema import FREQUENCIES
    from rustybt.data.source import SourceCapabilities

    if not isinstance(capabilities, SourceCapabilities):
        raise PluginError(
            f"{what} has capabilities {type(capabilities).__name__}, not a "
            f"rustybt.data.source.SourceCapabilities; see {anchor}"
        )
    frequencies = capabilities.frequencies
    if not isinstance(frequencies, tuple) or not frequencies:
        raise PluginError(
            f"{what} has capabilities.frequencies {frequencies!r}; give a tuple of one or "
            f"more of {', '.join(FREQUENCIES)}; see {anchor}"
        )
    unknown = [f for f in frequencies if f not in FREQUENCIES]
    if unknown:
        raise PluginError(
            f"{what} has unknown frequencies {', '.join(map(repr, unknown))} in "
            f"capabilities.frequencies; known: {', '.join(FREQUENCIES)}; see {anchor}"
        )


def _checked_broker(broker: Any, prefix: str) -> Any:
    """``broker`` with its answers checked, unless it is a simulated broker, whose answers
    the engine's own simulation gives (and whose type the engine looks at)."""
    from rustybt.checked_broker import checked_broker
    from rustybt.engine.simulated_execution import SimulatedExecution

    if isinstance(broker, SimulatedExecution):
        return broker
    return checked_broker(broker, prefix=prefix)


def _a(noun: str) -> str:
    """``noun`` with its indefinite article (``an Idle``, ``a dict``)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def type_of(value: object) -> str:
    """What ``value`` is, for a message: ``None``, ``a dict``, ``an int``."""
    return "None" if value is None else _a(type(value).__name__)
