"""The paper plugin's ``broker-paper-round-trip`` benchmark: registered by the plugin itself,
timing real fills, reported as p50 and p99 microseconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from rustybt.errors import RustyBTError
from rustybt.plugins import PluginRegistry
from rustybt.testing import check_benchmark
from rustybt_paper.round_trip_benchmark import OrderRoundTrip


def test_round_trip_latency_is_reported_as_p50_and_p99_microseconds(
    plugin_registry: PluginRegistry,
) -> None:
    values = check_benchmark(
        plugin_registry,
        "broker-paper-round-trip",
        plugin="paper",
        metrics={"p50_us": ("µs", False), "p99_us": ("µs", False)},
    )
    assert values["p50_us"] <= values["p99_us"]


def test_an_order_that_does_not_fill_on_the_next_bar_fails_the_benchmark(tmp_path: Path) -> None:
    benchmark = OrderRoundTrip(orders=3)
    benchmark.setup(tmp_path)
    benchmark.bars[2] = {}  # the second order's next bar is missing: it cannot fill
    with pytest.raises(RustyBTError, match="paper order bench-1 did not fill in one piece"):
        benchmark.run()
