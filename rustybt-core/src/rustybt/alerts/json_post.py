"""POSTing JSON over HTTP with the standard library, for the HTTP alert channels."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rustybt.alerts.alert import AlertDeliveryError

USER_AGENT = "rustybt-alerts"


def encode_json(payload: Any) -> bytes:
    """``payload`` as the exact UTF-8 bytes that are sent (and signed)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def post_json(
    url: str, body: bytes, *, timeout: float, headers: Mapping[str, str] | None = None
) -> bytes:
    """POST ``body`` as JSON to ``url`` and return the response body of a 2xx answer.

    Any other answer, a timeout or a network error is an :class:`AlertDeliveryError` whose
    message names the status or the network reason, never the URL (it may hold a token).
    """
    # Imported on the first alert: every rustybt invocation loads the HTTP channels.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise AlertDeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise AlertDeliveryError(f"cannot reach the endpoint: {exc.reason}") from None
    except TimeoutError:
        raise AlertDeliveryError(f"no answer within {timeout:g} s") from None
    except OSError as exc:
        raise AlertDeliveryError(f"network error: {exc.strerror or exc}") from None
