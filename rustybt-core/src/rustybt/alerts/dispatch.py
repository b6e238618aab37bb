"""Sending an alert through every channel: rate-limited, retried, logged, never raising.

The engine calls :meth:`AlertDispatcher.send` and gets one :class:`DeliveryResult` per
channel back; a channel that keeps failing is logged on the ``rustybt.alerts`` logger and
reported, but the engine keeps trading.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from rustybt.alerts.alert import Alert, AlertChannel
from rustybt.alerts.config import AlertsConfig, ChannelConfig
from rustybt.alerts.settings import check_settings, registered_settings
from rustybt.engine.clock import TimeSource, WallClock
from rustybt.errors import ConfigError, RustyBTError
from rustybt.plugins import PluginRegistry
from rustybt.redaction import redact_text
from rustybt.retry import RetriesExhaustedError, RetryPolicy, RetryWatch, call_with_retries

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

    Raises :class:`RustyBTError` subclasses: an unregistered type, settings that do not fit
    the channel's schema (:mod:`rustybt.alerts.settings`; the first problem is the
    message), or a missing environment variable.
    """
    schema = registered_settings(registry, config.type)
    problems = check_settings(config.type, schema, config.settings)
    if problems:
        raise ConfigError(str(problems[0]))
    return registry.alert_channel(config.type, **config.settings)


RETRY_BUDGET_SECONDS = 60.0
"""The longest one alert waits on one failing channel before it is given up: a session
sends alerts between bars, so a dead channel must not hold up trading for long."""


def _retryable(error: BaseException) -> bool:
    return isinstance(error, Exception)


@attrs.define(kw_only=True)
class AlertDispatcher:
    """Sends alerts through named channels.

    An alert whose ``dedupe_key`` was delivered less than ``rate_limit_seconds`` ago is not
    sent again; one no channel delivered is tried afresh next time. A failed delivery is
    tried ``retries`` more times through :mod:`rustybt.retry`, the first wait
    ``retry_delay_seconds`` and each next one twice as long (with jitter), for at most
    :data:`RETRY_BUDGET_SECONDS`. ``time`` is the wall clock unless a test gives a replay
    clock, whose waits are instant.
    """

    channels: Mapping[str, AlertChannel]
    rate_limit_seconds: float = 300.0
    retries: int = 2
    retry_delay_seconds: float = 1.0
    time: TimeSource = attrs.field(factory=WallClock)
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
        now = self.time.now_ns() / 1e9
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
        attempts = 0

        def attempt() -> None:
            nonlocal attempts
            attempts += 1
            channel.send(alert)

        policy = RetryPolicy(
            attempts=self.retries + 1,
            budget_seconds=RETRY_BUDGET_SECONDS,
            first_delay=self.retry_delay_seconds,
            max_delay=RETRY_BUDGET_SECONDS,
            jitter=0.25,
        )
        watch = RetryWatch(what=f"alert {alert.title!r} through {name}", failed=_log_retry)
        try:
            call_with_retries(attempt, policy, retryable=_retryable, watch=watch, time=self.time)
        except RetriesExhaustedError as exc:
            error = _describe(exc.last)
        else:
            return DeliveryResult(channel=name, status="delivered", attempts=attempts)
        logger.error(
            "alert %r not delivered through %s after %d attempt(s): %s",
            redact_text(alert.title),
            name,
            attempts,
            error,
        )
        return DeliveryResult(channel=name, status="failed", attempts=attempts, error=error)


def _describe(error: BaseException) -> str:
    """The error's message, secrets removed; a third-party channel's bug says it is one."""
    text = (
        str(error)
        if isinstance(error, RustyBTError)
        else (f"unexpected {type(error).__name__}: {error}")
    )
    return redact_text(text)


def _log_retry(error: BaseException, attempt: int, delay: float) -> None:
    logger.warning(
        "alert delivery attempt %d failed (%s); retrying in %.2f s",
        attempt,
        _describe(error),
        delay,
    )
