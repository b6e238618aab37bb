"""The ``ray`` executor reaches RustyBT through its entry point, without Ray imported until a
sweep runs; without the package, asking for it says what to install."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from rustybt.errors import ConfigError, PluginNotFoundError
from rustybt.plugins import ENTRY_POINT_GROUP, Kind, PluginRegistry
from rustybt.sweep.executor import Executor
from rustybt_ray.executor import RayExecutor


def test_the_registry_builds_the_ray_executor_from_the_command_lines_options() -> None:
    registry = PluginRegistry.from_environment()
    executor = registry.executor("ray", jobs=2, address="127.0.0.1:6379")

    assert isinstance(executor, RayExecutor) and isinstance(executor, Executor)
    assert (executor.name, executor.jobs, executor.address) == ("ray", 2, "127.0.0.1:6379")
    assert registry.names(Kind.EXECUTOR) == ["local", "ray"]
    ray_plugin = next(info for info in registry.plugins if info.name == "ray")
    assert ray_plugin.distribution == "rustybt-ray"
    assert ray_plugin.provides == {"executors": ("ray",)}


def test_an_option_the_ray_executor_does_not_take_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"executor 'ray' does not take --workers"):
        PluginRegistry.from_environment().executor("ray", workers=2)


def test_without_rustybt_ray_asking_for_it_says_how_to_install_it() -> None:
    registry = PluginRegistry()
    registry.load_entry_points(
        entry_point
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if entry_point.dist is None or entry_point.dist.name != "rustybt-ray"
    )
    with pytest.raises(PluginNotFoundError) as raised:
        registry.executor("ray", jobs=2)
    message = str(raised.value)
    assert message.startswith("no executor named 'ray' (installed: local); install it with: ")
    assert "rustybt-ray" in message


def test_loading_the_plugins_does_not_import_ray() -> None:
    check = (
        "import sys\n"
        "from rustybt.plugins import Kind, PluginRegistry\n"
        "assert 'ray' in PluginRegistry.from_environment().names(Kind.EXECUTOR)\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
