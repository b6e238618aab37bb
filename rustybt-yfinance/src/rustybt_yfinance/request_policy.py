"""How the source talks to Yahoo: timeout, pacing, and bounded retries with backoff (by
RustyBT's one retry policy, :mod:`rustybt.retry`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import attrs
from rustybt.retry import RetriesExhaustedError, RetryPolicy, RetryWatch
from rustybt.retry import call_with_retries as shared_call_with_retries

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class RequestPolicy:
    """Limits on requests to Yahoo.

    ``timeout``: seconds any one HTTP request may wait for an answer. ``attempts``: tries
    per request before giving up (1 = no retry). Before retry ``n`` (1-based) the source
    sleeps ``min(backoff * 2 ** (n - 1), max_backoff)`` seconds, plus up to ``jitter`` of
    that again at random, so that clients rate-limited together do not retry together.
    ``min_interval``: seconds between the starts of two requests (Yahoo's rate limit).
    """

    timeout: float = attrs.field(default=10.0, validator=attrs.validators.gt(0))
    attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    backoff: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    max_backoff: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    min_interval: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))

    def retry_policy(self) -> RetryPolicy:
        """These limits as RustyBT's one retry policy."""
        return RetryPolicy(
            attempts=self.attempts,
            first_delay=self.backoff,
            max_delay=self.max_backoff,
            jitter=self.jitter,
        )


class Pacer:
    """Spaces the starts of calls at least ``min_interval`` seconds apart (thread-safe)."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self._next_start = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call may start."""
        with self._lock:
            now = time.monotonic()
            pause = self._next_start - now
            self._next_start = max(now, self._next_start) + self.min_interval
        if pause > 0:
            time.sleep(pause)


def call_with_retries(
    call: Callable[[], T],
    policy: RequestPolicy,
    pacer: Pacer,
    *,
    retryable: Callable[[Exception], bool],
) -> T:
    """``call()``, paced, retried after exceptions ``retryable`` accepts until
    ``policy.attempts`` tries are used (:mod:`rustybt.retry`); the last exception
    propagates."""

    def paced() -> T:
        pacer.wait()
        return call()

    try:
        return shared_call_with_retries(
            paced,
            policy.retry_policy(),
            retryable=lambda exc: isinstance(exc, Exception) and retryable(exc),
            watch=RetryWatch(what="Yahoo request"),
        )
    except RetriesExhaustedError as exhausted:
        raise exhausted.last from None
