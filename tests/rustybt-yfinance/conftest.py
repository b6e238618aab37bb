"""A fake Yahoo on loopback for every test that asks for it, and a source with short limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rustybt_yfinance.request_policy import RequestPolicy
from rustybt_yfinance.source import YFinanceSource
from rustybt_yfinance.testing import FakeYahoo, serve_fake_yahoo

SYMBOLS = ("AAPL", "MSFT", "SPY")


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    """A fake Yahoo serving AAPL, MSFT and SPY, with the endpoint override pointing at it."""
    with serve_fake_yahoo(SYMBOLS) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        yield fake


@pytest.fixture
def fast_policy() -> RequestPolicy:
    """One-second timeouts, three attempts, near-zero backoff: failures show up quickly."""
    return RequestPolicy(timeout=1.0, attempts=3, backoff=0.01, max_backoff=0.05)


@pytest.fixture
def yahoo(fake_yahoo: FakeYahoo, fast_policy: RequestPolicy) -> YFinanceSource:
    """The yfinance source, talking to the fake Yahoo."""
    return YFinanceSource(policy=fast_policy)
