"""Building ccxt's async exchange client the way RustyBT needs it, endpoint override included.

Every client is a ``ccxt.async_support`` exchange (never the synchronous one: awaiting it
was the seed's ``object dict can't be used in 'await' expression`` bug), limited to spot
markets, with ccxt's rate limiter on, and always closed by :func:`open_client`.

Endpoint override: when ``RUSTYBT_CCXT_BASE_URL=http://127.0.0.1:PORT`` is set, every URL
in the client's ``api``, ``test`` and ``demo`` URL tables keeps its path and query and takes
that scheme, host and port. The rewrite happens after sandbox mode is applied, because
sandbox mode replaces the ``api`` table with the ``test`` one. An override on this machine
(127.0.0.1, localhost) turns the rate limiter off: it paces requests to the real exchange.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from rustybt.errors import ConfigError

from rustybt_ccxt.credentials import Credentials

if TYPE_CHECKING:
    from ccxt.async_support.base.exchange import Exchange

BASE_URL_ENV = "RUSTYBT_CCXT_BASE_URL"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts of an endpoint override that ccxt's rate limiter leaves alone (the fake exchange)."""
URL_TABLES = ("api", "test", "demo")


def redirect_url(url: str, base_url: str) -> str:
    """``url`` with the scheme, host and port of ``base_url``, keeping its path and query."""
    target = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


def redirect_url_table(table: Any, base_url: str) -> Any:
    """A copy of a ccxt URL table (a URL, or nested dicts of URLs) with every URL redirected."""
    if isinstance(table, str):
        return redirect_url(table, base_url)
    if isinstance(table, dict):
        return {key: redirect_url_table(value, base_url) for key, value in table.items()}
    return table


def new_client(
    exchange: str,
    *,
    testnet: bool = False,
    credentials: Credentials | None = None,
    timeout_seconds: float = 10.0,
) -> Exchange:
    """An unopened ``ccxt.async_support`` client of ``exchange`` (a ccxt id such as ``binance``).

    Raises :class:`ConfigError` for an exchange ccxt does not know, or ``testnet`` on an
    exchange without a sandbox.
    """
    import ccxt.async_support as ccxt_async

    if exchange not in ccxt_async.exchanges:
        raise ConfigError(
            f"ccxt has no exchange '{exchange}' (use a ccxt exchange id such as binance, "
            "kraken or okx)"
        )
    client_class = getattr(ccxt_async, exchange)
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": int(timeout_seconds * 1000),
        # Kept so a body that is not JSON (which ccxt passes on as empty) can be told apart.
        "enableLastJsonResponse": True,
    }
    if credentials is not None:
        config["apiKey"] = credentials.api_key
        config["secret"] = credentials.secret
    client = client_class(config)
    client.options.update(_spot_only_options(client.options.get("fetchMarkets")))
    if testnet:
        try:
            client.set_sandbox_mode(True)
        except ccxt_async.NotSupported:
            raise ConfigError(f"{exchange} has no testnet (sandbox) in ccxt") from None
    base_url = os.environ.get(BASE_URL_ENV)
    if base_url:
        for name in URL_TABLES:
            if name in client.urls:
                client.urls[name] = redirect_url_table(client.urls[name], base_url)
        if urlsplit(base_url).hostname in LOOPBACK_HOSTS:
            # The exchange's request budget does not apply to a server on this machine.
            client.enableRateLimit = False
    return client


def _spot_only_options(fetch_markets_default: Any) -> dict[str, Any]:
    # Only spot markets, no currency or margin endpoints: fewer requests, and a fake
    # exchange needs to speak only the spot API (DESIGN §8).
    options: dict[str, Any] = {
        "fetchCurrencies": False,
        "fetchMargins": False,
        "defaultType": "spot",
        "warnOnFetchOpenOrdersWithoutSymbol": False,
    }
    if isinstance(fetch_markets_default, dict):
        options["fetchMarkets"] = {**fetch_markets_default, "types": ["spot"]}
    elif isinstance(fetch_markets_default, list):
        options["fetchMarkets"] = ["spot"]
    return options


@asynccontextmanager
async def open_client(
    exchange: str,
    *,
    testnet: bool = False,
    credentials: Credentials | None = None,
    timeout_seconds: float = 10.0,
) -> AsyncIterator[Exchange]:
    """A client of ``exchange`` (see :func:`new_client`), closed on exit whatever happens."""
    client = new_client(
        exchange, testnet=testnet, credentials=credentials, timeout_seconds=timeout_seconds
    )
    try:
        yield client
    finally:
        await client.close()
