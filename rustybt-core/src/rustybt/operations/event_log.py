"""The engine's event log: JSON lines written by the live engine, read back for analysis.

Each line is one JSON object::

    {"ts": "2026-11-24T13:00:00.123456+00:00", "level": "INFO", "event": "heartbeat",
     "portfolio_value": "100012.50", "open_orders": 2, "last_bar": "2026-11-24T12:59:00+00:00"}

``ts`` is ISO 8601 in UTC with microseconds, ``level`` one of :data:`LEVELS`, ``event`` a
name from :data:`EVENTS` (other names are allowed), and every other key a flat field of that
event. Decimals and datetimes are written as strings. The value of any field whose name
contains ``key``, ``secret``, ``token`` or ``password`` is written as ``"***"``.

An event may carry an ``event_id`` (``fill:<fill id>``, ``order:<client id>:submitted``): the
writer writes each id once per file, so a session that redoes its bars after a crash does
not log their fills twice. A line standing for several events (``sessions_closed``) carries
their ids as ``event_ids``.

The reader accepts rotated files (``engine.log.1``), gzipped files (``engine.log.2.gz``) and
lines that are not events (a line cut by a crash, text from elsewhere): those are counted,
never fatal. A gzipped file cut short (a session killed while compressing, a partial copy)
is read up to where it stops being readable, and that place is reported. An event found in
more than one file (a copy of a log beside the log) is read once.

A replay resumed from its state file used to stamp its ``engine_started`` (and what it
logged before its clock first moved) with the replay's ``--start`` instead of the time it
resumed at; the reader moves such events to the next time their file logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import attrs

from rustybt.errors import DataError
from rustybt.redaction import redact

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

EVENTS: Mapping[str, tuple[str, ...]] = {
    "engine_started": ("mode", "strategy", "heartbeat_interval"),
    "engine_stopped": ("reason",),
    "heartbeat": ("portfolio_value", "open_orders", "last_bar"),
    "order_submitted": ("order_id", "symbol", "amount"),
    "order_filled": ("order_id", "symbol", "amount", "price"),
    "order_rejected": ("order_id", "symbol", "amount", "reason"),
    "error": ("error_type", "message"),
    "session_closed": ("session", "portfolio_value", "cash"),
    "sessions_closed": ("sessions", "portfolio_values", "cash"),
}
"""The events the engine writes and the fields each must carry (others may be added; events
not named here carry what they like).

``engine_started.heartbeat_interval`` is in seconds; ``engine_stopped.reason`` is one of
``completed``, ``duration reached``, ``signal``, ``error`` or ``kill switch``;
``heartbeat.portfolio_value`` and the orders' ``amount`` and ``price`` are decimal strings;
``heartbeat.last_bar`` is the time of the last bar seen (null before the first). A replay's
heartbeat line may stand for several heartbeats: then ``heartbeat.beats`` says how many, and
``heartbeat.since`` when the first of them was due. ``session_closed`` is written for a
trading session that closed: its date (``YYYY-MM-DD``) and the portfolio's value and cash
then, as decimal strings. It is written with the checkpoint that covers the session; when
one checkpoint covers several sessions (a replay at full speed), a single
``sessions_closed`` line lists them: ``sessions``, ``portfolio_values`` and ``cash`` are
lists in step, and ``event_ids`` holds each session's id.
"""

_RESERVED = frozenset({"ts", "level", "event"})
# Files a log directory may hold: engine.log, engine.log.1, engine.log.2.gz, engine.jsonl.gz
_LOG_FILE = re.compile(r".*\.(log|jsonl)(\.\d+)?(\.gz)?$")


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def format_ts(moment: datetime) -> str:
    """``moment`` as the log writes it: ISO 8601, UTC, microseconds (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _json_value(value: Any) -> str:
    """Datetimes in the log's own format; Decimals and anything else as their string."""
    return format_ts(value) if isinstance(value, datetime) else str(value)


# One encoder for every line: json.dumps with these options would build a new one each call,
# and a replay writes a heartbeat line for every simulated hour.
_LINE = json.JSONEncoder(default=_json_value, ensure_ascii=False)


class EventLogWriter(logging.Handler):
    """Appends events to a JSON-lines file, one flushed line per event, each ``event_id``
    once.

    The ids already in the file when it is opened count as written: a session restarted
    after a crash can log the events it redoes again, and only those the file lacks are
    written. Ids in files rotated away (``engine.log.1``) are not seen.

    Also a :class:`logging.Handler`: a record logged with ``extra={"event": "order_rejected",
    ...}`` becomes that event with the extra keys as fields (``event_id`` among them); any
    other record becomes a ``log`` event with ``logger`` and ``message`` fields.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = utc_now,
        fsync: bool = False,
    ) -> None:
        """Open ``path`` for appending (creating its directory, and the file with mode 0600;
        an existing file keeps its mode); ``clock`` stamps each event (the live engine passes
        its own, so a replayed session logs replay time); ``fsync`` forces every line to
        disk, not just to the OS.

        A last line cut short by a crash is ended with a newline, so the next event starts
        a line of its own (the cut line stays, read back as garbage); its id, unreadable,
        does not count as written.
        """
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._fsync = fsync
        self._written_ids, torn = _written_ids(self.path)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file: TextIO = os.fdopen(descriptor, "a", encoding="utf-8")
        if torn:
            self._write("\n")

    def log(
        self,
        event: str,
        level: str = "INFO",
        *,
        event_id: str | None = None,
        event_ids: Sequence[str] = (),
        **fields: Any,
    ) -> None:
        """Append one ``event`` line at ``level`` with ``fields`` (secrets redacted), unless
        ``event_id`` is given and already written to this file: then write nothing.

        A line standing for several events names their ids in ``event_ids``; they count as
        written with it. The caller leaves out the events already written (:meth:`written`).
        Raises ``ValueError`` for an unknown level, a field named ts, level or event, or an
        event of :data:`EVENTS` without one of its fields (whether or not it is a repeat).
        """
        if level not in LEVELS:
            raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
        if not _RESERVED.isdisjoint(fields):
            clash = _RESERVED.intersection(fields)
            raise ValueError(f"field names {sorted(clash)} are reserved by the event log")
        missing = [name for name in EVENTS.get(event, ()) if name not in fields]
        if missing:
            raise ValueError(f"event {event!r} needs the field(s) {', '.join(missing)}")
        record: dict[str, Any] = {"ts": format_ts(self._clock()), "level": level, "event": event}
        if event_id is not None:
            record["event_id"] = event_id
        if event_ids:
            record["event_ids"] = list(event_ids)
        record.update(redact(fields))  # secret names hidden, URLs without credentials
        line = _LINE.encode(record)
        with self.lock:
            if event_id in self._written_ids:
                return
            self._write(line + "\n")
            # Only once written: an id whose write failed may be logged again.
            if event_id is not None:
                self._written_ids.add(event_id)
            self._written_ids.update(event_ids)

    def written(self, event_id: str) -> bool:
        """Whether an event with ``event_id`` is in this file (written before it was opened,
        or since)."""
        return event_id in self._written_ids

    def _write(self, text: str) -> None:
        """Append ``text`` and push it to the OS (to disk with ``fsync``); the caller holds
        the lock, or has not shared the writer yet."""
        self._file.write(text)
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())

    def emit(self, record: logging.LogRecord) -> None:
        """Write a standard-library log record as an event (see the class docstring)."""
        try:
            extra = {
                name: value
                for name, value in vars(record).items()
                if name not in _STANDARD_RECORD_ATTRIBUTES and name not in _RESERVED
            }
            event = getattr(record, "event", None)
            level = record.levelname if record.levelname in LEVELS else "ERROR"
            if record.levelno < logging.INFO:
                level = "DEBUG"
            if event is None:
                extra = {"logger": record.name, "message": record.getMessage(), **extra}
                event = "log"
            if record.exc_info and record.exc_info[0] is not None:
                extra.setdefault("error_type", record.exc_info[0].__name__)
            event_id = extra.pop("event_id", None)
            self.log(
                str(event),
                level,
                event_id=None if event_id is None else str(event_id),
                **extra,
            )
        except Exception:  # logging's contract: a handler reports its own failure, never raises
            self.handleError(record)

    def close(self) -> None:
        """Close the file; later events raise ``ValueError``."""
        with self.lock:
            self._file.close()
        super().close()

    def __enter__(self) -> EventLogWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _written_ids(path: Path) -> tuple[set[str], bool]:
    """The ``event_id`` and ``event_ids`` of every event line in ``path`` (none when it does
    not exist), and whether its last line lacks its newline (cut short by a crash)."""
    ids: set[str] = set()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return ids, False
    line = b""
    with handle:
        for line in handle:
            # Only lines naming an id are parsed: a month of heartbeats reopens quickly.
            if b'"event_id' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:  # a line cut short, or not an event
                continue
            if not isinstance(record, dict):
                continue
            if isinstance(record.get("event_id"), str):
                ids.add(record["event_id"])
            if isinstance(record.get("event_ids"), list):
                ids.update(i for i in record["event_ids"] if isinstance(i, str))
    return ids, bool(line) and not line.endswith(b"\n")


_STANDARD_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime"}


@attrs.frozen(kw_only=True)
class LogEvent:
    """One event read back from a log, and where it was read (``file``, 1-based ``line``;
    not part of equality: the same event read from two files is one event)."""

    ts: datetime
    level: str
    event: str
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    file: Path | None = attrs.field(default=None, eq=False)
    line: int = attrs.field(default=0, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """The event as it was logged."""
        return {"ts": format_ts(self.ts), "level": self.level, "event": self.event, **self.fields}


@attrs.frozen(kw_only=True)
class UnreadableTail:
    """Where a gzipped log file stops being readable: after ``lines`` whole lines, the last
    event among them at ``last_event`` (None when none was readable), and why."""

    file: Path
    lines: int
    last_event: datetime | None
    reason: str

    def describe(self) -> str:
        """One sentence: which file, where it stops, why."""
        last = "no event" if self.last_event is None else f"last event {format_ts(self.last_event)}"
        return f"{self.file} is unreadable after line {self.lines} ({last}): {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "file": str(self.file),
            "readable_lines": self.lines,
            "last_event": None if self.last_event is None else format_ts(self.last_event),
            "reason": self.reason,
        }


@attrs.frozen(kw_only=True)
class EventLog:
    """Every event read from some log files, in time order, how many lines were not events,
    and the tails of gzipped files that could not be read."""

    events: tuple[LogEvent, ...]
    files: tuple[Path, ...]
    garbage_lines: int
    unreadable_tails: tuple[UnreadableTail, ...] = ()


def parse_line(line: str) -> LogEvent | None:
    """The event on ``line``, or None when the line is not an event of this log."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    ts, level, event = record.pop("ts", None), record.pop("level", None), record.pop("event", None)
    if not (isinstance(ts, str) and isinstance(level, str) and isinstance(event, str)):
        return None
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return LogEvent(ts=moment.astimezone(UTC), level=level, event=event, fields=record)


def log_files(directory: str | Path) -> list[Path]:
    """The log files in ``directory`` (``*.log``, ``*.jsonl``, rotated ``.N``, ``.gz``), sorted.

    Raises :class:`DataError` when the directory does not exist or holds no log file.
    """
    folder = Path(directory)
    if not folder.exists():
        raise DataError(f"log directory {folder} does not exist")
    if not folder.is_dir():
        raise DataError(f"log directory {folder} is a file; give it with --log-file instead")
    found = sorted(p for p in folder.iterdir() if p.is_file() and _LOG_FILE.fullmatch(p.name))
    if not found:
        raise DataError(
            f"no log files in {folder} (looked for *.log, *.jsonl, rotated *.log.N and *.gz)"
        )
    return found


def read_event_log(paths: Iterable[str | Path]) -> EventLog:
    """Read every event of ``paths`` (plain or gzipped), sorted by time (a file given twice is
    read once; an event in several files counts once).

    Lines that are not events count as garbage; a gzipped file cut short is read up to where
    it stops being readable, which :attr:`EventLog.unreadable_tails` names. Raises
    :class:`DataError` for a missing file, a directory, or a ``.gz`` file that is not gzip.
    """
    files = tuple(dict.fromkeys(Path(p) for p in paths))
    seen: dict[_Content, int] = {}  # each event's content: the most copies one file holds
    events: list[LogEvent] = []
    garbage = 0
    tails: list[UnreadableTail] = []
    for path in files:
        in_file, file_garbage, tail = _read_file(path)
        garbage += file_garbage
        if tail is not None:
            tails.append(tail)
        copies: dict[_Content, int] = {}
        for event in _restamp_resumed_replays(in_file):
            key = _content(event)
            copies[key] = copies.get(key, 0) + 1
            if copies[key] > seen.get(key, 0):
                events.append(event)
        for key, count in copies.items():
            seen[key] = max(seen.get(key, 0), count)
    events.sort(key=lambda e: e.ts)  # stable: same-microsecond events keep file order
    return EventLog(
        events=tuple(events), files=files, garbage_lines=garbage, unreadable_tails=tuple(tails)
    )


_Content = tuple[datetime, str, str, str]


def _content(event: LogEvent) -> _Content:
    """What ``event`` says, hashable (its fields as canonical JSON)."""
    fields = json.dumps(event.fields, sort_keys=True, default=str)
    return (event.ts, event.level, event.event, fields)


def _read_file(path: Path) -> tuple[list[LogEvent], int, UnreadableTail | None]:
    """The events of one file in file order, its garbage line count, its unreadable tail."""
    if path.is_dir():
        raise DataError(f"log file {path} is a directory; give it with --log-dir instead")
    if not path.is_file():
        raise DataError(f"log file {path} does not exist")
    events: list[LogEvent] = []
    garbage = 0
    lines = _gzip_lines(path) if path.suffix == ".gz" else _plain_lines(path)
    number = 0
    try:
        for number, raw in enumerate(lines, start=1):
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                continue
            event = parse_line(line)
            if event is None:
                garbage += 1
            else:
                events.append(attrs.evolve(event, file=path, line=number))
    except _CutShort as cut:
        last = max((e.ts for e in events), default=None)
        return (
            events,
            garbage,
            UnreadableTail(file=path, lines=number, last_event=last, reason=str(cut)),
        )
    return events, garbage, None


class _CutShort(Exception):
    """A gzipped file stops being readable here (the message says why)."""


_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


def _plain_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


def _gzip_lines(path: Path) -> Iterator[bytes]:
    """The whole lines of gzipped ``path`` (of every member); raises :class:`_CutShort` where
    the stream stops being readable, after every line before that point."""
    with path.open("rb") as handle:
        head = handle.read(len(_GZIP_MAGIC))
        if not head:
            return
        if head != _GZIP_MAGIC:
            raise DataError(
                f"log file {path} is not gzip-compressed although its name ends in .gz; "
                "rename it without .gz if it is plain text"
            )
        decompressor = zlib.decompressobj(wbits=31)
        pending = b""
        chunk = head + handle.read(_CHUNK)
        while chunk:
            while chunk:
                if decompressor.eof:  # a file of several gzip members (appended)
                    decompressor = zlib.decompressobj(wbits=31)
                try:
                    pending += decompressor.decompress(chunk)
                except zlib.error as exc:
                    yield from _whole_lines(pending)[0]
                    raise _CutShort(f"corrupt gzip data ({exc})") from None
                chunk = decompressor.unused_data if decompressor.eof else b""
            complete, pending = _whole_lines(pending)
            yield from complete
            chunk = handle.read(_CHUNK)
    if not decompressor.eof:
        raise _CutShort("the gzip stream is cut short (a partial copy, or a writer killed)")
    if pending:
        yield pending


def _whole_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """The newline-ended lines of ``data``, and what follows the last newline."""
    end = data.rfind(b"\n") + 1
    return data[:end].splitlines(keepends=True), data[end:]


def _restamp_resumed_replays(events: list[LogEvent]) -> list[LogEvent]:
    """``events`` of one file (file order) with each resumed replay's start moved to when it
    resumed: an ``engine_started`` stamped before its ``resumed_from``, and the events of its
    file stamped the same just before and after it, take the time of the next later-stamped
    event of the file (else ``resumed_from``)."""
    fixed = list(events)
    for index, event in enumerate(events):
        resumed = _resumed_from(event)
        if resumed is None or event.ts >= resumed:
            continue
        stamp = event.ts
        after = next((e.ts for e in events[index + 1 :] if e.ts > stamp), resumed)
        first = index
        while first > 0 and events[first - 1].ts == stamp:
            first -= 1
        last = index
        while last + 1 < len(events) and events[last + 1].ts == stamp:
            last += 1
        for position in range(first, last + 1):
            fixed[position] = attrs.evolve(events[position], ts=after)
    return fixed


def _resumed_from(event: LogEvent) -> datetime | None:
    return time_field(event, "resumed_from") if event.event == "engine_started" else None


def time_field(event: LogEvent, name: str) -> datetime | None:
    """The field ``name`` of ``event`` as a time with its zone (None when it is missing, not
    text, not an ISO time, or has no zone)."""
    value = event.fields.get(name)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment
