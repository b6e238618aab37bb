"""The ``webhook`` alert channel: the alert as JSON, POSTed to a URL, optionally signed.

When ``secret_env`` names an environment variable, the request carries
``X-RustyBT-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact request body under that
secret, so the receiver can check the alert came from us::

    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    hmac.compare_digest(expected, request.headers["X-RustyBT-Signature"])
"""

from __future__ import annotations

import urllib.parse

import attrs

from rustybt.alerts.alert import Alert
from rustybt.alerts.env_secrets import secret_from_env
from rustybt.alerts.json_post import encode_json, post_json
from rustybt.alerts.settings import declare_settings
from rustybt.errors import ConfigError
from rustybt.hookspecs import Register, hookimpl
from rustybt.redaction import redact_url

SIGNATURE_HEADER = "X-RustyBT-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    # Imported when signing: every rustybt invocation loads this plugin.
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@declare_settings
@attrs.define(kw_only=True)
class WebhookChannel:
    """POSTs ``{"severity", "title", "body", "dedupe_key"}`` to ``url``.

    ``secret_env`` names the environment variable holding the signing secret (read once,
    here); ``timeout`` is in seconds.
    """

    url: str = attrs.field(metadata={"doc": "where the alert is POSTed as JSON"})
    secret_env: str | None = attrs.field(
        default=None,
        metadata={
            "doc": "environment variable holding the secret that signs the body "
            "(HMAC-SHA256 in `X-RustyBT-Signature`)",
            "default": "unsigned",
            "secret": True,
        },
    )
    timeout: float = attrs.field(default=10.0, metadata={"doc": "seconds to wait for an answer"})
    _secret: str | None = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ConfigError(
                f"webhook url must start with https:// or http://, got {redact_url(self.url)!r}"
            )
        self._secret = (
            secret_from_env(self.secret_env, "webhook signing secret") if self.secret_env else None
        )

    def send(self, alert: Alert) -> None:
        """POST the alert once; see :class:`rustybt.alerts.AlertChannel`."""
        body = encode_json(alert.to_dict())
        headers = {SIGNATURE_HEADER: sign(self._secret, body)} if self._secret else {}
        post_json(self.url, body, timeout=self.timeout, headers=headers)


@hookimpl
def rustybt_register_alert_channels(register: Register) -> None:
    """Register the ``webhook`` channel."""
    register("webhook", WebhookChannel)
