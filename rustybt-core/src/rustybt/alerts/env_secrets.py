"""Secrets for alert channels, read from environment variables named in the configuration."""

from __future__ import annotations

import os

from rustybt.errors import ConfigError


def secret_from_env(variable: str, purpose: str) -> str:
    """The value of environment variable ``variable``, which holds ``purpose``.

    Raises :class:`ConfigError` naming the variable (never a value) when it is unset or empty.
    """
    value = os.environ.get(variable, "")
    if not value:
        raise ConfigError(f"environment variable {variable} ({purpose}) is not set")
    return value
