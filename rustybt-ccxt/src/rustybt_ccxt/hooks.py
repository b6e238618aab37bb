"""The ``ccxt`` plugin's hooks: the ``ccxt`` data source, the ``ccxt`` broker and the
``data-parse-ccxt`` benchmark.

Kept light: ccxt is imported only when a source or broker is built and used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory

if TYPE_CHECKING:
    from rustybt_ccxt.broker import CcxtBroker
    from rustybt_ccxt.source import CcxtDataSource


def ccxt_data_source(exchange: str = "binance") -> CcxtDataSource:
    """OHLCV bars of ``exchange`` (any ccxt exchange id) through ccxt."""
    from rustybt_ccxt.source import CcxtDataSource

    return CcxtDataSource(exchange)


def ccxt_broker(exchange: str = "binance", testnet: bool = False) -> CcxtBroker:
    """Spot trading on ``exchange`` through ccxt; ``testnet`` uses its sandbox."""
    from rustybt_ccxt.broker import CcxtBroker

    return CcxtBroker(exchange, testnet=testnet)


@hookimpl
def rustybt_register_data_sources(register: Register) -> None:
    """Register the ``ccxt`` data source."""
    register("ccxt", ccxt_data_source)


@hookimpl
def rustybt_register_brokers(register: Register) -> None:
    """Register the ``ccxt`` broker."""
    register("ccxt", ccxt_broker)


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register ``data-parse-ccxt``: OHLCV klines parsed into bars, rows per second."""
    register("data-parse-ccxt", LazyFactory("rustybt_ccxt.parse_benchmark:ohlcv_parse"))
