"""Pytest fixtures for testing RustyBT plugins, installed through the ``pytest11`` entry point.

Kept free of heavy imports: pytest loads this module in every project where
``rustybt-core`` is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rustybt.plugins import PluginRegistry


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
