"""Trading calendars: which days are sessions and which minutes of them trade.

A :class:`TradingCalendar` holds the schedule of an `exchange_calendars`_ calendar and
speaks RustyBT's time conventions:

* a **session label** is the session's date at 00:00 UTC (``datetime64[ns, UTC]``), the
  same stamp our daily bars carry;
* a session's **open** is the UTC time trading starts and its **close** the UTC time the
  last minute ends (21:00 UTC for a winter NYSE day, 18:00 UTC on a half day);
* a **minute** is labelled by the time it opens, so a winter NYSE day has the 390 minutes
  14:30 ... 20:59 UTC.

Every method works on whole index arrays at once; nothing loops over minutes in Python.

exchange_calendars builds a calendar in about 0.1 s after a 50 ms import, so each calendar
is built once per install and its schedule stored (one file of int64 arrays per calendar)
in the ``calendars`` folder of RustyBT's data directory, beside an index of every calendar
name and alias. A later process reads both files and never imports exchange_calendars.
The folder is named for the exchange_calendars version (a new version may move holidays)
and the current year (calendars reach two years past it).

.. _exchange_calendars: https://github.com/gerrymanoim/exchange_calendars
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.errors import ConfigError

__all__ = ["ALWAYS_OPEN_NAMES", "CalendarSchedule", "TradingCalendar", "get_calendar"]

#: Names (compared case-insensitively) that select the always-open calendar.
ALWAYS_OPEN_NAMES = frozenset({"24/7", "ALWAYS_OPEN", "CRYPTO"})

# exchange_calendars only looks ~20 years back by default; our sample data starts in 1999.
_EARLIEST = pd.Timestamp("1990-01-01")
_YEARS_AHEAD = 2
_ONE_MINUTE_NS = 60 * 10**9
_NAMES_FILE = "names.json"
_CALENDAR_SUFFIX = ".calendar"
_STORED_INT = np.dtype("<i8")

DateLike: TypeAlias = str | datetime.date | pd.Timestamp


def _read_only(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """``values`` as an int64 array that cannot be written, so shared views stay intact."""
    array = np.asarray(values, dtype=np.int64)
    array.flags.writeable = False
    return array


@attrs.frozen(kw_only=True)
class CalendarSchedule:
    """A calendar's sessions and trading hours, as int64 nanoseconds since the epoch (UTC).

    Row ``i`` of every per-session array describes session ``sessions[i]``; a missing
    value (no lunch break) is NaT, i.e. the smallest int64. The arrays are read-only.
    """

    sessions: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """Session labels (UTC midnights), ascending."""
    opens: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """When each session's first minute starts."""
    closes: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """When each session's last minute ends."""
    break_starts: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """When each session's lunch break starts (NaT without one)."""
    break_ends: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """When each session's lunch break ends (NaT without one)."""
    early_closes: npt.NDArray[np.int64] = attrs.field(converter=_read_only)
    """Labels of the sessions that close early, ascending."""
    has_break: bool = attrs.field(converter=bool)
    """True when any session of the calendar has a lunch break."""


_SCHEDULE_ARRAYS = tuple(
    field.name for field in attrs.fields(CalendarSchedule) if field.name != "has_break"
)


@attrs.frozen(kw_only=True)
class TradingCalendar:
    """The sessions and trading minutes of one exchange, or of a market that never closes.

    Obtain one with :func:`get_calendar`. Every date argument may be a string, a
    ``datetime.date``/``datetime`` or a ``pd.Timestamp``; naive values are taken as UTC and
    only their UTC date is used. Dates outside ``first_day ... last_day`` raise
    :class:`~rustybt.errors.ConfigError`.
    """

    name: str
    """Canonical calendar name, e.g. ``"XNYS"`` (also when asked for ``"NYSE"``) or ``"24/7"``."""
    always_open: bool
    """True for the 24/7 calendar: every UTC day is a session from 00:00 to 24:00."""
    periods_per_year: int
    """Sessions in a typical year, for annualising returns: 252 for exchanges, 365 for 24/7."""
    first_day: pd.Timestamp
    """First date (UTC midnight) the calendar covers."""
    last_day: pd.Timestamp
    """Last date (UTC midnight) the calendar covers."""
    _schedule: CalendarSchedule = attrs.field(eq=False, repr=False)

    def sessions(self, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
        """Return the session labels from ``start`` to ``end``, both inclusive.

        Labels are UTC midnights (``datetime64[ns, UTC]``). ``start`` after ``end`` gives an
        empty index.
        """
        first, last = self._day(start), self._day(end)
        labels = self._schedule.sessions
        begin = np.searchsorted(labels, first.value, side="left")
        stop = np.searchsorted(labels, last.value, side="right")
        return _utc_index(labels[begin:stop])

    def is_session(self, ts: DateLike) -> bool:
        """Return True when the UTC date of ``ts`` is a session."""
        labels, day = self._schedule.sessions, self._day(ts).value
        position = np.searchsorted(labels, day)
        return bool(position < len(labels) and labels[position] == day)

    def opens_and_closes(
        self, sessions: pd.DatetimeIndex
    ) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
        """Return the UTC open and close time of each session in ``sessions``.

        The close is the end of the last trading minute: 21:00 UTC for a winter NYSE day,
        00:00 UTC of the next day for 24/7. Raises ConfigError if a label is not a session.
        """
        rows = self._schedule_positions(sessions)
        return (
            _utc_index(self._schedule.opens[rows], name="open"),
            _utc_index(self._schedule.closes[rows], name="close"),
        )

    def early_closes(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Return, per session, True when it closes early (a half day such as 2024-11-29)."""
        return np.isin(_label_nanos(sessions), self._schedule.early_closes)

    def minutes_and_session_index(
        self, sessions: pd.DatetimeIndex
    ) -> tuple[pd.DatetimeIndex, npt.NDArray[np.intp]]:
        """Return every trading minute of ``sessions`` and the position of its session.

        Minutes are labelled by their UTC open time (14:30 ... 20:59 for a winter NYSE day,
        390 minutes; 00:00 ... 23:59 for a 24/7 day, 1440), concatenated in session order.
        Minutes inside a lunch break (e.g. XHKG) are left out. The second array gives, for
        each minute, the index into ``sessions`` of the session it belongs to.
        """
        rows = self._schedule_positions(sessions)
        opens = self._schedule.opens[rows]
        counts = (self._schedule.closes[rows] - opens) // _ONE_MINUTE_NS
        session_index = np.repeat(np.arange(len(sessions)), counts)
        first_of_session = np.cumsum(counts) - counts
        minute_in_session = np.arange(counts.sum()) - np.repeat(first_of_session, counts)
        minutes = opens[session_index] + minute_in_session * _ONE_MINUTE_NS

        if self._schedule.has_break:
            starts = self._schedule.break_starts[rows][session_index]
            ends = self._schedule.break_ends[rows][session_index]
            # A missing break is NaT, i.e. the smallest int64, so no minute falls inside it.
            trading = ~((minutes >= starts) & (minutes < ends))
            minutes, session_index = minutes[trading], session_index[trading]

        return _utc_index(minutes), session_index

    def _day(self, ts: DateLike) -> pd.Timestamp:
        """Return the naive UTC date of ``ts``, checking it lies within the calendar."""
        stamp = pd.Timestamp(ts)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        day = stamp.normalize()
        if not self.first_day.tz_localize(None) <= day <= self.last_day.tz_localize(None):
            raise ConfigError(
                f"date {day.date()} is outside the {self.name} calendar, which covers "
                f"{self.first_day.date()} to {self.last_day.date()}; choose dates in that range"
            )
        return day

    def _schedule_positions(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.intp]:
        """Return the schedule row of each of ``sessions``, which must all be sessions."""
        labels, wanted = self._schedule.sessions, _label_nanos(sessions)
        positions = np.searchsorted(labels, wanted)
        found = labels[np.minimum(positions, len(labels) - 1)] == wanted
        if not found.all():
            missing = sessions[~found]
            raise ConfigError(
                f"{len(missing)} label(s) are not {self.name} sessions, first "
                f"{missing[0]}; build labels with TradingCalendar.sessions()"
            )
        return positions


def get_calendar(name: str) -> TradingCalendar:
    """Return the trading calendar called ``name``; the same object for the same calendar.

    ``name`` is any exchange_calendars name or alias (``"XNYS"``, ``"NYSE"``, ``"XLON"``...,
    case-insensitive) or one of ``"24/7"``, ``"ALWAYS_OPEN"``, ``"CRYPTO"`` for the calendar
    where every UTC day is a session. Exchange calendars cover 1990 (or the earliest date
    the exchange data supports) to two years from today. Unknown names raise ConfigError.
    A calendar this install has built before is read from the data directory without
    importing exchange_calendars.
    """
    key = name.strip().upper()
    canonical = _stored_names().get(key) or _exchange_names().get(key)
    if canonical is None:
        raise ConfigError(
            f"unknown trading calendar {name!r}; use an exchange_calendars name such as "
            f"XNYS, XNAS, XLON, XTKS or XHKG, or '24/7' for a market that never closes"
        )
    return _calendar(canonical)


@functools.cache
def _calendar(canonical: str) -> TradingCalendar:
    """The calendar ``canonical``, once per process: read from the cache folder when a run
    stored it before, else built and stored there for the next run."""
    year = _this_year()
    path = _cache_folder(year) / f"{canonical.replace('/', '-')}{_CALENDAR_SUFFIX}"
    cached = _load(path)
    if cached is not None:
        return cached
    calendar = _build(canonical, year)
    with contextlib.suppress(OSError):  # an unwritable cache only costs the next run a build
        _write(path, functools.partial(_save, calendar))
    return calendar


def _stored_names() -> dict[str, str]:
    """The cache folder's map of upper-cased calendar names to canonical ones; empty when
    there is none. A file that does not read as such a map is removed."""
    path = _cache_folder(_this_year()) / _NAMES_FILE
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        _remove(path)
        return {}
    if not isinstance(names, dict):
        _remove(path)
        return {}
    return names


@functools.cache
def _exchange_names() -> dict[str, str]:
    """Map every upper-cased exchange_calendars name and alias, and the always-open names,
    to its canonical calendar; stored in the cache folder for the processes that follow."""
    import exchange_calendars as xcals

    names = {
        name.upper(): xcals.resolve_alias(name)
        for name in xcals.get_calendar_names(include_aliases=True)
    }
    names.update(dict.fromkeys(ALWAYS_OPEN_NAMES, "24/7"))
    if names != _stored_names():
        with contextlib.suppress(OSError):
            _write(
                _cache_folder(_this_year()) / _NAMES_FILE,
                lambda temporary: temporary.write_text(
                    json.dumps(names, sort_keys=True), encoding="utf-8"
                ),
            )
    return names


def _build(canonical: str, year: int) -> TradingCalendar:
    """Build the calendar with exchange_calendars, over our full supported range as of
    ``year``."""
    import exchange_calendars as xcals

    # exchange_calendars has no public way to read a calendar class's date bounds.
    factory = xcals.calendar_utils._default_calendar_factories[canonical]
    start = max(_EARLIEST, factory.bound_min() or _EARLIEST)
    # To the end of a year, so the cached calendar serves a whole year of runs.
    end = pd.Timestamp(year=year + _YEARS_AHEAD, month=12, day=31)
    if (bound_max := factory.bound_max()) is not None:
        end = min(end, bound_max)
    exchange = xcals.get_calendar(canonical, start=start, end=end)
    schedule = exchange.schedule
    return _trading_calendar(
        name=exchange.name,
        first_day=start.value,
        last_day=end.value,
        schedule=CalendarSchedule(
            sessions=exchange.sessions.as_unit("ns").asi8,
            opens=_column_nanos(schedule["open"]),
            closes=_column_nanos(schedule["close"]),
            break_starts=_column_nanos(schedule["break_start"]),
            break_ends=_column_nanos(schedule["break_end"]),
            early_closes=exchange.early_closes.as_unit("ns").asi8,
            has_break=exchange.has_break,
        ),
    )


def _trading_calendar(
    *, name: str, first_day: int, last_day: int, schedule: CalendarSchedule
) -> TradingCalendar:
    """The calendar ``name`` covering ``first_day`` to ``last_day`` (ns since the epoch)."""
    always_open = name == "24/7"
    return TradingCalendar(
        name=name,
        always_open=always_open,
        periods_per_year=365 if always_open else 252,
        first_day=pd.Timestamp(first_day, tz="UTC"),
        last_day=pd.Timestamp(last_day, tz="UTC"),
        schedule=schedule,
    )


def _save(calendar: TradingCalendar, temporary: Path) -> None:
    """Write ``calendar`` to ``temporary``: a JSON line with its name, its bounds and the
    length of each schedule array, then the arrays' values back to back (little-endian
    int64), so a later process reads it with one file read and no decompression."""
    schedule = calendar._schedule
    arrays = [getattr(schedule, name) for name in _SCHEDULE_ARRAYS]
    header = {
        "name": calendar.name,
        "first_day": calendar.first_day.value,
        "last_day": calendar.last_day.value,
        "has_break": schedule.has_break,
        "lengths": [len(array) for array in arrays],
    }
    with temporary.open("wb") as file:
        file.write(json.dumps(header).encode() + b"\n")
        for array in arrays:
            file.write(array.astype(_STORED_INT).tobytes())


def _load(path: Path) -> TradingCalendar | None:
    """The calendar :func:`_save` wrote at ``path``, or None when there is none; a file that
    does not load (damaged, or of another layout) is removed."""
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        _remove(path)
        return None
    try:
        header_end = stored.index(b"\n")
        header = json.loads(stored[:header_end])
        offset, arrays = header_end + 1, {}
        for name, length in zip(_SCHEDULE_ARRAYS, header["lengths"], strict=True):
            arrays[name] = np.frombuffer(stored, _STORED_INT, count=length, offset=offset)
            offset += arrays[name].nbytes
        if offset != len(stored):
            raise ValueError("the arrays do not end where the file does")
        return _trading_calendar(
            name=header["name"],
            first_day=header["first_day"],
            last_day=header["last_day"],
            schedule=CalendarSchedule(has_break=header["has_break"], **arrays),
        )
    except (ValueError, TypeError, KeyError, IndexError):
        _remove(path)
        return None


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Create ``path``'s folder and have ``write(temporary)`` fill the file that replaces
    ``path`` atomically; OSError when the folder cannot be written."""
    from rustybt.atomic_files import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        write(temporary)


def _remove(path: Path) -> None:
    """Delete the damaged cache file ``path`` if the folder allows it (else it stays
    unread, costing each run a build)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _cache_folder(year: int) -> Path:
    """Where this install's calendars built in ``year`` are stored: one folder per
    exchange_calendars version and year, under ``calendars`` in RustyBT's data directory."""
    from rustybt.data.store import data_root

    return data_root() / "calendars" / f"xcals-{_exchange_calendars_version()}-{year}"


@functools.cache
def _exchange_calendars_version() -> str:
    """The installed exchange_calendars version, read from the ``.dist-info`` folder beside
    the package, since importing the library (or importlib.metadata) costs 30-50 ms; the
    library's own ``__version__`` when no single such folder is found."""
    spec = importlib.util.find_spec("exchange_calendars")
    if spec is not None and spec.origin is not None:
        prefix, suffix = "exchange_calendars-", ".dist-info"
        with os.scandir(Path(spec.origin).parent.parent) as entries:
            found = [
                entry.name[len(prefix) : -len(suffix)]
                for entry in entries
                if entry.name.startswith(prefix) and entry.name.endswith(suffix)
            ]
        if len(found) == 1:
            return found[0]
    import exchange_calendars as xcals

    return str(xcals.__version__)


def _this_year() -> int:
    """The current year in UTC, which dates the end of every calendar built now."""
    return datetime.datetime.now(datetime.UTC).year


def _naive(sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Drop the UTC zone from session labels, as the schedule stores them."""
    return sessions.tz_convert("UTC").tz_localize(None) if sessions.tz is not None else sessions


def _label_nanos(sessions: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """Return session labels as int64 nanoseconds since the epoch, whatever their unit."""
    return _naive(sessions).as_unit("ns").asi8


def _column_nanos(column: pd.Series) -> npt.NDArray[np.int64]:
    """Return a column of UTC datetimes as int64 nanoseconds since the epoch (NaT: int64
    min)."""
    return pd.DatetimeIndex(column).as_unit("ns").asi8


def _utc_index(nanos: npt.NDArray[np.int64], name: str | None = None) -> pd.DatetimeIndex:
    """Return int64 nanoseconds since the epoch as a ``datetime64[ns, UTC]`` index."""
    return pd.DatetimeIndex(nanos.view("datetime64[ns]"), tz="UTC", name=name)
