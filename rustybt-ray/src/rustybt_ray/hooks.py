"""Registers the ``ray`` sweep executor; Ray itself is imported only when one is built."""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory


@hookimpl
def rustybt_register_executors(register: Register) -> None:
    """Register ``ray``: :class:`rustybt_ray.executor.RayExecutor` (``--jobs``,
    ``--ray-address``)."""
    register("ray", LazyFactory("rustybt_ray.executor:RayExecutor"))
