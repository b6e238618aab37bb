"""Benchmark code that runs in zipline-reloaded's python as well as in ours: the pipeline of
``pipeline-500-assets-10y`` and the peak-memory measure.

It imports only the standard library (and, when asked, zipline's or rustybt's pipeline
API), so :mod:`rustybt.benchmarks.pipeline_zipline`, which runs where rustybt is not
installed, loads it as the file beside it; both engines thus run the same pipeline and are
measured the same way.
"""

from __future__ import annotations

import contextlib
import sys
from importlib import import_module
from pathlib import Path
from typing import Any


def make_pipeline(package: str) -> Any:
    """The benchmark's pipeline built from ``package``'s pipeline API, ``"rustybt"`` or
    ``"zipline"`` (the same names): SMA(50) and SMA(200) of the close, Returns(20),
    AverageDollarVolume(30), RSI(14), the rank of the returns, screened to the top 50 by
    dollar volume."""
    pipeline = import_module(f"{package}.pipeline")
    data = import_module(f"{package}.pipeline.data")
    factors = import_module(f"{package}.pipeline.factors")
    close = data.EquityPricing.close
    returns = factors.Returns(window_length=20)
    dollar_volume = factors.AverageDollarVolume(window_length=30)
    return pipeline.Pipeline(
        columns={
            "sma_50": factors.SimpleMovingAverage(inputs=[close], window_length=50),
            "sma_200": factors.SimpleMovingAverage(inputs=[close], window_length=200),
            "returns_20": returns,
            "dollar_volume_30": dollar_volume,
            "rsi_14": factors.RSI(window_length=14),
            "returns_rank": returns.rank(),
        },
        screen=dollar_volume.top(50),
    )


def peak_memory_mb() -> float:
    """This process's resident-memory high-water mark in MB.

    On Linux it is the process's own ``VmHWM``, which ``getrusage`` is not: a child started
    by ``vfork`` and ``exec`` (as :mod:`subprocess` starts one) reports at least its
    parent's peak there. Elsewhere it is ``getrusage``'s ``ru_maxrss`` (bytes on macOS,
    kilobytes on other systems).
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def reset_peak_memory() -> None:
    """Start :func:`peak_memory_mb` afresh from what the process holds now, where the system
    allows it (Linux); elsewhere the peak stays the whole process's."""
    # Linux >= 4.0 resets the high-water mark (VmHWM) on "5"; without it (other systems, a
    # locked-down /proc) the peak stays the process's, which is still an upper bound.
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
