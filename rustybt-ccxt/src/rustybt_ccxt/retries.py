"""Retrying what may succeed on a second try: network errors only, with bounded backoff.

Rate limiting (HTTP 429, ccxt's ``DDoSProtection``), timeouts (``RequestTimeout``) and an
unavailable exchange (``ExchangeNotAvailable``, also HTTP 5xx) are retried; an exchange's
answer (insufficient funds, invalid order, bad credentials) never is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import attrs

T = TypeVar("T")

logger = logging.getLogger("rustybt_ccxt")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """``attempts`` tries in all, waiting ``first_delay`` seconds, then twice as long each
    time, at most ``max_delay``, between them."""

    attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    first_delay: float = 0.25
    max_delay: float = 2.0

    def delays(self) -> Iterator[float]:
        """The waits between consecutive attempts (``attempts - 1`` of them)."""
        for retry in range(self.attempts - 1):
            yield min(self.first_delay * 2**retry, self.max_delay)


def retryable_errors() -> tuple[type[Exception], ...]:
    """The ccxt exceptions worth another try."""
    import ccxt

    return (ccxt.DDoSProtection, ccxt.RequestTimeout, ccxt.ExchangeNotAvailable)


class RetriesExhaustedError(Exception):
    """Every attempt failed with a retryable error; ``last`` is the final one."""

    def __init__(self, attempts: int, last: Exception) -> None:
        super().__init__(f"{attempts} attempts failed; last: {type(last).__name__}")
        self.attempts, self.last = attempts, last


async def with_retries(
    operation: Callable[[], Awaitable[T]], policy: RetryPolicy, *, what: str
) -> T:
    """Await ``operation()``, again after each retryable error, up to ``policy.attempts``.

    Other errors propagate at once. When every attempt fails, raises
    :class:`RetriesExhaustedError`. Each retry is logged at WARNING, naming ``what``.
    """
    delays = policy.delays()
    while True:
        try:
            return await operation()
        except retryable_errors() as exc:
            delay = next(delays, None)
            if delay is None:
                raise RetriesExhaustedError(policy.attempts, exc) from exc
            log_retry(what, exc, delay)
            await asyncio.sleep(delay)


def log_retry(what: str, exc: Exception, delay: float) -> None:
    """Log that ``what`` failed with ``exc`` and is retried after ``delay`` seconds."""
    logger.warning("%s failed (%s); retrying in %.2f s", what, type(exc).__name__, delay)
