"""Checking a registered benchmark the way ``rustybt benchmark`` runs it, in a test."""

from __future__ import annotations

from collections.abc import Mapping

from rustybt.benchmarks.measurement import measure
from rustybt.plugins import Kind, PluginRegistry


def check_benchmark(
    registry: PluginRegistry,
    name: str,
    *,
    plugin: str,
    metrics: Mapping[str, tuple[str, bool]],
    scale: float = 0.01,
) -> dict[str, float]:
    """Build the benchmark ``name`` at ``scale`` and measure it in this process as
    ``rustybt benchmark`` does in its child process (set-up, warm-up, measured run).

    Asserts what the benchmark promises: it is registered by ``plugin``, it describes
    itself, it reports exactly ``metrics`` (name: ``(unit, higher_is_better)``), and every
    value is positive. Returns the values by metric name.
    """
    registered_by = registry.registration(Kind.BENCHMARK, name).plugin
    assert registered_by == plugin, f"{name} is registered by {registered_by}, not {plugin}"
    result = measure(registry.benchmark(name, scale=scale))
    assert result["description"], f"{name} has no description"
    reported = {key: (m["unit"], m["higher_is_better"]) for key, m in result["metrics"].items()}
    assert reported == dict(metrics), f"{name} reports {reported}, not {dict(metrics)}"
    values = {key: m["value"] for key, m in result["metrics"].items()}
    assert all(value > 0 for value in values.values()), f"{name}: not all positive: {values}"
    return values
