"""Uptime of a trading engine, measured from its event log.

The logs may hold several runs of the engine (each ``engine_started`` in a file begins one;
a rotated file continues the run its family was in), and runs may overlap: a session
restarted while the old one still wrote its log, a replay resumed from its state file, two
copies of a log. The engine is up wherever some run vouches for it, on the merged timeline:

- a run vouches for the time between two of its signs of life (``engine_started``,
  ``heartbeat``, ``engine_stopped``) no more than twice *its own* heartbeat interval apart,
  unless the first is its ``engine_stopped``;
- a heartbeat line of a replay that stands for several heartbeats (``beats``) vouches for
  the time from the first of them (``since``) to the line, as that many lines would;
- after its last sign of life (a crash, or a hand-over to another run) a run that did not
  stop vouches for twice its interval more.

Every stretch between consecutive signs of life on the merged timeline that no run vouches
for whole is downtime: an "engine stopped" period when it begins at an ``engine_stopped``,
else a "heartbeat gap" (a crash, a hang). A stretch after a final stop with no start after
it is not downtime, and a stretch across the unreadable tail of a gzipped file is not
observed: it counts neither way.

Only what the logs observed is measured: the window is the requested period (``--days`` back
from the last event, or ``since``/``until``) cut to the span of the logs. Downtime periods
are cut to the window too; restarts, operations and errors are counted inside it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import attrs

from rustybt.errors import DataError
from rustybt.operations.event_log import (
    EventLog,
    LogEvent,
    UnreadableTail,
    format_ts,
    time_field,
)

DowntimeCause = Literal["engine stopped", "heartbeat gap"]
OPERATION_EVENTS = frozenset({"order_submitted", "order_filled"})
SIGNS_OF_LIFE = frozenset({"engine_started", "heartbeat", "engine_stopped"})
TOP_ERROR_TYPES = 10
_ROTATION = re.compile(r"(\.\d+)?(\.gz)?$")


@attrs.frozen(kw_only=True)
class Period:
    """A stretch of the logs' time, from ``start`` to ``end``."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """How long the period lasted."""
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the duration in seconds."""
        return {
            "start": format_ts(self.start),
            "end": format_ts(self.end),
            "duration_seconds": self.duration.total_seconds(),
        }


@attrs.frozen(kw_only=True)
class DowntimePeriod(Period):
    """A period the engine was not running, and the last event logged before it ended."""

    cause: DowntimeCause
    last_event: LogEvent

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the duration in seconds."""
        return {**super().to_dict(), "cause": self.cause, "last_event": self.last_event.to_dict()}


@attrs.frozen(kw_only=True)
class UnobservedPeriod(Period):
    """A period the logs cannot tell about: what the unreadable ``tail`` of a file held."""

    tail: UnreadableTail

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the duration in seconds."""
        return {**super().to_dict(), "file": str(self.tail.file)}


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
    unobserved: tuple[UnobservedPeriod, ...] = ()
    unreadable_tails: tuple[UnreadableTail, ...] = ()

    @property
    def window(self) -> timedelta:
        """The window's length."""
        return self.end - self.start

    @property
    def observed(self) -> timedelta:
        """The window less what the logs cannot tell about (unreadable tails)."""
        return self.window - sum((period.duration for period in self.unobserved), timedelta())

    @property
    def downtime_total(self) -> timedelta:
        """The sum of every downtime period."""
        return sum((period.duration for period in self.downtime), timedelta())

    @property
    def uptime_percent(self) -> float:
        """100 × (1 − downtime / observed time)."""
        return 100.0 * (1.0 - self.downtime_total / self.observed)

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
            "observed_seconds": self.observed.total_seconds(),
            "uptime_percent": self.uptime_percent,
            "target_percent": self.target_percent,
            "status": "PASS" if self.passed else "FAIL",
            "downtime_seconds": self.downtime_total.total_seconds(),
            "downtime_periods": [period.to_dict() for period in self.downtime],
            "unobserved_periods": [period.to_dict() for period in self.unobserved],
            "restarts": self.restarts,
            "operations": self.operations,
            "errors": self.errors,
            "errors_per_1000_operations": self.errors_per_1000_operations,
            "top_error_types": [entry.to_dict() for entry in self.top_error_types],
            "garbage_lines": self.garbage_lines,
            "unreadable_tails": [tail.to_dict() for tail in self.unreadable_tails],
        }


def analyze_uptime(
    log: EventLog,
    *,
    days: float | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    heartbeat_interval: float | None = None,
    target_percent: float = 99.9,
) -> UptimeReport:
    """Measure uptime over ``log``, as described in the module docstring.

    ``days`` counts back from ``until`` (default: the last event) and cannot be combined with
    ``since``. ``heartbeat_interval`` (seconds) overrides the interval each run states in its
    ``engine_started`` event. Raises :class:`DataError` when the window holds fewer than two
    events or was not observed at all, or when no heartbeat interval is known.
    """
    if days is not None and since is not None:
        raise DataError("give either days or since, not both")
    events = log.events
    if not events:
        raise DataError(_no_events(log))
    first, last = events[0].ts, events[-1].ts
    if (until is not None and until < first) or (since is not None and since > last):
        asked = " to ".join("…" if t is None else format_ts(t) for t in (since, until))
        raise DataError(
            f"the window {asked} lies outside the logs, which span {format_ts(first)} to "
            f"{format_ts(last)}; choose a window within that span"
        )
    end = min(until, last) if until is not None else last
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
    downtime, unobserved = _outages(log, heartbeat_interval)
    report = UptimeReport(
        start=start,
        end=end,
        downtime=_clip(downtime, start, end),
        restarts=sum(1 for e in inside if e.event == "engine_started" and e is not events[0]),
        operations=sum(1 for e in inside if e.event in OPERATION_EVENTS),
        errors=sum(1 for e in inside if e.event == "error"),
        top_error_types=_top_error_types(inside),
        target_percent=target_percent,
        garbage_lines=log.garbage_lines,
        unobserved=_clip(unobserved, start, end),
        unreadable_tails=log.unreadable_tails,
    )
    if report.observed <= timedelta():
        raise DataError(
            f"the window {format_ts(start)} to {format_ts(end)} falls wholly in the unreadable "
            f"tail of {report.unobserved[0].tail.file}; choose another window"
        )
    return report


def _no_events(log: EventLog) -> str:
    if log.garbage_lines:
        return (
            f"the logs hold no events: none of their {log.garbage_lines} line(s) is a JSON "
            "event with ts, level and event (is this an engine event log?)"
        )
    return "the logs hold no events"


@attrs.frozen(kw_only=True)
class _Run:
    """The signs of life of one run of the engine, in time order, its interval, and the
    stretches its summarized heartbeats vouch for whole."""

    beats: tuple[LogEvent, ...]
    interval: timedelta
    summarized: tuple[tuple[datetime, datetime], ...] = ()


def _runs(log: EventLog, override: float | None) -> list[_Run]:
    """Every run of the engine in ``log``: each file in file order is cut at its
    ``engine_started`` events; what comes before a file's first start continues the latest
    run of its family (``engine.log`` continues ``engine.log.1``) started before it, else
    of any file. The global first event counts as a sign of life: the log began mid-run."""
    by_file: dict[Path | None, list[LogEvent]] = {}
    for event in log.events:
        by_file.setdefault(event.file, []).append(event)
    starts = sorted((e for e in log.events if e.event == "engine_started"), key=lambda e: e.ts)
    fallback = override if override is not None else _first_stated_interval(starts)
    runs: list[_Run] = []
    for file, in_file in by_file.items():
        segment: list[LogEvent] = []
        started: LogEvent | None = None
        for event in sorted(in_file, key=lambda e: e.line):
            if event.event == "engine_started" and segment:
                runs.append(_run(segment, started, starts, file, override, fallback))
                segment = []
            if event.event == "engine_started":
                started = event
            segment.append(event)
        runs.append(_run(segment, started, starts, file, override, fallback))
    first = log.events[0]
    if first.event not in SIGNS_OF_LIFE:
        runs.append(_Run(beats=(first,), interval=runs[0].interval))
    return runs


def _run(
    segment: list[LogEvent],
    started: LogEvent | None,
    starts: Sequence[LogEvent],
    file: Path | None,
    override: float | None,
    fallback: float | None,
) -> _Run:
    if override is not None:
        seconds: float | None = override
    elif started is not None:
        seconds = _stated_interval(started) or fallback
    else:
        seconds = _continued_interval(segment[0], starts, file) or fallback
    if seconds is None:
        raise DataError(
            "no engine_started event states heartbeat_interval; pass --heartbeat-interval"
        )
    beats = tuple(sorted((e for e in segment if e.event in SIGNS_OF_LIFE), key=lambda e: e.ts))
    summarized = tuple(
        (since, beat.ts) for beat in beats if (since := _summarized_since(beat)) is not None
    )
    return _Run(beats=beats, interval=timedelta(seconds=seconds), summarized=summarized)


def _summarized_since(event: LogEvent) -> datetime | None:
    """When the first heartbeat a summarizing heartbeat line stands for was due (None for
    any other event, or a ``since`` that is not a time before the line's)."""
    moment = time_field(event, "since") if event.event == "heartbeat" else None
    if moment is None or moment >= event.ts:
        return None
    return moment.astimezone(UTC)


def _continued_interval(
    first: LogEvent, starts: Sequence[LogEvent], file: Path | None
) -> float | None:
    """The interval of the run a file without a start at its head continues."""
    family = None if file is None else _ROTATION.sub("", file.name)
    before = [s for s in starts if s.ts <= first.ts]
    kin = [s for s in before if s.file is not None and _ROTATION.sub("", s.file.name) == family]
    for candidates in (kin, before):
        if candidates:
            return _stated_interval(candidates[-1])
    return None


def _outages(
    log: EventLog, override: float | None
) -> tuple[list[DowntimePeriod], list[UnobservedPeriod]]:
    """Every downtime and unobserved period over the whole of ``log``."""
    runs = _runs(log, override)
    beats = [beat for run in runs for beat in run.beats]
    stopped_at = {b.ts for b in beats if b.event == "engine_stopped"}
    alive_at = {b.ts for b in beats if b.event != "engine_stopped"}
    last_alive = max(alive_at, default=None)
    starts = {since for run in runs for since, _ in run.summarized}
    moments = sorted({b.ts for b in beats} | starts | {log.events[-1].ts})
    times = [e.ts for e in log.events]
    downtime: list[DowntimePeriod] = []
    unobserved: list[UnobservedPeriod] = []
    for start, end in _unvouched(moments, _vouched(runs)):
        tail = _tail_within(log.unreadable_tails, start, end)
        if tail is not None:
            unobserved.append(UnobservedPeriod(start=start, end=end, tail=tail))
            continue
        stopped = start in stopped_at and start not in alive_at
        if stopped and (last_alive is None or last_alive < start):
            continue  # the engine's deliberate end: the log goes on without it
        downtime.append(
            DowntimePeriod(
                start=start,
                end=end,
                cause="engine stopped" if stopped else "heartbeat gap",
                last_event=log.events[max(bisect.bisect_left(times, end) - 1, 0)],
            )
        )
    return downtime, unobserved


def _vouched(runs: Iterable[_Run]) -> list[tuple[datetime, datetime]]:
    """What each sign of life but a stop vouches for, sorted by start: until its run's next
    sign of life when that comes within twice the run's interval, else twice the interval;
    and what each summarized heartbeat vouches for."""
    spans = []
    for run in runs:
        spans.extend(run.summarized)
        allowed = 2 * run.interval
        for index, beat in enumerate(run.beats):
            if beat.event == "engine_stopped":
                continue
            after = run.beats[index + 1].ts if index + 1 < len(run.beats) else None
            close = after is not None and after - beat.ts <= allowed
            spans.append((beat.ts, after if close and after is not None else beat.ts + allowed))
    return sorted(spans)


def _unvouched(
    moments: Sequence[datetime], vouched: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The stretches between consecutive ``moments`` that no single span of ``vouched``
    covers whole, adjacent ones joined."""
    stretches: list[tuple[datetime, datetime]] = []
    reach: datetime | None = None  # the furthest end of the spans begun so far
    begun = 0
    for here, after in itertools.pairwise(moments):
        while begun < len(vouched) and vouched[begun][0] <= here:
            end = vouched[begun][1]
            reach = end if reach is None else max(reach, end)
            begun += 1
        if reach is not None and reach >= after:
            continue
        if stretches and stretches[-1][1] == here:
            stretches[-1] = (stretches[-1][0], after)
        else:
            stretches.append((here, after))
    return stretches


def _tail_within(
    tails: Iterable[UnreadableTail], start: datetime, end: datetime
) -> UnreadableTail | None:
    """The unreadable tail that ends a file's readable events within ``start``–``end``."""
    return next(
        (t for t in tails if t.last_event is not None and start <= t.last_event < end), None
    )


def _stated_interval(event: LogEvent) -> float | None:
    value = event.fields.get("heartbeat_interval")
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return seconds if seconds is not None and 0 < seconds < _LONGEST_INTERVAL else None


_LONGEST_INTERVAL = 365 * 86400.0
"""Intervals beyond a year (or not finite) are not intervals a log states: they are ignored."""


def _first_stated_interval(starts: Sequence[LogEvent]) -> float | None:
    return next(
        (seconds for event in starts if (seconds := _stated_interval(event)) is not None), None
    )


_Period = TypeVar("_Period", DowntimePeriod, UnobservedPeriod)


def _clip(periods: list[_Period], start: datetime, end: datetime) -> tuple[_Period, ...]:
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
