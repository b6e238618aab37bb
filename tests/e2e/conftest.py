"""Which e2e tests may run at the same time when pytest-xdist spreads them over workers
(``nox -s e2e`` runs ``-n 2 --dist loadscope --no-loadscope-reorder``): the tests of one
scope run on one worker, one after another, and the workers take the scopes in collection
order, so the longest page (docs/benchmarks.md) starts early.

A module is a scope: its tests share its module fixtures (a venv built from this checkout,
the browser, a replayed session), which are then built once, and none of them overlaps
another of the module (the fault-injection tests stay apart). The pages of
test_doc_commands.py are the exception: each page runs alone in a directory of its own, so
each is a scope and the pages spread over the workers. The tests that start a local Ray
cluster (test_sweep_ray.py, and any page whose commands run ``--executor ray``) share the
scope ``ray``: one Ray at a time on the machine, its ports and its /tmp/ray to itself.

The scopes are given to xdist by its scheduler hook, since a mark set on the test
(``xdist_group``) does not reach the controller under pytest 9.2 (pytest-xdist issue 1386).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("doc_commands", HERE / "doc_commands.py")
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)

PAGES_APART = "test_doc_commands.py"
"""The module whose tests, one per docs page, are each a scope of their own."""
RAY_MODULE = "test_sweep_ray.py"
RAY_PAGES = frozenset(
    command.source
    for command in doc_commands.documented_commands(HERE.parents[1])
    if not command.skip_reason and "--executor ray" in " ".join(command.args)
)
"""The docs pages that start a local Ray cluster."""


def scope(nodeid: str) -> str:
    """The scope of the test ``nodeid``: ``ray`` for a test starting a local Ray cluster, the
    test itself for a docs page, else its module."""
    module, _, test = nodeid.partition("::")
    name = PurePosixPath(module).name
    if name == RAY_MODULE or (name == PAGES_APART and any(f"[{p}]" in test for p in RAY_PAGES)):
        return "ray"
    return nodeid if name == PAGES_APART else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` with the scopes of :func:`scope`; other modes as xdist has them."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return Scopes(config, log)
