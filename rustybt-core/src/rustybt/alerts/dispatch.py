"""Sending an alert through every channel: rate-limited, retried, logged, never raising.

The engine calls :meth:`AlertDispatcher.send` and gets one :class:`DeliveryResult` per
channel back; a channel that keeps failing is logged on the ``rustybt.alerts`` logger and
reported, but the engine keeps trading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from rustybt.alerts.alert import Alert, AlertChannel
from rustybt.alerts.config import AlertsConfig, ChannelConfig
from rustybt.errors import RustyBTError
from rustybt.plugins import PluginRegistry

logger = logging.getLogger("rustybt.alerts")

DeliveryStatus = Literal["delivered", "failed", "rate limited"]


@attrs.frozen(kw_only=True)
class DeliveryResult:
    """What happened to one alert on one channel."""

    channel: str
    status: DeliveryStatus
    attempts: int = 0
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """True when the channel accepted the alert."""
        return self.status == "delivered"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return attrs.asdict(self)


def create_channel(registry: PluginRegistry, config: ChannelConfig) -> AlertChannel:
    """Build the channel ``config`` describes from the registered factory of its type.

    Raises :class:`RustyBTError` subclasses: an unregistered type, a setting the channel does
    not take, or a missing environment variable.
    """
    return registry.alert_channel(config.type, **config.settings)


@attrs.define(kw_only=True)
class AlertDispatcher:
    """Sends alerts through named channels.

    An alert whose ``dedupe_key`` was delivered less than ``rate_limit_seconds`` ago is not
    sent again. A failed delivery is tried ``retries`` more times, waiting
    ``retry_delay_seconds`` and doubling the wait each time. ``clock`` (seconds, monotonic)
    and ``sleep`` are the real ones unless a test replaces them.
    """

    channels: Mapping[str, AlertChannel]
    rate_limit_seconds: float = 300.0
    retries: int = 2
    retry_delay_seconds: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last_sent: dict[str, float] = attrs.field(init=False, factory=dict)

    @classmethod
    def from_config(cls, config: AlertsConfig, registry: PluginRegistry) -> AlertDispatcher:
        """A dispatcher over every channel of ``config`` (errors as in :func:`create_channel`)."""
        return cls(
            channels={c.name: create_channel(registry, c) for c in config.channels},
            rate_limit_seconds=config.rate_limit_seconds,
            retries=config.retries,
            retry_delay_seconds=config.retry_delay_seconds,
        )

    def send(self, alert: Alert) -> tuple[DeliveryResult, ...]:
        """Deliver ``alert`` through every channel; never raises. One result per channel."""
        now = self.clock()
        last = self._last_sent.get(alert.dedupe_key)
        if last is not None and now - last < self.rate_limit_seconds:
            return tuple(
                DeliveryResult(channel=name, status="rate limited") for name in self.channels
            )
        results = tuple(
            self._deliver(name, channel, alert) for name, channel in self.channels.items()
        )
        if any(result.delivered for result in results):
            self._last_sent[alert.dedupe_key] = now
        return results

    def _deliver(self, name: str, channel: AlertChannel, alert: Alert) -> DeliveryResult:
        delay = self.retry_delay_seconds
        error = ""
        for attempt in range(1, self.retries + 2):
            try:
                channel.send(alert)
            except RustyBTError as exc:
                error = str(exc)
            except Exception as exc:  # a third-party channel's bug must not stop the engine
                error = f"unexpected {type(exc).__name__}: {exc}"
            else:
                return DeliveryResult(channel=name, status="delivered", attempts=attempt)
            if attempt <= self.retries:
                self.sleep(delay)
                delay *= 2
        logger.error(
            "alert %r not delivered through %s after %d attempt(s): %s",
            alert.title,
            name,
            self.retries + 1,
            error,
        )
        return DeliveryResult(channel=name, status="failed", attempts=self.retries + 1, error=error)
