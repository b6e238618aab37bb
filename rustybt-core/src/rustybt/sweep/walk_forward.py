"""Walk-forward folds (``--walk-forward train=3y,test=1y``): windows that train a strategy's
parameters on one stretch of history and test the best of them on the stretch after it,
stepping forward by the test window each fold."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs
import pandas as pd

from rustybt.calendars import get_calendar
from rustybt.errors import ConfigError
from rustybt.sweep.metrics import objective_value
from rustybt.sweep.task import RunOutcome

_LENGTH = re.compile(r"([1-9]\d*)([dwmy])")
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


@attrs.frozen
class WalkForward:
    """The lengths of a fold's training and test windows, and the option's ``text``."""

    train: pd.DateOffset
    test: pd.DateOffset
    text: str


def parse_walk_forward(text: str) -> WalkForward:
    """The windows of ``--walk-forward text``: ``train=3y,test=1y``, each a whole number of
    days (``d``), weeks (``w``), months (``m``) or years (``y``).

    Raises:
        ConfigError: anything else.
    """
    lengths: dict[str, pd.DateOffset] = {}
    for part in text.split(","):
        key, equals, length = (piece.strip() for piece in part.partition("="))
        match = _LENGTH.fullmatch(length.lower())
        if not equals or key not in ("train", "test") or key in lengths or match is None:
            break
        lengths[key] = pd.DateOffset(**{_UNITS[match[2]]: int(match[1])})
    else:
        if len(lengths) == 2:
            return WalkForward(train=lengths["train"], test=lengths["test"], text=text.strip())
    raise ConfigError(
        f"--walk-forward {text}: give train=LENGTH,test=LENGTH, each a whole number of d, w, m "
        "or y (days, weeks, months, years), such as --walk-forward train=3y,test=1y"
    )


@attrs.frozen
class Fold:
    """One fold: its ``number`` (from 0) and the first and last sessions (YYYY-MM-DD) of
    its training and test windows."""

    number: int
    train_start: str
    train_end: str
    test_start: str
    test_end: str


def plan_folds(spec: WalkForward, start: str, end: str, calendar: str) -> list[Fold]:
    """The folds of ``spec`` from ``start`` to ``end`` (YYYY-MM-DD), on ``calendar``'s
    sessions.

    Fold ``k`` trains on the dates from ``start + k·test`` for ``train`` and tests on the
    ``test`` after them; each window runs from its first session on or after its first day
    to its last session before the next window's first day. Folds stop before one whose
    test window would end after ``end``.

    Raises:
        ConfigError: a date cannot be read or is outside the calendar, not even one fold
            fits between ``start`` and ``end``, or a window holds no session.
    """
    sessions = get_calendar(calendar)
    first, last = _date(start, "--start"), _date(end, "--end")
    folds: list[Fold] = []
    while True:
        k = len(folds)
        train_from = _shifted(first, (spec.test, k))
        test_from = _shifted(first, (spec.test, k), (spec.train, 1))
        test_until = _shifted(first, (spec.test, k + 1), (spec.train, 1))
        if test_until - pd.Timedelta(days=1) > last:
            break
        train = sessions.sessions(train_from, test_from - pd.Timedelta(days=1))
        test = sessions.sessions(test_from, test_until - pd.Timedelta(days=1))
        if len(train) == 0 or len(test) == 0:
            raise ConfigError(
                f"--walk-forward {spec.text}: fold {len(folds)}'s "
                f"{'training' if len(train) == 0 else 'test'} window from "
                f"{(train_from if len(train) == 0 else test_from).date()} holds no "
                f"{sessions.name} session; give longer windows"
            )
        folds.append(
            Fold(
                number=len(folds),
                train_start=_day(train[0]),
                train_end=_day(train[-1]),
                test_start=_day(test[0]),
                test_end=_day(test[-1]),
            )
        )
    if not folds:
        raise ConfigError(
            f"--walk-forward {spec.text}: no fold fits from {first.date()} to {last.date()}, "
            "a fold being its training then its test window; give an earlier --start, a "
            "later --end or shorter windows"
        )
    return folds


def _shifted(day: pd.Timestamp, *lengths: tuple[pd.DateOffset, int]) -> pd.Timestamp:
    """``day`` moved by the sum of each length times its count, in one step from ``day``,
    so that month ends do not drift: 2024-01-31 + 2 × 1m is 2024-03-31, not 03-29."""
    units: dict[str, int] = {}
    for length, count in lengths:
        for unit, amount in length.kwds.items():
            units[unit] = units.get(unit, 0) + amount * count
    return day + pd.DateOffset(**units)


def _date(text: str, option: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text).normalize().tz_localize(None)
    except (ValueError, TypeError):
        raise ConfigError(f"{option} {text}: not a date; give YYYY-MM-DD") from None


def _day(session: pd.Timestamp) -> str:
    return f"{session:%Y-%m-%d}"


def best_run(outcomes: Sequence[RunOutcome], objective: str) -> RunOutcome | None:
    """The outcome with the highest ``objective`` (:func:`objective_value`) among those
    that did not fail, the lowest run number among equals; None when every run failed."""
    finished = [outcome for outcome in outcomes if outcome.error is None]
    if not finished:
        return None
    return max(
        finished,
        key=lambda outcome: (objective_value(outcome.metrics, objective), -outcome.run.number),
    )
