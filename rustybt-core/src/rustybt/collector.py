"""The cyclic garbage collector while RustyBT does its own heavy lifting: during a run, set
to what the run allocates; paused while building many objects that form no cycles (the
results frame, importing the library).

A module of its own, light to import, so a command can pause the collector before it
imports the engine."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_YOUNG_OBJECTS = 20_000
"""Young containers allowed between collections during a run (Python's default is 700):
a run allocates steadily and frees almost everything by reference counting."""


@contextlib.contextmanager
def collections_of_run_objects_only() -> Iterator[None]:
    """Keep the cyclic garbage collector's passes to what a backtest allocates.

    A run allocates containers steadily (orders, windows, result rows), and Python's full
    collections walk every tracked object in the process, including the hundreds of
    thousands that imported libraries keep alive; in a fresh process one such pass can cost
    more than a 20-year daily run. While the run lasts, objects that existed before it are
    set aside (``gc.freeze``), so collections look only at what the run creates, and young
    collections run less often; both are undone afterwards. Nothing is kept alive that
    would otherwise be freed by reference counting.

    An application that manages the collector itself is left alone: with the collector
    disabled nothing changes, and objects the application froze are never unfrozen.
    """
    if not gc.isenabled():
        yield
        return
    thresholds = gc.get_threshold()
    freezes = gc.get_freeze_count() == 0
    if freezes:
        gc.freeze()
    gc.set_threshold(max(_YOUNG_OBJECTS, thresholds[0]), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freezes:
            gc.collect(0)  # the young objects left over, while the rest is still set aside
            gc.unfreeze()


@contextlib.contextmanager
def no_collections() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles
    (the results frame's hundreds of thousands of position dicts, the objects a command's
    imports create), so their allocation triggers no collection passes; it runs again
    afterwards as it did before. An application that disabled the collector keeps it
    disabled."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
