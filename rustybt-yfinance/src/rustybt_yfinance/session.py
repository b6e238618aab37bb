"""The HTTP session handed to yfinance: the endpoint override and a hard request timeout.

Endpoint override contract: when ``RUSTYBT_YFINANCE_BASE_URL=http://127.0.0.1:PORT`` is set,
every request yfinance would send to ``https://<host>/<path>?<query>`` (``<host>`` being
``yahoo.com`` or any ``*.yahoo.com``) is sent instead to
``http://127.0.0.1:PORT/<host>/<path>?<query>``. Any server honouring that scheme (such as
:func:`rustybt_yfinance.testing.serve_fake_yahoo`) can then stand in for Yahoo, while
yfinance's own cookie, crumb, request and parsing code runs unchanged.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from curl_cffi import requests as curl_requests
from rustybt.errors import ConfigError

BASE_URL_ENV = "RUSTYBT_YFINANCE_BASE_URL"


def base_url_from_environment() -> str | None:
    """The override base URL from ``RUSTYBT_YFINANCE_BASE_URL`` (no trailing ``/``), or None.

    A value that is not ``http(s)://host[:port]`` is a :class:`ConfigError`.
    """
    value = os.environ.get(BASE_URL_ENV, "").strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise ConfigError(f"{BASE_URL_ENV}={value!r} must look like http://127.0.0.1:8080")
    return value


def rewrite_url(url: str, base_url: str | None) -> str:
    """``url`` as sent under the endpoint override (unchanged without one or off Yahoo)."""
    if base_url is None:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not (host == "yahoo.com" or host.endswith(".yahoo.com")):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url}/{host}{parts.path or '/'}{query}"


class YahooSession(curl_requests.Session):
    """A curl_cffi session (browser impersonation, as yfinance expects) that applies the
    endpoint override and never lets one request wait longer than ``timeout`` seconds."""

    def __init__(self, *, timeout: float, base_url: str | None) -> None:
        super().__init__(impersonate="chrome")
        self.request_timeout = timeout
        self.base_url = base_url

    def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Send the request to its (possibly rewritten) URL, timing out after
        ``min(timeout asked for, self.request_timeout)`` seconds."""
        asked = kwargs.get("timeout")
        limit = self.request_timeout
        kwargs["timeout"] = min(asked, limit) if isinstance(asked, int | float) else limit
        return super().request(method, rewrite_url(url, self.base_url), *args, **kwargs)
