"""Exchange API credentials: read from the environment or the OS keyring, never shown.

``RUSTYBT_<EXCHANGE>_API_KEY`` and ``RUSTYBT_<EXCHANGE>_SECRET`` (``<EXCHANGE>`` is the
ccxt id in capitals, e.g. ``RUSTYBT_BINANCE_API_KEY``) win; otherwise, when the optional
``keyring`` package is installed, the entries ``<exchange>_api_key`` and
``<exchange>_secret`` of the service ``rustybt``.
"""

from __future__ import annotations

import os
import re

import attrs
from rustybt.errors import BrokerError

KEYRING_SERVICE = "rustybt"


@attrs.frozen(kw_only=True, repr=False)
class Credentials:
    """An API key and its secret. The repr hides both, so they cannot reach a log by accident."""

    api_key: str
    secret: str

    def __repr__(self) -> str:
        return "Credentials(api_key=<hidden>, secret=<hidden>)"

    def redact(self, text: str) -> str:
        """``text`` with the key and secret replaced by ``<hidden>``."""
        for value in (self.api_key, self.secret):
            text = text.replace(value, "<hidden>")
        return text


def environment_names(exchange: str) -> tuple[str, str]:
    """The variables holding the API key and secret of ``exchange``."""
    prefix = "RUSTYBT_" + re.sub(r"[^A-Z0-9]", "_", exchange.upper())
    return f"{prefix}_API_KEY", f"{prefix}_SECRET"


def load_credentials(exchange: str) -> Credentials:
    """The credentials of ``exchange`` from the environment, else the OS keyring.

    Raises :class:`BrokerError` naming the variables to set when neither has both values.
    """
    key_name, secret_name = environment_names(exchange)
    api_key, secret = os.environ.get(key_name), os.environ.get(secret_name)
    if not (api_key and secret):
        api_key, secret = _from_keyring(exchange)
    if not (api_key and secret):
        raise BrokerError(
            f"no API credentials for {exchange}: set {key_name} and {secret_name} "
            f"(or store {exchange}_api_key and {exchange}_secret in the OS keyring under "
            f"service '{KEYRING_SERVICE}')"
        )
    return Credentials(api_key=api_key, secret=secret)


def _from_keyring(exchange: str) -> tuple[str | None, str | None]:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None, None
    try:
        return (
            keyring.get_password(KEYRING_SERVICE, f"{exchange}_api_key"),
            keyring.get_password(KEYRING_SERVICE, f"{exchange}_secret"),
        )
    except KeyringError:  # no usable keyring backend on this machine: same as no entry
        return None, None
