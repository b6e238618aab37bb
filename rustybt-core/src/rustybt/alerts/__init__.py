"""Alerts: what the engine tells people, and the channels (plugins) that carry it.

Channels register through ``rustybt_register_alert_channels``; core's built-ins are
``webhook``, ``slack``, ``email`` and ``telegram``, each in its own module. A channel
describes the settings it takes with a :class:`ChannelSettings` (see
:mod:`rustybt.alerts.settings`).
"""

from rustybt.alerts.alert import Alert, AlertChannel, AlertDeliveryError, Severity
from rustybt.alerts.settings import ChannelSettings, Setting

__all__ = ["Alert", "AlertChannel", "AlertDeliveryError", "ChannelSettings", "Setting", "Severity"]
