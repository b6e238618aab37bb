"""Offline test support shipped with the plugin: a fake Yahoo Finance on loopback.

::

    from rustybt_yfinance.testing import Fault, serve_fake_yahoo

    with serve_fake_yahoo(symbols=["AAPL", "SPY"]) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        fake.fail_next(Fault.RATE_LIMIT, times=2)
        ...  # the yfinance data source now talks to the fake, through real yfinance code
        assert fake.chart_requests("AAPL")
"""

from rustybt_yfinance.testing.fake_yahoo import (
    CRUMB,
    Dividend,
    FakeYahoo,
    Fault,
    LoggedRequest,
    Split,
    generated_bar,
    later_splits,
    serve_fake_yahoo,
)

__all__ = [
    "CRUMB",
    "Dividend",
    "FakeYahoo",
    "Fault",
    "LoggedRequest",
    "Split",
    "generated_bar",
    "later_splits",
    "serve_fake_yahoo",
]
