"""Test support for plugin authors: a contract suite per hook kind and (through ``pytest11``)
fixtures. Needs pytest: install the ``testing`` extra of ``rustybt-core``.

Subclass a contract in your plugin's tests to have its whole behavioural contract checked::

    from rustybt.testing import DataSourceContract

    class TestMySource(DataSourceContract):
        source_name = "mysource"
        symbols = ("AAA", "BBB")
        start, end = "2024-01-02", "2024-03-28"

        @pytest.fixture
        def data_source(self):
            return MySource()

``BrokerContract`` (fixture ``broker_under_test``), ``AlertChannelContract`` (``alert_channel``,
``failing_alert_channel``, ``received_alerts``), ``BenchmarkContract``
(``benchmark_under_test``, built from the registry unless given) and ``ExecutorContract``
(``executor_under_test``) work the same way. Each checks the registration in a registry
holding only the built-ins and the plugin that registers the name
(:func:`registry_providing`), so another installed plugin cannot fail it.

``check_benchmark(plugin_registry, name, plugin=..., metrics=...)`` measures a registered
benchmark at a small scale as ``rustybt benchmark`` would and checks its metrics. The
fixtures ``plugin_registry``, ``empty_plugin_registry``, ``isolated_plugin_registry`` and
``loopback_http`` come from the pytest plugin that ``rustybt-core`` installs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

try:
    import pytest  # noqa: F401  (the contracts are pytest test classes)
except ImportError:
    from rustybt.install_hint import install_command

    raise ImportError(
        "rustybt.testing needs pytest, which the testing extra of rustybt-core brings: "
        + install_command("rustybt-core", "testing")
    ) from None

if TYPE_CHECKING:
    from rustybt.testing.alert_channel_contract import AlertChannelContract
    from rustybt.testing.benchmark_check import check_benchmark
    from rustybt.testing.benchmark_contract import BenchmarkContract
    from rustybt.testing.broker_contract import BrokerContract
    from rustybt.testing.data_source_contract import DataSourceContract
    from rustybt.testing.executor_contract import ExecutorContract
    from rustybt.testing.loopback import LoopbackHttp
    from rustybt.testing.registry import registry_providing

# Imported on first use: pytest loads this package in every project where rustybt-core is
# installed (for the fixtures), and the contracts import pandas and the engine.
_EXPORTS = {
    "AlertChannelContract": "rustybt.testing.alert_channel_contract",
    "BenchmarkContract": "rustybt.testing.benchmark_contract",
    "BrokerContract": "rustybt.testing.broker_contract",
    "DataSourceContract": "rustybt.testing.data_source_contract",
    "ExecutorContract": "rustybt.testing.executor_contract",
    "LoopbackHttp": "rustybt.testing.loopback",
    "check_benchmark": "rustybt.testing.benchmark_check",
    "registry_providing": "rustybt.testing.registry",
}

__all__ = [
    "AlertChannelContract",
    "BenchmarkContract",
    "BrokerContract",
    "DataSourceContract",
    "ExecutorContract",
    "LoopbackHttp",
    "check_benchmark",
    "registry_providing",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
