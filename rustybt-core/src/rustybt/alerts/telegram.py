"""The ``telegram`` alert channel: a message from a bot through the Bot API's sendMessage."""

from __future__ import annotations

import json

import attrs

from rustybt.alerts.alert import Alert, AlertDeliveryError
from rustybt.alerts.env_secrets import secret_from_env
from rustybt.alerts.json_post import encode_json, post_json
from rustybt.alerts.settings import declare_settings
from rustybt.hookspecs import Register, hookimpl

API_URL = "https://api.telegram.org"


@declare_settings
@attrs.define(kw_only=True)
class TelegramChannel:
    """Sends the alert as text to ``chat_id`` with the bot whose token is in ``token_env``.

    ``base_url`` is the Bot API's address (tests point it at a loopback server).
    """

    token_env: str = attrs.field(
        metadata={"doc": "environment variable holding the bot's token", "secret": True}
    )
    chat_id: str | int = attrs.field(metadata={"doc": "the chat the bot writes to"})
    base_url: str = attrs.field(default=API_URL, metadata={"doc": "the Bot API's address"})
    timeout: float = attrs.field(default=10.0, metadata={"doc": "seconds to wait for an answer"})
    _token: str = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._token = secret_from_env(self.token_env, "Telegram bot token")

    def send(self, alert: Alert) -> None:
        """Send the alert once; an answer with ``"ok": false`` fails with its description."""
        url = f"{self.base_url.rstrip('/')}/bot{self._token}/sendMessage"
        body = encode_json({"chat_id": self.chat_id, "text": alert.as_text()})
        answer = post_json(url, body, timeout=self.timeout)
        try:
            result = json.loads(answer)
        except ValueError:
            raise AlertDeliveryError("the Bot API answered with something not JSON") from None
        if not (isinstance(result, dict) and result.get("ok") is True):
            description = result.get("description") if isinstance(result, dict) else None
            raise AlertDeliveryError(f"the Bot API refused the message: {description}")


@hookimpl
def rustybt_register_alert_channels(register: Register) -> None:
    """Register the ``telegram`` channel."""
    register("telegram", TelegramChannel)
