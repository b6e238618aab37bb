"""Trading calendars: which days are sessions and which minutes of them trade.

A :class:`TradingCalendar` wraps an `exchange_calendars`_ calendar and speaks RustyBT's
time conventions:

* a **session label** is the session's date at 00:00 UTC (``datetime64[ns, UTC]``), the
  same stamp our daily bars carry;
* a session's **open** is the UTC time trading starts and its **close** the UTC time the
  last minute ends (21:00 UTC for a winter NYSE day, 18:00 UTC on a half day);
* a **minute** is labelled by the time it opens, so a winter NYSE day has the 390 minutes
  14:30 ... 20:59 UTC.

Every method works on whole index arrays at once; nothing loops over minutes in Python.

.. _exchange_calendars: https://github.com/gerrymanoim/exchange_calendars
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import pickle
from pathlib import Path

import attrs
import exchange_calendars as xcals
import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.errors import ConfigError

__all__ = ["ALWAYS_OPEN_NAMES", "TradingCalendar", "get_calendar"]

#: Names (compared case-insensitively) that select the always-open calendar.
ALWAYS_OPEN_NAMES = frozenset({"24/7", "ALWAYS_OPEN", "CRYPTO"})

# exchange_calendars only looks ~20 years back by default; our sample data starts in 1999.
_EARLIEST = pd.Timestamp("1990-01-01")
_YEARS_AHEAD = 2
_ONE_MINUTE_NS = 60 * 10**9

DateLike = str | datetime.date | pd.Timestamp


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
    _exchange: xcals.ExchangeCalendar = attrs.field(eq=False, repr=False)

    def sessions(self, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
        """Return the session labels from ``start`` to ``end``, both inclusive.

        Labels are UTC midnights (``datetime64[ns, UTC]``). ``start`` after ``end`` gives an
        empty index.
        """
        first, last = self._day(start), self._day(end)
        labels = self._exchange.sessions
        return labels[(labels >= first) & (labels <= last)].tz_localize("UTC")

    def is_session(self, ts: DateLike) -> bool:
        """Return True when the UTC date of ``ts`` is a session."""
        return self._day(ts) in self._exchange.sessions

    def opens_and_closes(
        self, sessions: pd.DatetimeIndex
    ) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
        """Return the UTC open and close time of each session in ``sessions``.

        The close is the end of the last trading minute: 21:00 UTC for a winter NYSE day,
        00:00 UTC of the next day for 24/7. Raises ConfigError if a label is not a session.
        """
        rows = self._schedule_positions(sessions)
        return (
            pd.DatetimeIndex(self._schedule_column("open", rows), name="open"),
            pd.DatetimeIndex(self._schedule_column("close", rows), name="close"),
        )

    def early_closes(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Return, per session, True when it closes early (a half day such as 2024-11-29)."""
        return _naive(sessions).isin(self._exchange.early_closes)

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
        opens = _nanos(self._schedule_column("open", rows))
        counts = (_nanos(self._schedule_column("close", rows)) - opens) // _ONE_MINUTE_NS
        session_index = np.repeat(np.arange(len(sessions)), counts)
        first_of_session = np.cumsum(counts) - counts
        minute_in_session = np.arange(counts.sum()) - np.repeat(first_of_session, counts)
        minutes = opens[session_index] + minute_in_session * _ONE_MINUTE_NS

        if self._exchange.has_break:
            starts = _nanos(self._schedule_column("break_start", rows))[session_index]
            ends = _nanos(self._schedule_column("break_end", rows))[session_index]
            # A missing break is NaT, i.e. the smallest int64, so no minute falls inside it.
            trading = ~((minutes >= starts) & (minutes < ends))
            minutes, session_index = minutes[trading], session_index[trading]

        return pd.DatetimeIndex(minutes.view("datetime64[ns]"), tz="UTC"), session_index

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
        """Return the exchange schedule row of each of ``sessions``, which must all be
        sessions."""
        positions = self._exchange.schedule.index.get_indexer(_naive(sessions))
        if (positions < 0).any():
            missing = sessions[positions < 0]
            raise ConfigError(
                f"{len(missing)} label(s) are not {self.name} sessions, first "
                f"{missing[0]}; build labels with TradingCalendar.sessions()"
            )
        return positions

    def _schedule_column(
        self, name: str, rows: npt.NDArray[np.intp]
    ) -> pd.api.extensions.ExtensionArray:
        """Column ``name`` of the exchange schedule at ``rows`` (UTC times, NaT for none)."""
        return self._exchange.schedule[name].array.take(rows)


def get_calendar(name: str) -> TradingCalendar:
    """Return the trading calendar called ``name``; the same object for the same calendar.

    ``name`` is any exchange_calendars name or alias (``"XNYS"``, ``"NYSE"``, ``"XLON"``...,
    case-insensitive) or one of ``"24/7"``, ``"ALWAYS_OPEN"``, ``"CRYPTO"`` for the calendar
    where every UTC day is a session. Exchange calendars cover 1990 (or the earliest date
    the exchange data supports) to two years from today. Unknown names raise ConfigError.
    """
    key = name.strip().upper()
    if key in ALWAYS_OPEN_NAMES:
        return _build("24/7")
    canonical = _exchange_names().get(key)
    if canonical is None:
        raise ConfigError(
            f"unknown trading calendar {name!r}; use an exchange_calendars name such as "
            f"XNYS, XNAS, XLON, XTKS or XHKG, or '24/7' for a market that never closes"
        )
    return _build(xcals.resolve_alias(canonical))


@functools.cache
def _exchange_names() -> dict[str, str]:
    """Map upper-cased exchange_calendars names and aliases to their real spelling."""
    return {n.upper(): n for n in xcals.get_calendar_names(include_aliases=True)}


@functools.cache
def _build(canonical: str) -> TradingCalendar:
    """Construct the calendar once per canonical name, over our full supported range."""
    # exchange_calendars has no public way to read a calendar class's date bounds.
    factory = xcals.calendar_utils._default_calendar_factories[canonical]
    start = max(_EARLIEST, factory.bound_min() or _EARLIEST)
    # To the end of a year, so the cached calendar serves a whole year of runs.
    end = pd.Timestamp(year=pd.Timestamp.now(tz="UTC").year + _YEARS_AHEAD, month=12, day=31)
    if (bound_max := factory.bound_max()) is not None:
        end = min(end, bound_max)
    exchange = _exchange_calendar(canonical, start, end)
    always_open = canonical == "24/7"
    return TradingCalendar(
        name=exchange.name,
        always_open=always_open,
        periods_per_year=365 if always_open else 252,
        first_day=start.tz_localize("UTC"),
        last_day=end.tz_localize("UTC"),
        exchange=exchange,
    )


def _exchange_calendar(
    canonical: str, start: pd.Timestamp, end: pd.Timestamp
) -> xcals.ExchangeCalendar:
    """exchange_calendars' calendar ``canonical`` from ``start`` to ``end``: loaded from
    the ``calendars`` folder of RustyBT's data directory when a run built it before (a
    build takes about 0.1 s, a load 0.01 s), else built and stored there for the next run.
    A cache file that cannot be read is built again; one that cannot be written is skipped."""
    from rustybt.atomic_files import atomic_path
    from rustybt.data.store import data_root

    stem = f"{canonical.replace('/', '-')}-{start:%Y%m%d}-{end:%Y%m%d}"
    path = data_root() / "calendars" / f"{stem}-xcals-{xcals.__version__}.pickle"
    cached = _cached_calendar(path)
    if cached is not None:
        return cached
    exchange = xcals.get_calendar(canonical, start=start, end=end)
    with contextlib.suppress(OSError):  # an unwritable cache only costs the next run a build
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            temporary.write_bytes(pickle.dumps(exchange))
    return exchange


def _cached_calendar(path: Path) -> xcals.ExchangeCalendar | None:
    """The calendar stored at ``path``, or None when there is none; a file that does not
    load (damaged, or written by another library version) is removed."""
    try:
        with path.open("rb") as file:
            cached = pickle.load(file)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        path.unlink(missing_ok=True)
        return None
    return cached if isinstance(cached, xcals.ExchangeCalendar) else None


def _naive(sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Drop the UTC zone from session labels, as exchange_calendars indexes sessions."""
    return sessions.tz_convert("UTC").tz_localize(None) if sessions.tz is not None else sessions


def _nanos(column: pd.api.extensions.ExtensionArray) -> npt.NDArray[np.int64]:
    """Return UTC datetimes as int64 nanoseconds since the epoch (NaT: int64 min)."""
    return pd.DatetimeIndex(column).asi8
