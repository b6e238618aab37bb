"""The ``slack`` alert channel: a message through a Slack incoming webhook.

The webhook URL is itself a credential, so the configuration names the environment
variable holding it (``url_env``), never the URL.
"""

from __future__ import annotations

import attrs

from rustybt.alerts.alert import Alert
from rustybt.alerts.env_secrets import secret_from_env
from rustybt.alerts.json_post import encode_json, post_json
from rustybt.alerts.settings import declare_settings
from rustybt.hookspecs import Register, hookimpl


@declare_settings
@attrs.define(kw_only=True)
class SlackChannel:
    """Posts ``{"text": "[SEVERITY] title\\nbody"}`` to the incoming webhook in ``url_env``."""

    url_env: str = attrs.field(
        metadata={
            "doc": "environment variable holding the Slack incoming-webhook URL",
            "secret": True,
        }
    )
    timeout: float = attrs.field(default=10.0, metadata={"doc": "seconds to wait for an answer"})
    _url: str = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._url = secret_from_env(self.url_env, "Slack incoming webhook URL")

    def send(self, alert: Alert) -> None:
        """Post the alert once; see :class:`rustybt.alerts.AlertChannel`."""
        post_json(self._url, encode_json({"text": alert.as_text()}), timeout=self.timeout)


@hookimpl
def rustybt_register_alert_channels(register: Register) -> None:
    """Register the ``slack`` channel."""
    register("slack", SlackChannel)
