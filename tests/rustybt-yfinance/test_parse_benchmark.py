"""The yfinance plugin's ``data-parse-yfinance`` benchmark: registered by the plugin itself,
it parses chart payloads fetched once from the fake Yahoo, without the network."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from rustybt.errors import RustyBTError
from rustybt.plugins import PluginRegistry
from rustybt.testing import check_benchmark
from rustybt_yfinance.parse_benchmark import END, START, chart_parse

ROWS_PER_SECOND = {"rows_per_second": ("rows/s", True), "seconds": ("s", False)}


def test_parse_throughput_covers_every_bar_of_the_payload_without_the_server(
    plugin_registry: PluginRegistry,
) -> None:
    before = dict(os.environ)
    values = check_benchmark(
        plugin_registry, "data-parse-yfinance", plugin="yfinance", metrics=ROWS_PER_SECOND
    )
    rows = values["rows_per_second"] * values["seconds"]
    # scale 0.01: one symbol, a bar on every weekday of the 20 years (the fake's calendar)
    assert rows == pytest.approx(len(pd.bdate_range(START, END)))
    assert dict(os.environ) == before  # the endpoint override was set for the setup only


def test_a_run_that_would_need_the_network_fails_instead_of_timing_it(tmp_path: Path) -> None:
    benchmark = chart_parse(scale=0.01)
    benchmark.setup(tmp_path)
    benchmark.symbols = ["SYN0002"]  # never fetched, and the fake Yahoo is gone
    with pytest.raises(RustyBTError, match="did not answer from its response cache"):
        benchmark.run()
