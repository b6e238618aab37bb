"""Benchmarks: what ``rustybt benchmark`` measures, and how a plugin adds its own.

A benchmark is registered with ``rustybt_register_benchmarks(register)`` as
``register(name, factory)``; ``factory(scale=1.0)`` returns an object with ``description``,
``setup(workdir)`` (untimed preparation, e.g. writing data files) and ``run()`` returning
its metrics. ``scale`` shrinks the workload proportionally (for smoke tests).
"""

from rustybt.benchmarks.measurement import (
    Benchmark,
    BenchmarkReport,
    Metric,
    machine_info,
    run_benchmarks,
)

__all__ = ["Benchmark", "BenchmarkReport", "Metric", "machine_info", "run_benchmarks"]
