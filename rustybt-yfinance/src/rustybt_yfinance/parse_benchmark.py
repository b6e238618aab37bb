"""The ``data-parse-yfinance`` benchmark: Yahoo chart payloads turned into validated bars.

Setup starts the fake Yahoo (:mod:`rustybt_yfinance.testing`) on loopback and fetches 20
years of daily bars of 10 synthetic symbols (about 52,000 rows) through the ``yfinance``
source, pointed at it by the endpoint override. That request goes through yfinance's own
cookie, crumb and chart code, which keeps each chart response of a range that has ended in
its in-process response cache; the server is then stopped. The timed part asks the same
source for the same bars again: every chart response comes from that cache, so what is
timed is the whole parsing path without the network: yfinance decoding the JSON and
building its frame, the source's conversion to the canonical columns, and validation.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import pandas as pd
from rustybt.benchmarks.measurement import Metric, rows_per_second
from rustybt.benchmarks.synthetic_bars import synthetic_symbols
from rustybt.data.store import DATA_DIR_ENV
from rustybt.errors import DataError, RustyBTError

from rustybt_yfinance.request_policy import RequestPolicy
from rustybt_yfinance.session import BASE_URL_ENV
from rustybt_yfinance.source import YFinanceSource

END = pd.Timestamp("2024-12-31", tz="UTC")
START = END - pd.DateOffset(years=20)


@attrs.define
class ChartParse:
    """Rows per second of the ``yfinance`` source parsing cached chart responses."""

    symbols: list[str]
    description: str = (
        "yfinance source: parse Yahoo chart payloads of 10 symbols x 20 years of daily bars"
    )
    source: YFinanceSource | None = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Fetch the bars once from the fake Yahoo, with yfinance's caches in ``workdir``."""
        from rustybt_yfinance.testing import serve_fake_yahoo

        with (
            serve_fake_yahoo(self.symbols) as fake,
            _environment({DATA_DIR_ENV: str(workdir), BASE_URL_ENV: fake.base_url}),
        ):
            self.source = YFinanceSource(policy=RequestPolicy(attempts=1))
            self.source.fetch_bars(self.symbols, START, END, "1d")

    def run(self) -> dict[str, Metric]:
        """Time the source building the bars from the cached responses."""
        assert self.source is not None, "setup() was not run"
        began = time.perf_counter()
        try:
            bars = self.source.fetch_bars(self.symbols, START, END, "1d")
        except DataError as exc:
            raise RustyBTError(
                "yfinance did not answer from its response cache (the fake Yahoo is gone), so "
                f"this benchmark cannot time parsing alone: {exc}"
            ) from exc
        return rows_per_second(len(bars), time.perf_counter() - began)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in ``os.environ`` inside the block, the previous values back after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def chart_parse(scale: float = 1.0) -> ChartParse:
    """10 symbols × 20 years of daily bars (fewer symbols with ``scale``, at least one)."""
    return ChartParse(symbols=synthetic_symbols(max(1, round(10 * scale))))
