"""Pytest fixtures for testing RustyBT plugins, installed through the ``pytest11`` entry point.

Kept free of heavy imports: pytest loads this module in every project where
``rustybt-core`` is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rustybt.plugins import PluginRegistry
    from rustybt.testing.loopback import LoopbackHttp


@pytest.fixture
def empty_plugin_registry() -> PluginRegistry:
    """A strict registry with no plugin loaded: add yours with ``add_plugin(name, module)``."""
    from rustybt.plugins import PluginRegistry

    return PluginRegistry(strict=True)


@pytest.fixture
def plugin_registry() -> PluginRegistry:
    """A strict registry freshly loaded with every installed plugin's entry point."""
    from rustybt.plugins import PluginRegistry

    registry = PluginRegistry(strict=True)
    registry.load_entry_points()
    return registry


@pytest.fixture
def isolated_plugin_registry() -> Callable[..., PluginRegistry]:
    """Makes strict registries of RustyBT's built-ins plus the plugins you name and nothing
    else: ``isolated_plugin_registry("mycsv")`` (an installed entry point's name) or
    ``isolated_plugin_registry(my_hooks_module)``. Another installed plugin, even a broken
    one, is never imported (see :meth:`rustybt.plugins.PluginRegistry.isolated`)."""
    from rustybt.plugins import PluginRegistry

    return PluginRegistry.isolated


@pytest.fixture
def loopback_http() -> Iterator[LoopbackHttp]:
    """A real HTTP server on 127.0.0.1 for an alert channel to deliver to: it records every
    request and answers 200, or 500 under ``/fail`` (see
    :class:`rustybt.testing.LoopbackHttp`)."""
    from rustybt.testing.loopback import LoopbackHttp

    with LoopbackHttp.serving() as server:
        yield server
