"""The ccxt plugin's ``data-parse-ccxt`` benchmark, and the parsing step it times:
registered by the plugin itself, klines in, validated bars out, no network."""

from __future__ import annotations

import pandas as pd
import pytest
from rustybt.plugins import PluginRegistry
from rustybt.testing import check_benchmark
from rustybt_ccxt.source import CcxtDataSource

pytestmark = pytest.mark.filterwarnings("error")

HOUR_MS = 3_600_000
JAN_1 = pd.Timestamp("2024-01-01", tz="UTC")

ROWS_PER_SECOND = {"rows_per_second": ("rows/s", True), "seconds": ("s", False)}


def test_parse_throughput_covers_a_year_of_hourly_klines(plugin_registry: PluginRegistry) -> None:
    values = check_benchmark(
        plugin_registry, "data-parse-ccxt", plugin="ccxt", metrics=ROWS_PER_SECOND
    )
    rows = values["rows_per_second"] * values["seconds"]
    assert rows == pytest.approx(365 * 24)  # scale 0.01: one pair


def test_bars_from_ohlcv_keeps_the_range_once_each_sorted_by_symbol() -> None:
    def row(hour: int, close: float) -> list[float]:
        return [JAN_1.value // 10**6 + hour * HOUR_MS, close, close + 1, close - 1, close, 5.0]

    ohlcv = {
        "ETH/USDT": [row(0, 10.0), row(1, 11.0), row(1, 11.0), row(5, 12.0)],
        "BTC/USDT": [row(1, 100.0)],
    }
    bars = CcxtDataSource().bars_from_ohlcv(ohlcv, "1h", JAN_1, JAN_1 + pd.Timedelta(hours=2))
    assert list(zip(bars["symbol"], bars["close"], strict=True)) == [
        ("BTC/USDT", 100.0),
        ("ETH/USDT", 10.0),
        ("ETH/USDT", 11.0),
    ]
