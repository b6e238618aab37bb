"""The registry a contract suite checks a registration in: RustyBT's built-ins plus the one
installed plugin that registers the name under test, so another installed plugin, broken
or clashing, cannot fail the suite."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

from rustybt.plugins import ENTRY_POINT_GROUP, Kind, PluginRegistry, is_builtin


def registry_providing(kind: Kind, name: str) -> PluginRegistry:
    """The :meth:`PluginRegistry.isolated` registry of the installed plugin that registers
    ``name`` of ``kind`` (just the built-ins when a built-in registers it).

    Each third-party plugin is tried on its own, the one whose entry point is called
    ``name`` first, so a broken plugin beside it only matters if it is the one providing
    ``name``. Raises AssertionError saying what was found when no plugin registers it.
    """
    built_ins = PluginRegistry.isolated()
    if name in built_ins.names(kind):
        return built_ins
    failures: list[str] = []
    installed = metadata.entry_points(group=ENTRY_POINT_GROUP)
    for entry_point in _third_party_by_likelihood(name, installed):
        probe = PluginRegistry(strict=False)
        probe.load_entry_points([entry_point])
        if name in probe.names(kind):
            return PluginRegistry.isolated(entry_point.name)
        failures.extend(
            f"{info.name} ({info.distribution}): {info.error}"
            for info in probe.plugins
            if info.status == "error"
        )
    found = ", ".join(built_ins.names(kind)) or "none"
    message = f"no installed plugin registers the {kind.label} '{name}' (built-ins: {found})"
    if failures:
        message += "; plugins that failed to load: " + "; ".join(failures)
    raise AssertionError(message + "; is your package installed (pip install -e .)?")


def _third_party_by_likelihood(
    name: str, entry_points: Iterable[metadata.EntryPoint]
) -> list[metadata.EntryPoint]:
    third_party = [ep for ep in entry_points if not (ep.dist and is_builtin(ep.dist.name))]
    return sorted(third_party, key=lambda ep: (ep.name != name, ep.name))
