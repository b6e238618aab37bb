"""The clock of a paper or live session: each bar at its time, with heartbeats on the way,
until a signal, the kill switch or the session's duration stops it."""

from __future__ import annotations

import datetime
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from time import monotonic
from typing import Any

import pandas as pd

from rustybt.engine.clock import ReplayClock, TimeSource

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def utc_datetime(time_ns: int) -> datetime.datetime:
    """A UTC datetime of ``time_ns`` (a session clock's time), to the microsecond
    (datetime's resolution)."""
    return _EPOCH + datetime.timedelta(microseconds=time_ns // 1000)


KILL_SWITCH_POLL = 0.05
"""Wall seconds between two looks for the kill switch file."""


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
        self._next_look = 0.0

    @property
    def timed(self) -> bool:
        """True when the session has a duration: only then can moving time stop it."""
        return self._duration is not None

    def due_by(self, when_ns: int) -> bool:
        """True when the session stops before time ``when_ns``: there is a reason to stop
        now, or its duration is over by then."""
        duration = self._duration
        return self() or (duration is not None and when_ns - self._started_ns > duration.value)

    def restart_duration(self) -> None:
        """Measure the duration from now: a resumed session runs its whole duration again."""
        self._started_ns = self._time.now_ns()

    def __call__(self) -> bool:
        """True once there is a reason to stop (see :attr:`reason`). The kill switch file
        is looked for at most every :data:`KILL_SWITCH_POLL` seconds of wall time: a replay
        asks on every bar."""
        switch = self.kill_switch
        if self.reason is None and switch is not None and monotonic() >= self._next_look:
            self._next_look = monotonic() + KILL_SWITCH_POLL
            if os.path.exists(switch):
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
    """Waits on ``time`` until each bar is due, with a heartbeat every ``heartbeat_interval``
    seconds of session time on the way; stops when ``stop`` says so.

    In real time each heartbeat is logged when it falls due: it is the process's sign of
    life. On a ``simulated`` clock (a replay) session time only moves while the process
    runs, far ahead of the wall clock, and the heartbeats between two bars would all say
    the same; so they are counted, and one line stands for every heartbeat due since the
    previous one (see :meth:`flush_heartbeats`). It is written when the session asks (at
    each checkpoint, at the stop) and at least every ``heartbeat_interval`` seconds of wall
    time, the pace of a real-time session's lines.

    ``next_heartbeat_ns`` is part of a checkpoint, so a resumed session keeps its rhythm.
    """

    def __init__(
        self,
        time: TimeSource,
        *,
        heartbeat_interval: float,
        stop: StopConditions,
        simulated: bool = False,
    ) -> None:
        self.time = time
        self.interval_ns = int(heartbeat_interval * 1e9)
        """Session time between heartbeats, in nanoseconds."""
        self.heartbeat: Callable[[int, int], None] = lambda beats, first_ns: None
        """Logs ``beats`` heartbeats, the first due at ``first_ns`` (the session that owns
        the clock sets it)."""
        self.stop = stop
        self.simulated = simulated
        self.next_heartbeat_ns = time.now_ns()
        self._pending = 0
        self._pending_since_ns = 0
        self._wall_interval = heartbeat_interval
        self._last_line_wall = monotonic()
        # A replay at speed 0 moves to each bar in one step, with nothing to count on the way.
        self._instant = simulated and isinstance(time, ReplayClock) and time.speed <= 0

    def bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> Iterator[int]:
        """Each bar of the session once its time has come; none once the session must stop."""
        if self._instant:
            return self._instant_bars(first, stop, bar_times_ns)
        return self._timed_bars(first, stop, bar_times_ns)

    def _timed_bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> Iterator[int]:
        advance_to = self.advance_to
        for bar in range(first, stop):
            if not advance_to(bar_times_ns[bar]):
                return
            yield bar

    def _instant_bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> Iterator[int]:
        """:meth:`bars` of a replay at speed 0, :meth:`advance_to` written out (a replay runs
        thousands of bars a second): a reason to stop ends it before time moves on to the
        bar, and, when the session has a duration, after; the heartbeats due by the bar are
        counted on arriving."""
        halted, time = self.stop, self.time
        timed = halted.timed
        for bar in range(first, stop):
            if halted():
                return
            time.sleep_until(bar_times_ns[bar])
            if timed and halted():
                return
            self._count_due()
            if monotonic() - self._last_line_wall >= self._wall_interval:
                self.flush_heartbeats()
            yield bar

    def advance_to(self, bar_time_ns: int) -> bool:
        """Heartbeat up to ``bar_time_ns``, wait for it; False when the session must stop."""
        if self.simulated:
            return self._replay_to(bar_time_ns)
        stop = self.stop
        while self.next_heartbeat_ns <= bar_time_ns:
            self.time.sleep_until(self.next_heartbeat_ns, stop)
            if stop():
                return False
            self.heartbeat(1, self.next_heartbeat_ns)
            self.next_heartbeat_ns += self.interval_ns
        self.time.sleep_until(bar_time_ns, stop)
        return not stop()

    def _replay_to(self, bar_time_ns: int) -> bool:
        # Before an instant step only a reason to stop matters: the heartbeats due by now
        # were counted on arriving at the last bar, and are counted again on arriving here.
        self.time.sleep_until(bar_time_ns, self.stop if self._instant else self._waiting)
        return not self._waiting()

    def _waiting(self) -> bool:
        """Called on the way to a bar (every half second of a slow replay): count the
        heartbeats due by now, log them once a wall interval has passed; True to stop."""
        stop = self.stop()
        if not stop:
            self._count_due()
            if monotonic() - self._last_line_wall >= self._wall_interval:
                self.flush_heartbeats()
        return stop

    def _count_due(self) -> None:
        due, now = self.next_heartbeat_ns, self.time.now_ns()
        if due <= now:
            beats = (now - due) // self.interval_ns + 1
            if not self._pending:
                self._pending_since_ns = due
            self._pending += beats
            self.next_heartbeat_ns = due + beats * self.interval_ns

    def flush_heartbeats(self) -> None:
        """Log the heartbeats due by now that are not logged yet, as one line."""
        if self.simulated:
            self._count_due()
        if self._pending:
            beats, self._pending = self._pending, 0
            self.heartbeat(beats, self._pending_since_ns)
        self._last_line_wall = monotonic()

    def heartbeat_if_due(self) -> None:
        """Log every heartbeat due by now, each as its own line (a wait outside the bars'
        rhythm, such as a broker outage, whatever the clock)."""
        self.flush_heartbeats()
        now = self.time.now_ns()
        while self.next_heartbeat_ns <= now:
            self.heartbeat(1, self.next_heartbeat_ns)
            self.next_heartbeat_ns += self.interval_ns
