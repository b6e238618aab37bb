"""Offline test support shipped with the plugin: a fake Binance spot exchange on loopback.

::

    from rustybt_ccxt.testing import FakeExchange

    with FakeExchange() as fake:
        monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", fake.base_url)
        ...  # the ccxt data source and broker now talk to the fake
        assert len(fake.orders) == 1
"""

from rustybt_ccxt.testing.fake_exchange import (
    FakeExchange,
    FakeOrder,
    Ledger,
    RecordedRequest,
    generated_kline,
    serve_fake_exchange,
)

__all__ = [
    "FakeExchange",
    "FakeOrder",
    "Ledger",
    "RecordedRequest",
    "generated_kline",
    "serve_fake_exchange",
]
