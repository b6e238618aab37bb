"""A command's start: how long the process took to reach it (interpreter start, imports,
plugin loading), and importing the library without collector passes."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path

PROC_STAT = Path("/proc/self/stat")


def seconds_since_process_start() -> float | None:
    """Seconds since the operating system started this process, to the kernel's clock tick
    (1/100 s on Linux), read from ``/proc/self/stat``; None where there is no such file.

    The kernel counts a process's start in clock ticks since boot, on the clock
    ``CLOCK_BOOTTIME`` reads, so the difference needs no timestamp taken by Python and counts
    the interpreter's own start too.
    """
    try:
        stat = PROC_STAT.read_text()
    except OSError:
        return None
    # Field 22, counted after the command name, which may itself hold spaces and brackets.
    start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
    now = time.clock_gettime(time.CLOCK_BOOTTIME)
    return max(0.0, now - start_ticks / os.sysconf("SC_CLK_TCK"))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a command imports the library: the imports
    create hundreds of thousands of objects and no garbage, and the collection passes they
    would trigger walk them all (0.05 to 0.15 s of a backtest's start). The collector runs
    again afterwards as before; one disabled by the caller stays disabled."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
