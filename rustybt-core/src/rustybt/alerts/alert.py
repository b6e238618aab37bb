"""An alert, the channel protocol every alert channel satisfies, and its delivery error."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

import attrs

from rustybt.errors import RustyBTError


class Severity(StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@attrs.frozen(kw_only=True)
class Alert:
    """A message for the people running the engine.

    Alerts with the same ``dedupe_key`` are one story: the dispatcher sends it at most once
    per rate-limit period. The key defaults to the title.
    """

    severity: Severity = attrs.field(converter=Severity)
    title: str
    body: str
    dedupe_key: str = attrs.field()

    @dedupe_key.default
    def _title_as_key(self) -> str:
        return self.title

    def to_dict(self) -> dict[str, Any]:
        """The alert as the JSON channels send it."""
        return {
            "severity": str(self.severity),
            "title": self.title,
            "body": self.body,
            "dedupe_key": self.dedupe_key,
        }

    def as_text(self) -> str:
        """The alert as one plain-text message: ``[CRITICAL] title`` then the body."""
        return f"[{self.severity.upper()}] {self.title}\n{self.body}"


class AlertDeliveryError(RustyBTError):
    """A channel could not deliver an alert; the message never holds a secret."""


class AlertChannel(Protocol):
    """What a factory registered through ``rustybt_register_alert_channels`` returns."""

    def send(self, alert: Alert) -> None:
        """Deliver ``alert`` once, or raise :class:`AlertDeliveryError` saying why not."""
