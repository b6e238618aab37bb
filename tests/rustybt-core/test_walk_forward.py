"""Walk-forward folds: ``--walk-forward train=…,test=…`` read, its folds planned on a
calendar's sessions, and the best training run of a fold chosen."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from rustybt.errors import ConfigError
from rustybt.sweep.task import RunOutcome, SweepRun
from rustybt.sweep.walk_forward import (
    Fold,
    WalkForward,
    best_run,
    parse_walk_forward,
    plan_folds,
)


def test_windows_are_read_in_days_weeks_months_and_years():
    assert parse_walk_forward("train=3y,test=1y") == WalkForward(
        train=pd.DateOffset(years=3), test=pd.DateOffset(years=1), text="train=3y,test=1y"
    )
    spec = parse_walk_forward("test=2w, train=18m")
    assert (spec.train, spec.test) == (pd.DateOffset(months=18), pd.DateOffset(weeks=2))
    assert parse_walk_forward("train=90d,test=30d").test == pd.DateOffset(days=30)


@pytest.mark.parametrize(
    "text",
    ["train=3y", "train=3y,test=1y,test=2y", "train=3x,test=1y", "train=0y,test=1y", "3y,1y", ""],
)
def test_bad_windows_name_the_option_and_the_form(text):
    with pytest.raises(ConfigError) as error:
        parse_walk_forward(text)
    assert str(error.value) == (
        f"--walk-forward {text}: give train=LENGTH,test=LENGTH, each a whole number of d, w, "
        "m or y (days, weeks, months, years), such as --walk-forward train=3y,test=1y"
    )


def test_folds_step_by_the_test_window_on_exchange_sessions():
    folds = plan_folds(parse_walk_forward("train=2y,test=1y"), "2005-01-01", "2008-12-31", "XNYS")
    # 2005-01-01 is a Saturday and 2007-01-01, 2008-01-01 holidays: each window starts on
    # its first session and ends on the last session before the next window.
    assert folds == [
        Fold(0, "2005-01-03", "2006-12-29", "2007-01-03", "2007-12-31"),
        Fold(1, "2006-01-03", "2007-12-31", "2008-01-02", "2008-12-31"),
    ]


def test_a_test_window_that_would_pass_the_end_is_no_fold():
    spec = parse_walk_forward("train=2y,test=1y")
    assert len(plan_folds(spec, "2005-01-01", "2008-12-30", "XNYS")) == 1
    assert plan_folds(spec, "2005-01-01", "2008-12-30", "XNYS") == plan_folds(
        spec, "2005-01-01", "2008-12-30", "XNYS"
    )


def test_folds_on_a_calendar_that_never_closes_include_weekends():
    folds = plan_folds(parse_walk_forward("train=2w,test=1w"), "2024-01-06", "2024-02-02", "24/7")
    assert folds == [
        Fold(0, "2024-01-06", "2024-01-19", "2024-01-20", "2024-01-26"),
        Fold(1, "2024-01-13", "2024-01-26", "2024-01-27", "2024-02-02"),
    ]


def test_monthly_folds_keep_to_calendar_months():
    # Every boundary is counted from the start, so a fold starting on the 31st does not
    # drift to the 29th after February.
    folds = plan_folds(parse_walk_forward("train=1m,test=1m"), "2024-01-31", "2024-05-30", "24/7")
    assert [(fold.test_start, fold.test_end) for fold in folds] == [
        ("2024-02-29", "2024-03-30"),
        ("2024-03-31", "2024-04-29"),
        ("2024-04-30", "2024-05-30"),
    ]


def test_no_fold_fitting_is_an_error_saying_what_to_change():
    with pytest.raises(ConfigError) as error:
        plan_folds(parse_walk_forward("train=3y,test=1y"), "2010-01-01", "2012-12-31", "XNYS")
    assert str(error.value) == (
        "--walk-forward train=3y,test=1y: no fold fits from 2010-01-01 to 2012-12-31, a fold "
        "being its training then its test window; give an earlier --start, a later --end or "
        "shorter windows"
    )


def test_a_window_without_a_session_is_an_error():
    with pytest.raises(ConfigError, match=r"fold 0's test window from 2024-01-06 holds no XNYS"):
        plan_folds(parse_walk_forward("train=5d,test=1d"), "2024-01-01", "2024-01-31", "XNYS")


def test_a_date_that_is_not_one_is_an_error():
    with pytest.raises(ConfigError, match=r"^--start 2024-13-01: not a date; give YYYY-MM-DD$"):
        plan_folds(parse_walk_forward("train=1y,test=1y"), "2024-13-01", "2026-01-01", "XNYS")


def outcome(number: int, sharpe: float, error: str | None = None) -> RunOutcome:
    run = SweepRun(number=number, params={"fast": number}, start="2005-01-03", end="2006-12-29")
    return RunOutcome(run=run, metrics={} if error else {"sharpe": sharpe}, error=error)


def test_the_best_run_has_the_highest_objective_the_lowest_number_among_equals():
    outcomes = [outcome(3, 0.5), outcome(1, 1.2), outcome(2, 1.2), outcome(0, math.nan)]
    assert best_run(outcomes, "sharpe").run.number == 1


def test_failed_runs_are_never_the_best():
    assert best_run([outcome(0, 0.0, error="boom"), outcome(1, -2.0)], "sharpe").run.number == 1
    assert best_run([outcome(0, 0.0, error="boom")], "sharpe") is None
    assert best_run([], "sharpe") is None
