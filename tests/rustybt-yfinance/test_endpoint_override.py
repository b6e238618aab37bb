"""The endpoint override contract and the fake server's wire format."""

from __future__ import annotations

import json

import pytest
from curl_cffi import requests
from rustybt.errors import ConfigError
from rustybt_yfinance.session import YahooSession, base_url_from_environment, rewrite_url
from rustybt_yfinance.testing import CRUMB, FakeYahoo, Fault

BASE = "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("url", "sent_to"),
    [
        (
            "https://query2.finance.yahoo.com/v8/finance/chart/AAPL?interval=1d&range=1d",
            f"{BASE}/query2.finance.yahoo.com/v8/finance/chart/AAPL?interval=1d&range=1d",
        ),
        ("https://fc.yahoo.com", f"{BASE}/fc.yahoo.com/"),
        ("https://guce.yahoo.com/consent", f"{BASE}/guce.yahoo.com/consent"),
        ("https://example.com/a?b=c", "https://example.com/a?b=c"),  # not Yahoo: untouched
        ("http://fc.yahoo.com/", "http://fc.yahoo.com/"),  # not https: untouched
    ],
)
def test_yahoo_urls_are_sent_to_the_base_url_with_the_host_as_first_path_segment(url, sent_to):
    assert rewrite_url(url, BASE) == sent_to


def test_without_the_variable_urls_are_unchanged(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("RUSTYBT_YFINANCE_BASE_URL", raising=False)
    assert base_url_from_environment() is None
    assert rewrite_url("https://fc.yahoo.com/", None) == "https://fc.yahoo.com/"


def test_a_base_url_with_a_path_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", "http://127.0.0.1:8765/api")
    with pytest.raises(ConfigError, match=r"must look like http://127\.0\.0\.1:8080"):
        base_url_from_environment()


def test_the_fake_speaks_yahoos_cookie_crumb_and_chart_wire_format(fake_yahoo: FakeYahoo):
    session = YahooSession(timeout=2.0, base_url=fake_yahoo.base_url)

    cookie = session.get("https://fc.yahoo.com")
    crumb = session.get("https://query1.finance.yahoo.com/v1/test/getcrumb")
    chart = session.get(
        "https://query2.finance.yahoo.com/v8/finance/chart/SPY",
        params={"period1": 1704153600, "period2": 1704412800, "interval": "1d"},
    )
    unknown = session.get("https://query2.finance.yahoo.com/v8/finance/chart/ZZZZ")

    assert cookie.status_code == 404 and "A3" in session.cookies
    assert (crumb.status_code, crumb.text) == (200, CRUMB)
    result = chart.json()["chart"]["result"][0]
    assert {"currency", "instrumentType", "exchangeTimezoneName", "validRanges"} <= set(
        result["meta"]
    )
    assert len(result["timestamp"]) == 3  # Jan 2, 3 and 4, 2024
    assert unknown.status_code == 404
    assert unknown.json()["chart"]["error"]["code"] == "Not Found"
    assert [(r.host, r.path, r.status) for r in fake_yahoo.requests][:2] == [
        ("fc.yahoo.com", "/", 404),
        ("query1.finance.yahoo.com", "/v1/test/getcrumb", 200),
    ]
    assert fake_yahoo.chart_requests("SPY")[0].query["interval"] == "1d"


def test_the_fake_serves_only_the_symbols_it_was_given(fake_yahoo: FakeYahoo):
    session = YahooSession(timeout=2.0, base_url=fake_yahoo.base_url)
    answer = session.get("https://query2.finance.yahoo.com/v8/finance/chart/GOOG?range=5d")
    assert answer.status_code == 404
    assert json.loads(answer.text)["chart"]["result"] is None


def test_every_request_is_bounded_by_the_session_timeout(fake_yahoo: FakeYahoo):
    fake_yahoo.fail_next(Fault.HANG)
    session = YahooSession(timeout=0.3, base_url=fake_yahoo.base_url)
    with pytest.raises(requests.exceptions.Timeout):
        session.get("https://query2.finance.yahoo.com/v8/finance/chart/SPY", timeout=30)
