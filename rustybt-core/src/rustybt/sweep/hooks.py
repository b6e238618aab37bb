"""Registers core's ``local`` sweep executor without importing it until a sweep runs (every
``rustybt`` invocation loads plugin hooks, so this module stays light)."""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory


@hookimpl
def rustybt_register_executors(register: Register) -> None:
    """Register ``local``: warm worker processes on this machine
    (:class:`rustybt.sweep.executor.LocalExecutor`)."""
    register("local", LazyFactory("rustybt.sweep.executor:LocalExecutor"))
