"""Alerts: what the engine tells people, and the channels (plugins) that carry it.

Channels register through ``rustybt_register_alert_channels``; core's built-ins are
``webhook``, ``slack``, ``email`` and ``telegram``, each in its own module.
"""

from rustybt.alerts.alert import Alert, AlertChannel, AlertDeliveryError, Severity

__all__ = ["Alert", "AlertChannel", "AlertDeliveryError", "Severity"]
