"""Zipline-compatible rules for ``schedule_function``: on which sessions, at what time.

Strategies build rules through the :data:`date_rules` and :data:`time_rules` namespaces,
exactly as in Zipline::

    schedule_function(rebalance, date_rules.week_start(days_offset=1),
                      time_rules.market_open(hours=1))

A **date rule** picks sessions; :meth:`DateRule.session_mask` evaluates it over a whole
sessions index at once. A **time rule** picks the algorithm time within each chosen
session; the algorithm time of a minute bar is its *close* (bar open + 1 minute), so the
first bar of a 14:30 UTC open is seen at 14:31 UTC.

As in Zipline, a scheduled function runs at most once per "day" of its own
(:func:`once_per_day`): a day lasts 24 hours from the bar that began it, so in a daily run
an early close that directly follows a session on which the function ran is part of that
session's day, and a minute rule that picks every minute runs at the first one only.
"""

from __future__ import annotations

import datetime
from typing import ClassVar, Literal, Protocol

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "AfterOpen",
    "BeforeClose",
    "DateRule",
    "EveryDay",
    "EveryMinute",
    "NthSessionOfPeriod",
    "TimeRule",
    "calendars",
    "date_rules",
    "once_per_day",
    "time_rules",
]

Period = Literal["week", "month"]

#: Largest ``days_offset`` + 1 per period, as in Zipline (MAX_WEEK_RANGE, MAX_MONTH_RANGE).
_OFFSET_LIMITS: dict[Period, int] = {"week": 5, "month": 23}
_ONE_MINUTE = pd.Timedelta(minutes=1)
_DAY_NS = 86_400 * 10**9


class DateRule(Protocol):
    """Chooses the sessions on which a scheduled function runs."""

    def session_mask(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Return, for each label in the sorted ``sessions``, True when the rule fires."""
        ...


@attrs.frozen
class EveryDay:
    """Fires on every session (Zipline's ``date_rules.every_day()``)."""

    def session_mask(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Return all True: every session fires."""
        return np.ones(len(sessions), dtype=bool)


@attrs.frozen(kw_only=True)
class NthSessionOfPeriod:
    """Fires on the n-th session of each calendar week or month, counted from either end.

    ``period="week"`` groups sessions by ISO week (Monday to Sunday), ``"month"`` by
    calendar month. With ``from_end=False`` the rule fires on the session ``n`` sessions
    after the period's first session (Zipline's ``week_start``/``month_start``); with
    ``from_end=True``, ``n`` sessions before its last one (``week_end``/``month_end``).
    A period with ``n`` or fewer sessions does not fire at all.

    Periods are judged by the sessions passed to :meth:`session_mask`, not by the whole
    exchange calendar. Zipline judges by its whole calendar, so to match it when a
    backtest starts or ends inside a week or month, pass sessions covering the complete
    first and last periods and keep only the part of the mask you need.
    """

    period: Period
    from_end: bool
    n: int = attrs.field(validator=attrs.validators.instance_of(int))

    @n.validator
    def _check_n(self, _: attrs.Attribute[int], n: int) -> None:
        limit = _OFFSET_LIMITS[self.period]
        if not 0 <= n < limit:
            raise ValueError(
                f"days_offset must be between 0 and {limit - 1} for {self.period} rules, got {n}"
            )

    def session_mask(self, sessions: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Return True on the sessions that are the n-th of their period (see class doc)."""
        days = sessions.tz_localize(None) if sessions.tz is not None else sessions
        if self.period == "week":
            keys = (days - pd.to_timedelta(days.day_of_week, unit="D")).asi8
        else:
            keys = (days.year * 12 + days.month).to_numpy()
        return _rank_in_group(keys, from_end=self.from_end) == self.n


def _rank_in_group(keys: npt.NDArray[np.int64], *, from_end: bool) -> npt.NDArray[np.intp]:
    """Return each element's distance from the first (or last) element of its run of keys.

    ``keys`` must be sorted so equal keys are adjacent: [7, 7, 9, 9, 9] ranks as
    [0, 1, 0, 1, 2] from the start and [1, 0, 2, 1, 0] from the end.
    """
    if from_end:
        return _rank_in_group(keys[::-1], from_end=False)[::-1]
    positions = np.arange(len(keys))
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    return positions - np.maximum.accumulate(np.where(starts, positions, 0))


@attrs.frozen
class AfterOpen:
    """Fires once per session, ``offset`` after the open (Zipline's ``market_open``).

    ``offset`` defaults to one minute, the close of the first minute bar. An offset longer
    than a session (say ``hours=7`` on an NYSE half day) gives a time after the close; no
    bar is seen then, so the rule does not fire that session. Nothing is clamped.
    """

    every_minute: ClassVar[Literal[False]] = False
    offset: pd.Timedelta = _ONE_MINUTE

    def fire_times(self, opens: pd.DatetimeIndex, closes: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Return ``opens + offset``: the algorithm time the rule fires in each session."""
        return opens + self.offset


@attrs.frozen
class BeforeClose:
    """Fires once per session, ``offset`` before the close (Zipline's ``market_close``).

    ``offset`` defaults to one minute, so the rule fires at the close of the second-to-last
    minute bar (15:59 New York time on a normal NYSE day, 12:59 on a half day), leaving the
    last bar to fill orders placed. An offset longer than the session gives a time before
    the open and the rule does not fire that session. Nothing is clamped.
    """

    every_minute: ClassVar[Literal[False]] = False
    offset: pd.Timedelta = _ONE_MINUTE

    def fire_times(self, opens: pd.DatetimeIndex, closes: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Return ``closes - offset``: the algorithm time the rule fires in each session."""
        return closes - self.offset


@attrs.frozen
class EveryMinute:
    """Fires at every minute bar of a chosen session (Zipline's ``every_minute``).

    It has no ``fire_times``: the engine sees ``every_minute`` is True and runs the
    function on each bar of the session.
    """

    every_minute: ClassVar[Literal[True]] = True


TimeRule = AfterOpen | BeforeClose | EveryMinute
"""A time rule; check ``rule.every_minute`` before calling ``rule.fire_times``."""


class date_rules:  # lower case so strategies read exactly like Zipline's
    """Factories for date rules, named and parameterised as in ``zipline.api.date_rules``.

    ``days_offset`` must be 0..4 for week rules and 0..22 for month rules; anything else
    raises ValueError, as in Zipline.
    """

    @staticmethod
    def every_day() -> EveryDay:
        """Fire on every session."""
        return EveryDay()

    @staticmethod
    def week_start(days_offset: int = 0) -> NthSessionOfPeriod:
        """Fire on the session ``days_offset`` sessions after each week's first session."""
        return NthSessionOfPeriod(period="week", from_end=False, n=days_offset)

    @staticmethod
    def week_end(days_offset: int = 0) -> NthSessionOfPeriod:
        """Fire on the session ``days_offset`` sessions before each week's last session."""
        return NthSessionOfPeriod(period="week", from_end=True, n=days_offset)

    @staticmethod
    def month_start(days_offset: int = 0) -> NthSessionOfPeriod:
        """Fire on the session ``days_offset`` sessions after each month's first session."""
        return NthSessionOfPeriod(period="month", from_end=False, n=days_offset)

    @staticmethod
    def month_end(days_offset: int = 0) -> NthSessionOfPeriod:
        """Fire on the session ``days_offset`` sessions before each month's last session."""
        return NthSessionOfPeriod(period="month", from_end=True, n=days_offset)


class time_rules:  # lower case so strategies read exactly like Zipline's
    """Factories for time rules, named and parameterised as in ``zipline.api.time_rules``.

    The offset is given either as ``offset`` (a ``datetime.timedelta`` or ``pd.Timedelta``)
    or as ``hours`` and/or ``minutes``, never both (ValueError). It must be a positive whole
    number of minutes (ValueError), since rules fire on minute-bar closes. Unlike Zipline
    there is no 12-hour cap, so 24/7 calendars can schedule late in their day.
    """

    @staticmethod
    def market_open(
        offset: datetime.timedelta | None = None,
        hours: int | None = None,
        minutes: int | None = None,
    ) -> AfterOpen:
        """Fire ``offset`` after the open; by default at the first bar's close (open + 1m)."""
        return AfterOpen(_build_offset(offset, hours, minutes))

    @staticmethod
    def market_close(
        offset: datetime.timedelta | None = None,
        hours: int | None = None,
        minutes: int | None = None,
    ) -> BeforeClose:
        """Fire ``offset`` before the close; by default one minute before it (close - 1m)."""
        return BeforeClose(_build_offset(offset, hours, minutes))

    @staticmethod
    def every_minute() -> EveryMinute:
        """Fire at every minute bar."""
        return EveryMinute()


def _build_offset(
    offset: datetime.timedelta | None, hours: int | None, minutes: int | None
) -> pd.Timedelta:
    """Combine Zipline's three ways of giving an offset into one checked ``pd.Timedelta``."""
    if offset is not None and (hours is not None or minutes is not None):
        raise ValueError("give either offset or hours/minutes, not both")
    if offset is None:
        if hours is None and minutes is None:
            return _ONE_MINUTE
        offset = pd.Timedelta(hours=hours or 0, minutes=minutes or 0)
    if not isinstance(offset, datetime.timedelta):
        raise TypeError(f"offset must be a datetime.timedelta, got {type(offset).__name__}")
    checked = pd.Timedelta(offset)
    if checked < _ONE_MINUTE or checked % _ONE_MINUTE:
        raise ValueError(f"offset must be a positive whole number of minutes, got {checked}")
    return checked


class calendars:
    """Zipline's names for ``schedule_function(calendar=...)``. A run follows one trading
    calendar, its own, whichever is given."""

    US_EQUITIES = "US_EQUITIES"
    US_FUTURES = "US_FUTURES"


def once_per_day(
    rule_bars: npt.NDArray[np.int64], bar_times_ns: npt.NDArray[np.int64], first_checked: int
) -> npt.NDArray[np.int64]:
    """The bars at which a scheduled function runs, of the sorted ``rule_bars`` at which
    its date and time rules hold, as Zipline's ``OncePerDay`` lets it: the rules are
    checked at every bar from ``first_checked`` on (``bar_times_ns``: each bar's time,
    increasing); a "day" begins at that bar and, after it, at the first bar at least 24
    hours after the day's beginning; the function runs at the first rule bar of each day.

    So in a daily run (a bar per session close) a half day closing less than 24 hours
    after a session on which the function ran does not run it (Zipline's 2012-07-03), while
    a half day after a holiday does; in a minute run the days begin at each session's first
    minute and only every-minute rules lose bars (they run at each day's first one)."""
    rule_bars = rule_bars[rule_bars >= first_checked]
    if not len(rule_bars):
        return rule_bars
    day_starts = []
    bar, last = first_checked, int(rule_bars[-1])
    while bar <= last:
        day_starts.append(bar)
        bar = int(np.searchsorted(bar_times_ns, bar_times_ns[bar] + _DAY_NS))
    day = np.searchsorted(np.asarray(day_starts, dtype=np.int64), rule_bars, side="right")
    first_of_day = np.ones(len(rule_bars), dtype=bool)
    first_of_day[1:] = day[1:] != day[:-1]
    return rule_bars[first_of_day]
