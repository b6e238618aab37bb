"""Secrets kept out of what RustyBT shows: config echoes, JSON output, logs and errors.

A value is hidden when its name says it is a secret (``api_key``, ``token``, ...); a URL
anywhere is shown without its credentials: the password of its userinfo, the values of
secret-named query parameters, and a bot token in its path (``/bot123:ABC/``).
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REDACTED = "***"
SECRET_NAME = re.compile(r"key|secret|token|password|passwd|signature", re.IGNORECASE)
"""Names whose values are secrets (``*_env`` names only name a variable: see :func:`redact`)."""
_SECRET_PARAMETER = re.compile(rf"{SECRET_NAME.pattern}|^sig$|^auth", re.IGNORECASE)
"""Query parameter names whose values are secrets (``?sig=``, ``?auth=`` as well)."""
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_BOT_TOKEN = re.compile(r"/bot[^/]+")


def redact_url(url: str) -> str:
    """``url`` with its password, secret query values and path bot token shown as ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if has_password else f"{REDACTED}@{host}"
    query = "&".join(
        f"{name}={REDACTED}" if _SECRET_PARAMETER.search(name) else pair
        for pair in parts.query.split("&")
        if pair
        for name in [pair.partition("=")[0]]
    )
    path = _BOT_TOKEN.sub(f"/bot{REDACTED}", parts.path)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query, path=path))


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:  # no URL: the common case, answered without the regex
        return text
    return _URL.sub(lambda match: redact_url(match.group(0)), text)


_PLAIN = frozenset({int, float, bool, Decimal, type(None)})
"""Values that hold no URL: only their name can make them a secret."""


@functools.lru_cache(maxsize=1024)
def _secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not name.endswith("_env")


def _texts_without_url(values: list[Any] | tuple[Any, ...]) -> bool:
    """True when every one of ``values`` is a text and none holds a URL (a log line's
    lists of dates and amounts: thousands of texts, checked at once)."""
    try:
        joined = "\n".join(values)
    except TypeError:  # something other than a text among them
        return False
    return "://" not in joined  # the separator keeps a URL from spanning two texts


def redact(value: Any, name: str = "") -> Any:
    """``value`` (a config document, a log event's fields) with every entry whose name
    says it is a secret replaced by ``***``, except ``*_env`` entries, which only name an
    environment variable, and the credentials of every URL in a text removed."""
    if isinstance(value, str):
        return REDACTED if _secret_name(name) else redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: item
            if type(item) in _PLAIN and not _secret_name(str(key))
            else redact(item, str(key))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        if not _secret_name(name) and _texts_without_url(value):
            return list(value)  # a list of texts none of which holds a URL: nothing to hide
        return [redact(item, name) for item in value]
    if value is not None and _secret_name(name):
        return REDACTED
    return value
