"""A fake Binance on loopback, with the plugin pointed at it and test credentials set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rustybt_ccxt.testing import FakeExchange

API_KEY = "test-key-5d41402abc4b2a76"
SECRET = "test-secret-7d793037a0760186"


@pytest.fixture
def fake_exchange(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExchange]:
    """A running fake exchange checking ``credentials`` exactly, with the environment set.

    Injected timeouts hold replies for 1.5 s; brokers in these tests time out after 0.5 s.
    """
    with FakeExchange(api_key=API_KEY, secret=SECRET, timeout_seconds=1.5) as fake:
        monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", fake.base_url)
        monkeypatch.setenv("RUSTYBT_BINANCE_API_KEY", API_KEY)
        monkeypatch.setenv("RUSTYBT_BINANCE_SECRET", SECRET)
        yield fake


@pytest.fixture
def credentials() -> tuple[str, str]:
    """The API key and secret the fake exchange accepts."""
    return API_KEY, SECRET
