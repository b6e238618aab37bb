"""The one retry policy: jittered exponential backoff for failures that may pass.

Core and every plugin retry through here (built on tenacity), so a network error, a
timeout, a rate limit (HTTP 429), a server error (5xx) or a venue in maintenance is waited
out the same way everywhere. Two budgets bound the waiting: ``attempts`` (tries in all) and
``budget_seconds`` (time since the first failure); whichever runs out first ends it. The
time is read from a :class:`rustybt.engine.clock.TimeSource`, so a test can compress a
ten-minute outage into milliseconds with a replay clock.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs
import tenacity

from rustybt.engine.clock import NEVER, TimeSource, WallClock

T = TypeVar("T")

logger = logging.getLogger("rustybt.retry")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Wait ``first_delay`` seconds after the first failure, then twice as long each time up
    to ``max_delay``, each wait stretched by up to ``jitter`` of itself at random (so clients
    limited together do not retry together). Give up after ``attempts`` tries in all, or once
    ``budget_seconds`` have passed since the first try, whichever comes first (None: no
    limit of that kind)."""

    attempts: int | None = attrs.field(
        default=4, validator=attrs.validators.optional(attrs.validators.ge(1))
    )
    budget_seconds: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(0))
    )
    first_delay: float = attrs.field(default=0.25, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=2.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))

    def describe(self) -> str:
        """The limits in words, for messages: ``4 attempts``, ``300 s``."""
        parts = []
        if self.attempts is not None:
            parts.append(f"{self.attempts} attempts")
        if self.budget_seconds is not None:
            parts.append(f"{self.budget_seconds:g} s")
        return " or ".join(parts) or "no limit"


class RetriesExhaustedError(Exception):
    """Every try failed with a retryable error; ``last`` is the final one."""

    def __init__(self, attempts: int, elapsed_seconds: float, last: BaseException) -> None:
        super().__init__(
            f"{attempts} attempts in {elapsed_seconds:.1f} s failed; last: {type(last).__name__}"
        )
        self.attempts, self.elapsed_seconds, self.last = attempts, elapsed_seconds, last


@attrs.frozen(kw_only=True)
class RetryWatch:
    """What a retry loop tells its caller while it waits: ``failed(error, attempt,
    delay_seconds)`` before each wait, ``recovered(attempts)`` when a try succeeds after a
    failure. Both default to a WARNING log line naming ``what``."""

    what: str
    failed: Callable[[BaseException, int, float], object] | None = None
    recovered: Callable[[int], object] | None = None

    def report_failure(self, error: BaseException, attempt: int, delay: float) -> None:
        """Tell the caller that try ``attempt`` failed and the next comes in ``delay`` s."""
        if self.failed is not None:
            self.failed(error, attempt, delay)
        else:
            log_retry(self.what, error, delay)

    def report_recovery(self, attempts: int) -> None:
        """Tell the caller that try ``attempts`` succeeded after failures."""
        if self.recovered is not None:
            self.recovered(attempts)


def call_with_retries(
    operation: Callable[[], T],
    policy: RetryPolicy,
    *,
    retryable: Callable[[BaseException], bool],
    watch: RetryWatch,
    time: TimeSource | None = None,
    interrupted: Callable[[], bool] = NEVER,
) -> T:
    """``operation()``, tried again after each error ``retryable`` accepts, until it
    succeeds or ``policy`` runs out; waits happen on ``time`` (the wall clock by default)
    and end early when ``interrupted()`` turns true (that try is then the last).

    Other errors propagate at once. When the policy runs out, raises
    :class:`RetriesExhaustedError` from the last error.
    """
    clock = time or WallClock()
    loop = _Loop(policy, retryable, watch, clock, interrupted)
    retrying = tenacity.Retrying(
        **loop.arguments(),
        sleep=lambda seconds: clock.sleep_until(clock.now_ns() + int(seconds * 1e9), interrupted),
    )
    try:
        return retrying(loop.counted(operation))
    except tenacity.RetryError as exc:
        raise loop.exhausted(exc) from exc.last_attempt.exception()


async def call_with_retries_async(
    operation: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    retryable: Callable[[BaseException], bool],
    watch: RetryWatch,
) -> T:
    """:func:`call_with_retries` for a coroutine, waiting with ``asyncio.sleep``."""
    loop = _Loop(policy, retryable, watch, WallClock(), NEVER)

    async def tried() -> T:
        loop.tries += 1
        result = await operation()
        if loop.tries > 1:
            watch.report_recovery(loop.tries)
        return result

    try:
        return await tenacity.AsyncRetrying(**loop.arguments())(tried)
    except tenacity.RetryError as exc:
        raise loop.exhausted(exc) from exc.last_attempt.exception()


class _Loop:
    """One retry loop's budget, waits and reports, as tenacity's arguments."""

    def __init__(
        self,
        policy: RetryPolicy,
        retryable: Callable[[BaseException], bool],
        watch: RetryWatch,
        clock: TimeSource,
        interrupted: Callable[[], bool],
    ) -> None:
        self.policy, self.retryable, self.watch = policy, retryable, watch
        self.clock, self.interrupted = clock, interrupted
        self.started_ns = clock.now_ns()
        self.tries = 0

    def counted(self, operation: Callable[[], T]) -> Callable[[], T]:
        def tried() -> T:
            self.tries += 1
            result = operation()
            if self.tries > 1:
                self.watch.report_recovery(self.tries)
            return result

        return tried

    def elapsed_seconds(self) -> float:
        return (self.clock.now_ns() - self.started_ns) / 1e9

    def arguments(self) -> dict[str, Any]:
        return {
            "retry": tenacity.retry_if_exception(self.retryable),
            "stop": self.out_of_budget,
            "wait": self.delay,
            "before_sleep": self.before_sleep,
        }

    def out_of_budget(self, state: tenacity.RetryCallState) -> bool:
        policy = self.policy
        if self.interrupted():
            return True
        if policy.attempts is not None and state.attempt_number >= policy.attempts:
            return True
        budget = policy.budget_seconds
        return budget is not None and self.elapsed_seconds() >= budget

    def delay(self, state: tenacity.RetryCallState) -> float:
        policy = self.policy
        base = min(policy.first_delay * 2 ** (state.attempt_number - 1), policy.max_delay)
        return base * (1.0 + policy.jitter * random.random())

    def before_sleep(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        if error is not None:
            self.watch.report_failure(error, state.attempt_number, delay)

    def exhausted(self, error: tenacity.RetryError) -> RetriesExhaustedError:
        failure = error.last_attempt.exception()
        assert failure is not None  # tenacity gives up only after a failed try
        return RetriesExhaustedError(
            error.last_attempt.attempt_number, self.elapsed_seconds(), failure
        )


def log_retry(what: str, error: BaseException, delay: float) -> None:
    """Log that ``what`` failed with ``error`` and is tried again after ``delay`` seconds."""
    logger.warning("%s failed (%s); retrying in %.2f s", what, type(error).__name__, delay)
