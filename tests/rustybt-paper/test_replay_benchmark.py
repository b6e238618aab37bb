"""The paper plugin's ``paper-replay`` benchmark: a replay at --speed 0 timed against the
backtest of the same bars, so the report says how much the paper session costs beyond it."""

from __future__ import annotations

import pytest
from rustybt.plugins import PluginRegistry
from rustybt.testing import check_benchmark


def test_paper_replay_is_reported_against_the_backtest_of_the_same_bars(
    plugin_registry: PluginRegistry,
) -> None:
    values = check_benchmark(
        plugin_registry,
        "paper-replay-w1-daily-1-asset-20y",
        plugin="paper",
        metrics={
            "bars_per_second": ("bars/s", True),
            "seconds": ("s", False),
            "backtest_seconds": ("s", False),
            "replay_over_backtest": ("×", False),
        },
    )
    ratio = values["seconds"] / values["backtest_seconds"]
    assert values["replay_over_backtest"] == pytest.approx(ratio)
