"""Which ccxt failures may pass on a second try, retried by RustyBT's one retry policy.

Rate limiting (HTTP 429, ccxt's ``DDoSProtection``), timeouts (``RequestTimeout``), an
unavailable exchange (``ExchangeNotAvailable``, also HTTP 5xx and maintenance) and any other
network failure (``NetworkError``: a connection dropped before the answer) are retried;
an exchange's answer (insufficient funds, invalid order, bad credentials) never is. The
backoff and the limits are :class:`rustybt.retry.RetryPolicy`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from rustybt.retry import (
    RetriesExhaustedError,
    RetryPolicy,
    RetryWatch,
    call_with_retries_async,
)

from rustybt_ccxt.error_messages import MALFORMED_ANSWER_ERRORS

T = TypeVar("T")

__all__ = ["RetriesExhaustedError", "RetryPolicy", "retryable_errors", "with_retries"]


def retryable_errors() -> tuple[type[Exception], ...]:
    """The ccxt exceptions worth another try."""
    import ccxt

    # NetworkError is the parent of the others, and also covers a connection dropped
    # before any answer; the others are named for the reader.
    return (
        ccxt.DDoSProtection,
        ccxt.RequestTimeout,
        ccxt.ExchangeNotAvailable,
        ccxt.NetworkError,
    )


def is_transient(error: BaseException) -> bool:
    """True for a failure worth another try: a retryable ccxt error, or an answer ccxt
    could not parse (a gateway's error page, a body cut short) to a request that only
    reads."""
    return isinstance(error, (*retryable_errors(), *MALFORMED_ANSWER_ERRORS))


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    what: str,
    retryable: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Await ``operation()``, again after each error ``retryable`` accepts, per ``policy``.

    Other errors propagate at once. When every attempt fails, raises
    :class:`RetriesExhaustedError`. Each retry is logged at WARNING, naming ``what``.
    """
    return await call_with_retries_async(
        operation, policy, retryable=retryable, watch=RetryWatch(what=what)
    )
