"""One-line descriptions of ccxt's exceptions, for the messages of our own errors."""

from __future__ import annotations

import json
import re
from decimal import Decimal

MAX_LENGTH = 300

_URL = re.compile(r"https?://[^/\s]+(/[^?\s]*)(\?\S*)?")
"""A URL in ccxt's message: only its path is kept (the query can carry keys and signatures)."""


class MalformedAnswer(ValueError):
    """The exchange answered with a body that is not JSON; ccxt passed it on as if empty."""


MALFORMED_ANSWER_ERRORS: tuple[type[Exception], ...] = (
    MalformedAnswer,
    AttributeError,
    KeyError,
    TypeError,
    ValueError,
)
"""What ccxt raises when it parses an answer that is not the JSON it expects (e.g. an HTML
error page with status 200): ccxt has no exception class of its own for these."""


def describe(exc: BaseException) -> str:
    """``exc`` as ``"<ccxt class>: <exchange's message>"`` on one line.

    ccxt's messages are ``"<exchange id> <response body>"``; when the body is JSON with a
    ``msg`` or ``message``, only that text is kept. URLs are cut to their path.
    """
    text = _URL.sub(lambda m: m.group(1), " ".join(str(exc).split()))
    _, brace, rest = text.partition("{")
    if brace:
        try:
            body = json.loads(brace + rest)
        except ValueError:
            body = None
        if isinstance(body, dict):
            message = body.get("msg") or body.get("message")
            if message:
                text = f"{message} (code {body['code']})" if "code" in body else str(message)
    if len(text) > MAX_LENGTH:
        text = text[: MAX_LENGTH - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def plain(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros: ``5``, ``0.0012``, ``50000``."""
    return f"{value.normalize():f}"
