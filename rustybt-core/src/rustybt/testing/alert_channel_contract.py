"""The behavioural contract every alert channel honours, as a test class to subclass."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pytest

from rustybt.alerts.alert import Alert, AlertDeliveryError, Severity
from rustybt.plugins import Kind
from rustybt.testing.registry import registry_providing

ALERTS = tuple(
    Alert(
        severity=severity,
        title=f"Contract {severity} alert",
        body=f"A {severity} alert sent by rustybt's alert channel contract.",
    )
    for severity in Severity
)
"""One real alert of each severity, as the engine sends them."""


def _as_text(payload: object) -> str:
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


class AlertChannelContract:
    """Subclass as ``TestXxx``, set ``channel_name`` and define three fixtures:

    ``alert_channel``: the channel, configured to deliver to a receiver your test runs
    (``loopback_http`` for a channel that POSTs). ``received_alerts``: a callable returning
    what that receiver has got so far, one item (``str`` or ``bytes``) per delivery.
    ``failing_alert_channel``: the channel configured so that delivery fails (a receiver
    that answers with an error, an address nothing listens on).

    ``channel_name``: its registered name. ``secrets``: the secret values the channels were
    given (in their settings or through the environment variables they read), which must
    never appear in their repr, their errors or the log.
    """

    channel_name: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]] = ()

    def test_is_registered_under_its_name(self) -> None:
        registry = registry_providing(Kind.ALERT_CHANNEL, self.channel_name)
        assert self.channel_name in registry.names(Kind.ALERT_CHANNEL)

    def test_has_a_send_method(self, alert_channel: Any) -> None:
        assert callable(getattr(alert_channel, "send", None)), (
            f"{type(alert_channel).__name__} has no send(alert) method"
        )

    def test_each_alert_is_delivered_once_and_send_returns_none(
        self, alert_channel: Any, received_alerts: Callable[[], Sequence[object]]
    ) -> None:
        before = len(received_alerts())
        for alert in ALERTS:
            assert alert_channel.send(alert) is None
        delivered = [_as_text(payload) for payload in list(received_alerts())[before:]]
        assert len(delivered) == len(ALERTS), (
            f"{len(ALERTS)} alerts sent, {len(delivered)} delivered: send delivers each once"
        )
        for alert, text in zip(ALERTS, delivered, strict=True):
            assert alert.title in text, f"the delivery of {alert.title!r} lacks its title"

    def test_a_failed_delivery_is_an_alert_delivery_error_on_one_line(
        self, failing_alert_channel: Any
    ) -> None:
        try:
            failing_alert_channel.send(ALERTS[-1])
        except AlertDeliveryError as error:
            message = str(error)
        except Exception as error:
            pytest.fail(
                f"a failed delivery raised {type(error).__name__}: {error}; raise "
                "rustybt.alerts.AlertDeliveryError saying why, so the dispatcher reports it"
            )
        else:
            pytest.fail("send returned although delivery failed: raise AlertDeliveryError")
        assert message and "\n" not in message, f"not one line: {message!r}"

    def test_secrets_never_show_in_repr_errors_or_logs(
        self,
        alert_channel: Any,
        failing_alert_channel: Any,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        shown = [repr(alert_channel), repr(failing_alert_channel)]
        with caplog.at_level(logging.DEBUG):
            alert_channel.send(ALERTS[0])
            try:
                failing_alert_channel.send(ALERTS[0])
            except AlertDeliveryError as error:
                shown += [str(error), repr(error), repr(error.__cause__)]
        shown.append(caplog.text)
        for secret in self.secrets:
            assert all(secret not in text for text in shown), "a secret shows: redact it"
