"""A test alert through configured channels, for ``rustybt test-alerts``."""

from __future__ import annotations

from collections.abc import Sequence

from rustybt.alerts.alert import Alert, AlertChannel, Severity
from rustybt.alerts.config import AlertsConfig
from rustybt.alerts.dispatch import AlertDispatcher, DeliveryResult, create_channel
from rustybt.errors import RustyBTError
from rustybt.plugins import PluginRegistry

TEST_ALERT = Alert(
    severity=Severity.INFO,
    title="RustyBT test alert",
    body="This is a test alert sent by `rustybt test-alerts`. No action is needed.",
    dedupe_key="rustybt-test-alert",
)


def send_test_alert(
    config: AlertsConfig, registry: PluginRegistry, channel_names: Sequence[str] = ()
) -> tuple[DeliveryResult, ...]:
    """Send :data:`TEST_ALERT` through the channels named (default: all configured).

    A channel that cannot even be built (unregistered type, unknown setting, missing
    environment variable) is reported as failed with that reason; the others are still
    tried. An unconfigured name is a :class:`rustybt.errors.ConfigError`.
    """
    selected = [config.channel(name) for name in channel_names] or list(config.channels)
    channels: dict[str, AlertChannel] = {}
    unbuildable: dict[str, DeliveryResult] = {}
    for channel_config in selected:
        try:
            channels[channel_config.name] = create_channel(registry, channel_config)
        except RustyBTError as exc:
            unbuildable[channel_config.name] = DeliveryResult(
                channel=channel_config.name, status="failed", error=str(exc)
            )
    dispatcher = AlertDispatcher(
        channels=channels,
        rate_limit_seconds=0,
        retries=config.retries,
        retry_delay_seconds=config.retry_delay_seconds,
    )
    sent = {result.channel: result for result in dispatcher.send(TEST_ALERT)}
    return tuple(unbuildable.get(c.name) or sent[c.name] for c in selected)
