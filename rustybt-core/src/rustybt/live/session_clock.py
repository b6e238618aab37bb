"""The clock of a paper or live session: each bar at its time, with heartbeats on the way,
until a signal, the kill switch or the session's duration stops it."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from rustybt.engine.clock import TimeSource


class StopConditions:
    """Why a session should stop: a signal (SIGINT, SIGTERM) while :meth:`signals_stop`
    holds, the ``kill_switch`` file existing, or ``duration`` past the start."""

    def __init__(
        self,
        time: TimeSource,
        *,
        kill_switch: Path | None = None,
        duration: pd.Timedelta | None = None,
    ) -> None:
        self._time = time
        self.kill_switch = kill_switch
        self._duration = duration
        self._started_ns = time.now_ns()
        self.reason: str | None = None
        """The first reason found to stop (None while the session may go on)."""

    def restart_duration(self) -> None:
        """Measure the duration from now: a resumed session runs its whole duration again."""
        self._started_ns = self._time.now_ns()

    def __call__(self) -> bool:
        """True once there is a reason to stop (see :attr:`reason`)."""
        switch = self.kill_switch
        # os.path, not Path.exists: asked at every heartbeat of a replay, it is the cheaper.
        if self.reason is None and switch is not None and os.path.exists(switch):
            self.reason = "kill switch"
        duration = self._duration
        if (
            self.reason is None
            and duration is not None
            and self._time.now_ns() - self._started_ns > duration.value
        ):
            self.reason = "duration reached"
        return self.reason is not None

    @contextmanager
    def signals_stop(self) -> Iterator[None]:
        """While inside, SIGINT and SIGTERM stop the session before its next bar."""

        def stop(signum: int, frame: Any) -> None:
            self.reason = "signal"

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class SessionClock:
    """Waits on ``time`` until each bar is due, calling :attr:`heartbeat` every
    ``heartbeat_interval`` seconds of session time on the way; stops when ``stop`` says so.

    ``next_heartbeat_ns`` is part of a checkpoint, so a resumed session keeps its rhythm.
    """

    def __init__(
        self, time: TimeSource, *, heartbeat_interval: float, stop: StopConditions
    ) -> None:
        self.time = time
        self.interval_ns = int(heartbeat_interval * 1e9)
        """Session time between heartbeats, in nanoseconds."""
        self.heartbeat: Callable[[], None] = lambda: None
        """Called at each heartbeat (the session that owns the clock sets it)."""
        self.stop = stop
        self.next_heartbeat_ns = time.now_ns()

    def bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> Iterator[int]:
        """Each bar of the session once its time has come; none once the session must stop."""
        for bar in range(first, stop):
            if not self.advance_to(bar_times_ns[bar]):
                return
            yield bar

    def advance_to(self, bar_time_ns: int) -> bool:
        """Heartbeat up to ``bar_time_ns``, wait for it; False when the session must stop."""
        stop = self.stop
        while self.next_heartbeat_ns <= bar_time_ns:
            self.time.sleep_until(self.next_heartbeat_ns, stop)
            if stop():
                return False
            self.heartbeat()
            self.next_heartbeat_ns += self.interval_ns
        self.time.sleep_until(bar_time_ns, stop)
        return not stop()
