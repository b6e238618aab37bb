"""Test support for plugin authors: contract suites and (through ``pytest11``) fixtures.

Subclass a contract in your plugin's tests to have its whole behavioural contract checked::

    from rustybt.testing import DataSourceContract

    class TestMySource(DataSourceContract):
        source_name = "mysource"
        symbols = ("AAA", "BBB")
        start, end = "2024-01-02", "2024-03-28"

        @pytest.fixture
        def data_source(self):
            return MySource()

``BrokerContract`` works the same way with a ``broker_under_test`` fixture.
``check_benchmark(plugin_registry, name, plugin=..., metrics=...)`` measures a registered
benchmark at a small scale as ``rustybt benchmark`` would and checks its metrics. The fixtures
``plugin_registry`` (every installed plugin, freshly loaded, strict) and
``empty_plugin_registry`` (nothing loaded, strict) come from the pytest plugin that
``rustybt-core`` installs.
"""

from rustybt.testing.benchmark_check import check_benchmark
from rustybt.testing.broker_contract import BrokerContract
from rustybt.testing.data_source_contract import DataSourceContract

__all__ = ["BrokerContract", "DataSourceContract", "check_benchmark"]
