"""Benchmarks: what ``rustybt benchmark`` measures, and how a plugin adds its own.

A benchmark is registered with ``rustybt_register_benchmarks(register)`` as
``register(name, factory)``, by the package that owns the code it measures, under a name
starting with its suite (``backtest-``, ``data-``, ``broker-``, ``ledger-``, ``paper-``,
``pipeline-``, ``startup-``).
``factory(scale=1.0)`` returns an object with ``description``, ``setup(workdir)`` (untimed
preparation, e.g. writing data files) and ``run()`` returning its metrics; ``run()`` is
called twice, a warm-up and then the measured run (:func:`measure`). ``scale`` shrinks the
workload proportionally (for smoke tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rustybt.benchmarks.measurement import (
        Benchmark,
        BenchmarkReport,
        Metric,
        machine_info,
        measure,
        rows_per_second,
        run_benchmarks,
    )


def __getattr__(name: str) -> Any:
    # Imported on first use: every rustybt invocation imports this package for its hooks
    # module, and should not pay for subprocess, tempfile and statistics.
    if name not in __all__:
        raise AttributeError(f"module 'rustybt.benchmarks' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module("rustybt.benchmarks.measurement"), name)


__all__ = [
    "Benchmark",
    "BenchmarkReport",
    "Metric",
    "machine_info",
    "measure",
    "rows_per_second",
    "run_benchmarks",
]
