"""Clocks: when each bar runs.

:class:`SimulatedClock` runs every bar at once (a backtest). A paper or live session uses
:class:`rustybt.live.session_clock.SessionClock`, which waits for each bar's time on a
:class:`TimeSource`: the wall clock, or a replay that runs at any speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

NEVER: Callable[[], bool] = lambda: False  # noqa: E731 - a named constant predicate


class SimulatedClock:
    """Simulated time: every bar is due at once and the run never stops early."""

    def bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> range:
        """Every bar of the session, without waiting."""
        return range(first, stop)


class TimeSource(Protocol):
    """Tells what time it is and waits until a given time."""

    def now_ns(self) -> int:
        """The current time in UTC nanoseconds."""
        ...

    def sleep_until(self, when_ns: int, interrupted: Callable[[], bool] = NEVER) -> None:
        """Return once the time is ``when_ns`` (at once if it already passed), or early as
        soon as ``interrupted()`` is true."""
        ...

    def resume_at(self, when_ns: int) -> None:
        """A resumed session had reached ``when_ns`` before it stopped: time is at least
        that from now on, without waiting."""
        ...


class WallClock:
    """Real time: sleeping really waits."""

    def now_ns(self) -> int:
        """The current UTC time."""
        return time.time_ns()

    def sleep_until(self, when_ns: int, interrupted: Callable[[], bool] = NEVER) -> None:
        """Sleep until the wall clock reaches ``when_ns``, checking ``interrupted`` (a
        signal, a kill switch) at least every half second."""
        while not interrupted():
            remaining = (when_ns - time.time_ns()) / 1e9
            if remaining <= 0:
                return
            time.sleep(min(remaining, 0.5))

    def resume_at(self, when_ns: int) -> None:
        """Nothing to do: real time has moved on past a stopped session by itself."""


class ReplayClock:
    """Simulated time that starts at ``start_ns`` and moves only when the session waits.

    With ``speed`` N > 0 a simulated interval takes 1/N of its real length (speed 1 is
    real time, 3600 turns an hour into a second); with speed 0 waiting is instant.
    """

    def __init__(self, start_ns: int, speed: float = 0.0) -> None:
        if speed < 0:
            raise ValueError(f"replay speed must be 0 or more, got {speed}")
        self._now_ns = start_ns
        self.speed = speed

    def now_ns(self) -> int:
        """The simulated time."""
        return self._now_ns

    def sleep_until(self, when_ns: int, interrupted: Callable[[], bool] = NEVER) -> None:
        """Advance simulated time to ``when_ns``, sleeping the scaled real duration (in
        steps, so ``interrupted`` can cut a slow replay short)."""
        while self._now_ns < when_ns and not interrupted():
            if self.speed <= 0:
                self._now_ns = when_ns
                return
            step = min(when_ns - self._now_ns, int(0.5e9 * self.speed))
            time.sleep(step / 1e9 / self.speed)
            self._now_ns += step

    def resume_at(self, when_ns: int) -> None:
        """Jump to ``when_ns`` (never back): a resumed replay goes on from where it stopped,
        not from its start, so its events carry the time it resumed at."""
        self._now_ns = max(self._now_ns, when_ns)
