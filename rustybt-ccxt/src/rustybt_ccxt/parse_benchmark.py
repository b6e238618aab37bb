"""The ``data-parse-ccxt`` benchmark: Binance klines turned into validated bars.

Setup builds one year of hourly klines for each of 10 synthetic pairs (about 87,600 rows)
exactly as the fake exchange (:mod:`rustybt_ccxt.testing`) sends them: Binance's
12-field arrays with prices as strings. The timed part is what the ``ccxt`` source does
with each page of 1,000 klines once it has arrived, without the network (whose rate limiter
would dominate): ccxt's Binance client parses them into unified OHLCV rows
(``parse_ohlcvs``, as its ``fetch_ohlcv`` does; spot klines read the same for every spot
market, so none is passed), then :meth:`CcxtDataSource.bars_from_ohlcv` turns the rows into
validated bars.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
from rustybt.benchmarks.measurement import Metric, rows_per_second
from rustybt.benchmarks.synthetic_bars import synthetic_symbols

from rustybt_ccxt.client import new_client
from rustybt_ccxt.source import PAGE_SIZE, CcxtDataSource

EXCHANGE = "binance"
FREQUENCY = "1h"
HOURS = 365 * 24
FIRST_BAR = pd.Timestamp("2024-01-01", tz="UTC")
LAST_BAR = FIRST_BAR + pd.Timedelta(hours=HOURS - 1)


@attrs.define
class OhlcvParse:
    """Rows per second of klines parsed by ccxt and the ``ccxt`` source into bars."""

    pairs: list[str]
    description: str = "ccxt source: parse Binance klines of 10 pairs x 1 year of hourly bars"
    klines: dict[str, list[list[Any]]] = attrs.field(factory=dict, init=False)
    client: Any = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Build the klines (in memory: ``workdir`` is not used) and an unopened client."""
        from rustybt_ccxt.testing import generated_kline

        step_ms = 3_600_000
        first_ms = int(FIRST_BAR.value // 1_000_000)
        self.klines = {
            pair: [
                generated_kline(100.0 * (k + 1), first_ms + i * step_ms, step_ms)
                for i in range(HOURS)
            ]
            for k, pair in enumerate(self.pairs)
        }
        self.client = new_client(EXCHANGE)

    def run(self) -> dict[str, Metric]:
        """Time parsing every page of klines and building the bars."""
        source = CcxtDataSource(EXCHANGE)
        began = time.perf_counter()
        ohlcv = {
            symbol: [
                row
                for first in range(0, len(klines), PAGE_SIZE)
                for row in self.client.parse_ohlcvs(
                    klines[first : first + PAGE_SIZE], None, FREQUENCY
                )
            ]
            for symbol, klines in self.klines.items()
        }
        bars = source.bars_from_ohlcv(ohlcv, FREQUENCY, FIRST_BAR, LAST_BAR)
        return rows_per_second(len(bars), time.perf_counter() - began)


def ohlcv_parse(scale: float = 1.0) -> OhlcvParse:
    """10 pairs × one year of hourly klines (fewer pairs with ``scale``, at least one)."""
    pairs = [f"{name}/USDT" for name in synthetic_symbols(max(1, round(10 * scale)))]
    return OhlcvParse(pairs=pairs)
