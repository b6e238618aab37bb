"""Optuna's search over a sweep's grid (``rustybt sweep --optuna N``): seeded, asked in
fixed batches, every trial a grid point, quiet, and a clear error without optuna."""

from __future__ import annotations

import datetime
import math
import subprocess
import sys

import pytest
from rustybt.errors import ConfigError
from rustybt.sweep.space import OptunaSearch, parse_space
from rustybt.sweep.task import RunOutcome, SweepRun

pytest.importorskip("optuna")

SPACE = parse_space(["fast=5:50:5", "slow=50:300:25", "w=0.5:1.0:0.25", "on=true,false"])


def outcomes_of(points, first_number, score):
    """The outcomes of ``points`` run as runs ``first_number`` on, scored by ``score``."""
    outcomes = []
    for number, point in enumerate(points, start=first_number):
        run = SweepRun(number=number, params=point, start="2006-01-03", end="2006-12-29")
        value = score(point)
        if value is None:
            outcomes.append(RunOutcome(run=run, error="StrategyError: boom"))
        else:
            outcomes.append(RunOutcome(run=run, metrics={"sharpe": value}))
    return outcomes


def peak_at_20_150(point):
    """A made-up objective with its peak at fast=20, slow=150; slow=300 fails, w=1.0 is NaN."""
    if point["slow"] == 300:
        return None
    if point["w"] == 1.0:
        return math.nan
    return -abs(point["fast"] - 20) - abs(point["slow"] - 150) / 10


def search(trials, seed):
    """Every batch a search asks, told by :func:`peak_at_20_150`."""
    optuna_search = OptunaSearch(SPACE, trials=trials, objective="sharpe", seed=seed)
    batches = []
    while batch := optuna_search.ask():
        batches.append(batch)
        optuna_search.tell(outcomes_of(batch, sum(map(len, batches)), peak_at_20_150))
    return batches


def test_the_same_seed_and_outcomes_ask_the_same_trials():
    first, second = search(30, seed=11), search(30, seed=11)
    assert first == second
    assert search(30, seed=12) != first


def test_trials_come_in_batches_of_eight_and_stop_at_the_count():
    assert [len(batch) for batch in search(20, seed=1)] == [8, 8, 4]


def test_every_trial_is_a_point_of_the_grid():
    grid = SPACE.grid()
    points = [point for batch in search(24, seed=3) for point in batch]
    assert all(point in grid for point in points)
    assert all(type(point["fast"]) is int and type(point["w"]) is float for point in points)


def test_dates_are_suggested_among_the_axis_dates():
    space = parse_space(["day=2006-01-03,2007-01-03", "fast=10,20"])
    batch = OptunaSearch(space, trials=8, objective="cagr", seed=0).ask()
    assert {point["day"] for point in batch} <= {
        datetime.date(2006, 1, 3),
        datetime.date(2007, 1, 3),
    }


def test_failed_and_nan_runs_are_failed_trials():
    import optuna

    optuna_search = OptunaSearch(SPACE, trials=16, objective="sharpe", seed=5)
    while batch := optuna_search.ask():
        optuna_search.tell(outcomes_of(batch, 0, peak_at_20_150))
    study = optuna_search._study
    failed = [trial for trial in study.trials if trial.state == optuna.trial.TrialState.FAIL]
    assert {(t.params["slow"] == 300 or t.params["w"] == 1.0) for t in failed} == {True}
    assert len(study.trials) == 16


def test_the_search_writes_nothing_to_stderr(capfd):
    search(10, seed=2)
    assert capfd.readouterr().err == ""


def test_a_bad_trial_count_or_objective_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^--optuna 0: give the number of trials, 1 or more"):
        OptunaSearch(SPACE, trials=0, objective="sharpe", seed=0)
    with pytest.raises(ConfigError, match=r"^--objective sharp: no such metric"):
        OptunaSearch(SPACE, trials=5, objective="sharp", seed=0)


WITHOUT_OPTUNA = """
import sys
sys.modules["optuna"] = None
from rustybt.errors import ConfigError
from rustybt.sweep.space import OptunaSearch, parse_space
try:
    OptunaSearch(parse_space(["fast=10,20"]), trials=4, objective="sharpe", seed=0)
except ConfigError as error:
    print(error)
"""


def test_without_optuna_the_error_says_how_to_install_it():
    shown = subprocess.run(
        [sys.executable, "-c", WITHOUT_OPTUNA], capture_output=True, text=True, check=True
    ).stdout
    assert shown.startswith("--optuna needs optuna, which is not installed: run `")
    assert "rustybt-core[optuna]" in shown
