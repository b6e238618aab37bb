"""The plugin's hooks: registers the ``yfinance`` (traded prices with splits and dividends)
and ``yfinance-raw`` (Yahoo's unadjusted columns) sources and the ``data-parse-yfinance``
benchmark.

Kept light: yfinance itself is imported only when the source first talks to Yahoo.
"""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory

SOURCE = "rustybt_yfinance.source:YFinanceSource"
UNADJUSTED_SOURCE = "rustybt_yfinance.source:YahooUnadjustedSource"


@hookimpl
def rustybt_register_data_sources(register: Register) -> None:
    """Register ``yfinance`` (prices as traded, with splits and dividends) and
    ``yfinance-raw`` (Yahoo's unadjusted columns, no actions)."""
    register("yfinance", LazyFactory(SOURCE))
    register("yfinance-raw", LazyFactory(UNADJUSTED_SOURCE))


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register ``data-parse-yfinance``: chart payloads parsed into bars, rows per second."""
    register("data-parse-yfinance", LazyFactory("rustybt_yfinance.parse_benchmark:chart_parse"))
