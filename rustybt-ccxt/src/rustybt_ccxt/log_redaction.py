"""Keeping credentials out of logs, including ccxt's own.

ccxt's debug log (logger ``ccxt.base.exchange``) prints request headers, and with them the
API key. While a broker holds credentials, a filter on that logger replaces the key and
the secret in every record with ``<hidden>``.
"""

from __future__ import annotations

import logging

from rustybt_ccxt.credentials import Credentials

CCXT_LOGGER = "ccxt.base.exchange"


class RedactCredentials(logging.Filter):
    """Rewrites each record's message with ``credentials`` hidden; drops no record."""

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self.credentials = credentials

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted, fully formatted text."""
        message = record.getMessage()
        redacted = self.credentials.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_ccxt_logs(credentials: Credentials) -> RedactCredentials:
    """Install a filter hiding ``credentials`` from ccxt's log; remove it with
    :func:`stop_redacting`."""
    redactor = RedactCredentials(credentials)
    logging.getLogger(CCXT_LOGGER).addFilter(redactor)
    return redactor


def stop_redacting(redactor: RedactCredentials) -> None:
    """Remove a filter installed by :func:`redact_ccxt_logs`."""
    logging.getLogger(CCXT_LOGGER).removeFilter(redactor)
