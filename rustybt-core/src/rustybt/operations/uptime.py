"""Uptime of a trading engine, measured from its event log.

The engine is down from an ``engine_stopped`` event to the next ``engine_started``, and
during any gap longer than twice the heartbeat interval between two signs of life
(``engine_started`` and ``heartbeat`` events) of one run — which also covers a crash, where
the last heartbeat is followed by the next ``engine_started`` with no ``engine_stopped``.

Only what the logs observed is measured: the window is the requested period (``--days`` back
from the last event, or ``since``/``until``) cut to the span of the logs. Downtime periods
are cut to the window too; restarts, operations and errors are counted inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from rustybt.errors import DataError
from rustybt.operations.event_log import LogEvent, format_ts

DowntimeCause = Literal["engine stopped", "heartbeat gap"]
OPERATION_EVENTS = frozenset({"order_submitted", "order_filled"})
TOP_ERROR_TYPES = 10


@attrs.frozen(kw_only=True)
class DowntimePeriod:
    """A period the engine was not running, and the last event logged before it."""

    start: datetime
    end: datetime
    cause: DowntimeCause
    last_event: LogEvent

    @property
    def duration(self) -> timedelta:
        """How long the engine was down."""
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the duration in seconds."""
        return {
            "start": format_ts(self.start),
            "end": format_ts(self.end),
            "duration_seconds": self.duration.total_seconds(),
            "cause": self.cause,
            "last_event": self.last_event.to_dict(),
        }


@attrs.frozen(kw_only=True)
class ErrorTypeCount:
    """How often one type of error was logged, and when first and last."""

    error_type: str
    count: int
    first_seen: datetime
    last_seen: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "error_type": self.error_type,
            "count": self.count,
            "first_seen": format_ts(self.first_seen),
            "last_seen": format_ts(self.last_seen),
        }


@attrs.frozen(kw_only=True)
class UptimeReport:
    """Everything ``rustybt analyze-uptime`` reports."""

    start: datetime
    end: datetime
    downtime: tuple[DowntimePeriod, ...]
    restarts: int
    operations: int
    errors: int
    top_error_types: tuple[ErrorTypeCount, ...]
    target_percent: float
    garbage_lines: int = 0

    @property
    def window(self) -> timedelta:
        """The observed window's length."""
        return self.end - self.start

    @property
    def downtime_total(self) -> timedelta:
        """The sum of every downtime period."""
        return sum((period.duration for period in self.downtime), timedelta())

    @property
    def uptime_percent(self) -> float:
        """100 × (1 − downtime / window)."""
        return 100.0 * (1.0 - self.downtime_total / self.window)

    @property
    def errors_per_1000_operations(self) -> float | None:
        """Errors per 1,000 orders submitted or filled; None when there were no operations."""
        return None if self.operations == 0 else 1000.0 * self.errors / self.operations

    @property
    def passed(self) -> bool:
        """True when uptime reaches the target."""
        return self.uptime_percent >= self.target_percent

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with every number of the report; durations in seconds."""
        return {
            "window": {
                "start": format_ts(self.start),
                "end": format_ts(self.end),
                "duration_seconds": self.window.total_seconds(),
            },
            "uptime_percent": self.uptime_percent,
            "target_percent": self.target_percent,
            "status": "PASS" if self.passed else "FAIL",
            "downtime_seconds": self.downtime_total.total_seconds(),
            "downtime_periods": [period.to_dict() for period in self.downtime],
            "restarts": self.restarts,
            "operations": self.operations,
            "errors": self.errors,
            "errors_per_1000_operations": self.errors_per_1000_operations,
            "top_error_types": [entry.to_dict() for entry in self.top_error_types],
            "garbage_lines": self.garbage_lines,
        }


def analyze_uptime(
    events: Sequence[LogEvent],
    *,
    days: float | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    heartbeat_interval: float | None = None,
    target_percent: float = 99.9,
    garbage_lines: int = 0,
) -> UptimeReport:
    """Measure uptime over ``events`` (in time order), as described in the module docstring.

    ``days`` counts back from ``until`` (default: the last event) and cannot be combined with
    ``since``. ``heartbeat_interval`` (seconds) overrides the interval each run states in its
    ``engine_started`` event. Raises :class:`DataError` when the window holds fewer than two
    events or no heartbeat interval is known.
    """
    if days is not None and since is not None:
        raise DataError("give either days or since, not both")
    if not events:
        raise DataError("the logs hold no events")
    end = min(until, events[-1].ts) if until is not None else events[-1].ts
    if since is not None:
        requested_start = since
    elif days is not None:
        requested_start = end - timedelta(days=days)
    else:
        requested_start = events[0].ts
    start = max(requested_start, events[0].ts)
    inside = [event for event in events if start <= event.ts <= end]
    if len(inside) < 2 or end <= start:
        raise DataError(
            f"the window {format_ts(requested_start)} to {format_ts(end)} holds "
            f"{len(inside)} event(s); at least two spanning some time are needed"
        )
    periods = _clip(_downtime(events, heartbeat_interval), start, end)
    first_event = events[0]
    return UptimeReport(
        start=start,
        end=end,
        downtime=periods,
        restarts=sum(1 for e in inside if e.event == "engine_started" and e is not first_event),
        operations=sum(1 for e in inside if e.event in OPERATION_EVENTS),
        errors=sum(1 for e in inside if e.event == "error"),
        top_error_types=_top_error_types(inside),
        target_percent=target_percent,
        garbage_lines=garbage_lines,
    )


def _downtime(events: Sequence[LogEvent], override: float | None) -> list[DowntimePeriod]:
    """Every downtime period over all of ``events``."""
    default_interval = override if override is not None else _first_stated_interval(events)
    interval = default_interval
    periods: list[DowntimePeriod] = []
    running = True  # a log that begins mid-run: the engine was up at its first event
    last_alive = events[0].ts
    previous = events[0]
    stop: LogEvent | None = None
    for event in events:
        if event.event == "engine_stopped" and running:
            _heartbeat_gap(periods, last_alive, event.ts, interval, previous)
            running, stop = False, event
        elif event.event in ("engine_started", "heartbeat"):
            if running:
                _heartbeat_gap(periods, last_alive, event.ts, interval, previous)
            elif stop is not None:
                periods.append(
                    DowntimePeriod(
                        start=stop.ts, end=event.ts, cause="engine stopped", last_event=stop
                    )
                )
            if event.event == "engine_started" and override is None:
                interval = _stated_interval(event) or default_interval
            running, last_alive = True, event.ts
        previous = event
    if running:
        _heartbeat_gap(periods, last_alive, events[-1].ts, interval, previous)
    return periods


def _heartbeat_gap(
    periods: list[DowntimePeriod],
    last_alive: datetime,
    now: datetime,
    interval: float | None,
    previous: LogEvent,
) -> None:
    if interval is None:
        raise DataError(
            "no engine_started event states heartbeat_interval; pass --heartbeat-interval"
        )
    if now - last_alive > timedelta(seconds=2 * interval):
        periods.append(
            DowntimePeriod(start=last_alive, end=now, cause="heartbeat gap", last_event=previous)
        )


def _stated_interval(event: LogEvent) -> float | None:
    value = event.fields.get("heartbeat_interval")
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return seconds if seconds is not None and seconds > 0 else None


def _first_stated_interval(events: Sequence[LogEvent]) -> float | None:
    return next(
        (
            seconds
            for event in events
            if event.event == "engine_started" and (seconds := _stated_interval(event)) is not None
        ),
        None,
    )


def _clip(
    periods: list[DowntimePeriod], start: datetime, end: datetime
) -> tuple[DowntimePeriod, ...]:
    clipped = (
        attrs.evolve(period, start=max(period.start, start), end=min(period.end, end))
        for period in periods
    )
    return tuple(period for period in clipped if period.end > period.start)


def _top_error_types(events: Sequence[LogEvent]) -> tuple[ErrorTypeCount, ...]:
    counts: dict[str, ErrorTypeCount] = {}
    for event in events:
        if event.event != "error":
            continue
        name = str(event.fields.get("error_type") or "unknown")
        seen = counts.get(name)
        counts[name] = (
            ErrorTypeCount(error_type=name, count=1, first_seen=event.ts, last_seen=event.ts)
            if seen is None
            else attrs.evolve(seen, count=seen.count + 1, last_seen=event.ts)
        )
    ranked = sorted(counts.values(), key=lambda entry: (-entry.count, entry.error_type))
    return tuple(ranked[:TOP_ERROR_TYPES])
