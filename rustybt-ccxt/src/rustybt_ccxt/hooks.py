"""The ``ccxt`` plugin's hooks: the ``ccxt`` data source, the ``ccxt`` broker and the
``data-parse-ccxt`` benchmark; the credentials the broker reads, and a hint for exchange
names typed where a source or broker name belongs.

Kept light: ccxt is imported only when a source or broker is built and used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory

from rustybt_ccxt.credentials import environment_names

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


DEFAULT_EXCHANGE = "binance"

EXCHANGE_DISPLAY_NAMES: Mapping[str, str] = {
    "binance": "Binance",
    "binanceus": "Binance.US",
    "bitfinex": "Bitfinex",
    "bitget": "Bitget",
    "bitstamp": "Bitstamp",
    "bybit": "Bybit",
    "coinbase": "Coinbase",
    "gateio": "Gate.io",
    "gemini": "Gemini",
    "kraken": "Kraken",
    "kucoin": "KuCoin",
    "mexc": "MEXC",
    "okx": "OKX",
}
"""Exchanges users type as a source or broker name, which they reach through ccxt."""


@hookimpl
def rustybt_broker_credentials(broker: str, options: Mapping[str, Any]) -> list[str] | None:
    """The ``ccxt`` broker reads ``RUSTYBT_<EXCHANGE>_API_KEY`` and ``..._SECRET``."""
    if broker != "ccxt":
        return None
    return list(environment_names(str(options.get("exchange") or DEFAULT_EXCHANGE)))


@hookimpl
def rustybt_unknown_name_hint(kind: str, name: str) -> str | None:
    """Point an exchange's name to ``--source ccxt`` / ``--broker ccxt --exchange``."""
    lowered = name.lower()
    exchange = EXCHANGE_DISPLAY_NAMES.get(lowered)
    if exchange is None or kind not in ("data source", "broker"):
        return None
    flag, what = ("--source", "data") if kind == "data source" else ("--broker", "trading")
    return f"{exchange} {what} is available through {flag} ccxt --exchange {lowered}"
