"""The ``alerts`` section of a configuration file, as typed values.

::

    alerts:
      rate_limit_seconds: 300        # one alert per dedupe key per period
      retries: 2                     # attempts after the first failed one
      retry_delay_seconds: 1.0       # doubled after every failed attempt
      channels:
        - type: webhook              # a registered alert channel
          name: ops-webhook          # optional; defaults to the type
          url: https://ops.example.com/rustybt
          secret_env: RUSTYBT_WEBHOOK_SECRET
        - type: email
          host: smtp.example.com
          sender: bot@example.com
          recipients: [ops@example.com]
          username: bot@example.com
          password_env: RUSTYBT_SMTP_PASSWORD

Every key of a channel other than ``type`` and ``name`` is a setting passed to the
channel's factory; secrets are only ever named by environment variable (``*_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from rustybt.config_yaml import read_config_yaml, unknown_key
from rustybt.errors import ConfigError

SECTION = "alerts"
_SECTION_KEYS = frozenset({"channels", "rate_limit_seconds", "retries", "retry_delay_seconds"})


@attrs.frozen(kw_only=True)
class ChannelConfig:
    """One configured channel: its name, its registered type and its settings."""

    name: str = attrs.field(
        metadata={"doc": "the channel's name for `test-alerts --channel`", "default": "the type"}
    )
    type: str = attrs.field(
        metadata={"doc": "registered alert channel (`webhook`, `slack`, `email`, `telegram`)"}
    )
    settings: Mapping[str, Any] = attrs.field(
        factory=dict,
        metadata={
            "doc": "every other key of the channel is a setting of its type (below)",
            "key": "<setting>",
        },
    )


@attrs.frozen(kw_only=True)
class AlertsConfig:
    """The whole ``alerts`` section."""

    channels: tuple[ChannelConfig, ...] = attrs.field(
        metadata={"doc": "where alerts are sent; at least one", "default": "required"}
    )
    rate_limit_seconds: float = attrs.field(
        default=300.0,
        metadata={
            "doc": "seconds during which an alert with the same dedupe key is not sent again"
        },
    )
    retries: int = attrs.field(
        default=2, metadata={"doc": "attempts after a channel's first failed one"}
    )
    retry_delay_seconds: float = attrs.field(
        default=1.0, metadata={"doc": "seconds before the first retry, doubled after each"}
    )

    def channel(self, name: str) -> ChannelConfig:
        """The channel called ``name``; a :class:`ConfigError` lists the configured ones."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        configured = ", ".join(c.name for c in self.channels) or "none"
        raise ConfigError(f"no alert channel named '{name}' is configured (have: {configured})")


MAX_RETRIES = 10
"""The most retries a channel may be given: a failing channel must not hold up trading."""
_BOUNDS: dict[str, float] = {
    "rate_limit_seconds": 366 * 86_400.0,
    "retries": MAX_RETRIES,
    "retry_delay_seconds": 60.0,
}
"""The largest value of each number of the section (the least is 0)."""


def alerts_config_from_dict(data: Mapping[str, Any], where: str = SECTION) -> AlertsConfig:
    """Check and convert the ``alerts`` section. Errors are :class:`ConfigError`\\ s
    reading ``<key path>: <what is wrong>``, the key path under ``where``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: must be a mapping, got {type(data).__name__}")
    unknown = [key for key in data if key not in _SECTION_KEYS]
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: {unknown_key(unknown[0], _SECTION_KEYS)}")
    raw_channels = data.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise ConfigError(f"{where}.channels: must be a non-empty list of channels")
    channels = tuple(
        channel_config(raw, f"{where}.channels[{index}]") for index, raw in enumerate(raw_channels)
    )
    names = [channel.name for channel in channels]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(
            f"{where}.channels: name(s) {', '.join(duplicates)} used twice; "
            "give each channel of one type its own name"
        )
    return AlertsConfig(
        channels=channels,
        rate_limit_seconds=_number(data, "rate_limit_seconds", 300.0, where),
        retries=int(_number(data, "retries", 2, where, integer=True)),
        retry_delay_seconds=_number(data, "retry_delay_seconds", 1.0, where),
    )


def load_alerts_config(path: str | Path) -> AlertsConfig:
    """The ``alerts`` section of the YAML file at ``path``.

    Raises :class:`ConfigError` when the file is missing, is not YAML, has no ``alerts``
    section, or the section is wrong (naming the file and the key path).
    """
    file = Path(path)
    document, _ = read_config_yaml(file)
    if not isinstance(document, Mapping) or document.get(SECTION) is None:
        raise ConfigError(
            f"config {file} has no '{SECTION}' section; add one with at least one channel, "
            f"e.g. {SECTION}: {{channels: [{{type: webhook, url: https://...}}]}}"
        )
    try:
        return alerts_config_from_dict(document[SECTION])
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from None


def channel_config(raw: Any, where: str) -> ChannelConfig:
    """One item of ``channels`` as a :class:`ChannelConfig`; a :class:`ConfigError` reading
    ``<where or its key>: <what is wrong>`` when it is not a mapping with a ``type`` and an
    optional ``name``. Its settings are checked when the channel is built."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a mapping with a 'type'")
    settings = {str(key): value for key, value in raw.items()}
    kind = settings.pop("type", None)
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"{where}.type: is missing (webhook, slack, email, telegram, ...)")
    name = settings.pop("name", kind)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}.name: must be a non-empty string")
    return ChannelConfig(name=name, type=kind, settings=settings)


def _number(
    data: Mapping[str, Any], key: str, default: float, where: str, *, integer: bool = False
) -> float:
    value = data.get(key, default)
    high = _BOUNDS[key]
    wanted = int if integer else (int, float)
    # NaN and infinity fail the range check too.
    if isinstance(value, bool) or not isinstance(value, wanted) or not 0 <= value <= high:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{where}.{key}: must be {kind} ≥ 0 and ≤ {high:g}, got {value!r}")
    return float(value)
