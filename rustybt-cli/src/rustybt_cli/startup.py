"""How long the process took to reach a command: interpreter start, imports, plugin loading."""

from __future__ import annotations

import os
import time
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
