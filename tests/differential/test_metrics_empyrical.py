"""rustybt.analytics.risk gives empyrical-reloaded's figures, to 1e-10.

empyrical is installed in the zipline oracle's environment (``RUSTYBT_ZIPLINE_PYTHON``); one
subprocess computes every metric there on a handful of deterministic return series, and each
of ours must match it: equal NaN for NaN, equal infinities, numbers within 1e-10 relative or
absolute. The answers take a second to compute, so they are not cached.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from harness import ORACLE_PYTHON
from rustybt.analytics import risk

TOLERANCE = 1e-10


def _series() -> dict[str, tuple[list[float], list[float]]]:
    """Returns and benchmark returns by case name."""
    rng = np.random.default_rng(20261206)
    market = rng.normal(0.0003, 0.011, 504)
    strategy = 0.0002 + 0.8 * market + rng.normal(0.0, 0.006, 504)
    gappy, gappy_market = strategy[:120].copy(), market[:120].copy()
    gappy[[0, 7, 30, 31, 99]] = np.nan
    gappy_market[[7, 50, 119]] = np.nan
    gains = rng.uniform(0.001, 0.02, 60)
    losses = rng.uniform(-0.02, -0.001, 60)
    return {
        "random": (strategy, market),
        "with_nans": (gappy, gappy_market),
        "all_positive": (gains, losses),
        "all_negative": (losses, gains),
        "short": (np.array([0.01, -0.02, 0.005]), np.array([0.004, -0.01, 0.002])),
        "two": (np.array([0.03, -0.01]), np.array([0.01, 0.02])),
        "one": (np.array([0.01]), np.array([0.02])),
        "empty": (np.array([]), np.array([])),
        "constant": (np.full(20, 0.001), np.full(20, 0.002)),
        "flat": (np.zeros(30), market[:30]),
        "all_nan": (np.full(5, np.nan), market[:5]),
        "wipeout": (np.array([0.1, -1.0, 0.0, 0.05]), market[:4]),
    }


CALLS: list[tuple[str, dict[str, Any], bool]] = [
    ("cum_returns_final", {}, False),
    ("annual_return", {}, False),
    ("annual_return", {"annualization": 52}, False),
    ("annual_volatility", {}, False),
    ("annual_volatility", {"annualization": 12}, False),
    ("sharpe_ratio", {}, False),
    ("sharpe_ratio", {"risk_free": 0.0001}, False),
    ("sortino_ratio", {}, False),
    ("sortino_ratio", {"required_return": 0.0002, "annualization": 52}, False),
    ("downside_risk", {}, False),
    ("downside_risk", {"required_return": -0.001}, False),
    ("calmar_ratio", {}, False),
    ("max_drawdown", {}, False),
    ("omega_ratio", {}, False),
    ("omega_ratio", {"risk_free": 0.0001, "required_return": 0.1}, False),
    ("omega_ratio", {"required_return": 0.001, "annualization": 1}, False),
    ("tail_ratio", {}, False),
    ("stability_of_timeseries", {}, False),
    ("value_at_risk", {}, False),
    ("value_at_risk", {"cutoff": 0.1}, False),
    ("conditional_value_at_risk", {}, False),
    ("conditional_value_at_risk", {"cutoff": 0.2}, False),
    ("alpha", {}, True),
    ("alpha", {"risk_free": 0.0001, "annualization": 12}, True),
    ("beta", {}, True),
    ("alpha_beta", {}, True),
    ("roll_sharpe_ratio", {"window": 20}, False),
    ("roll_sharpe_ratio", {"window": 10, "risk_free": 0.0001}, False),
    ("roll_annual_volatility", {"window": 20}, False),
    ("roll_beta", {"window": 20}, True),
]
"""Each metric as ``(empyrical's name, keyword arguments in empyrical's spelling, whether it
takes the benchmark)``; ours spells ``annualization`` as ``periods_per_year``."""

ORACLE = """
import json, sys, warnings
import numpy as np
import empyrical

warnings.simplefilter("ignore")
request = json.load(sys.stdin)
answers = []
for returns, benchmark in request["series"]:
    returns, benchmark = np.array(returns, dtype=float), np.array(benchmark, dtype=float)
    for name, kwargs, paired in request["calls"]:
        args = (returns, benchmark) if paired else (returns,)
        answers.append(np.asarray(getattr(empyrical, name)(*args, **kwargs), float).tolist())
json.dump(answers, sys.stdout)
"""


def _ours(name: str, kwargs: dict[str, Any], paired: bool) -> Callable[..., Any]:
    ours = {"periods_per_year" if k == "annualization" else k: v for k, v in kwargs.items()}
    function = getattr(risk, name)
    return lambda returns, benchmark: (
        function(returns, benchmark, **ours) if paired else function(returns, **ours)
    )


@pytest.fixture(scope="module")
def empyrical_answers() -> dict[tuple[str, int], Any]:
    """empyrical's answer for each case name and index into CALLS."""
    python = os.environ.get(ORACLE_PYTHON)
    if not python:
        pytest.skip(f"no oracle: run `nox -s differential` (it sets {ORACLE_PYTHON})")
    series = _series()
    request = {
        "series": [[list(r), list(b)] for r, b in series.values()],
        "calls": CALLS,
    }
    ran = subprocess.run(
        [python, "-c", ORACLE],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ran.returncode:
        pytest.fail(f"empyrical could not run ({python}):\n{ran.stderr[-3000:]}")
    answers = iter(json.loads(ran.stdout))
    return {(case, index): next(answers) for case in series for index in range(len(CALLS))}


def _agree(ours: float, theirs: float) -> bool:
    if math.isnan(theirs) or math.isinf(theirs):
        return math.isnan(ours) if math.isnan(theirs) else ours == theirs
    return math.isclose(ours, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


@pytest.mark.parametrize("case", list(_series()))
def test_every_metric_matches_empyrical(
    case: str, empyrical_answers: dict[tuple[str, int], Any]
) -> None:
    returns, benchmark = _series()[case]
    mismatches = []
    for index, (name, kwargs, paired) in enumerate(CALLS):
        theirs = np.atleast_1d(np.asarray(empyrical_answers[case, index], dtype=np.float64))
        ours = np.atleast_1d(np.asarray(_ours(name, kwargs, paired)(returns, benchmark)))
        if ours.shape != theirs.shape or not all(map(_agree, ours, theirs)):
            mismatches.append(f"{name}{kwargs}: ours {ours.tolist()}, theirs {theirs.tolist()}")
    assert not mismatches, "\n".join(mismatches)


def test_the_cases_reach_every_edge(empyrical_answers: dict[tuple[str, int], Any]) -> None:
    """The cases are worth comparing: empyrical gives NaN, infinities and numbers among them."""
    values = [
        value
        for answer in empyrical_answers.values()
        for value in np.atleast_1d(np.asarray(answer, dtype=np.float64))
    ]
    assert any(math.isnan(v) for v in values)
    assert any(math.isinf(v) for v in values)
    assert sum(math.isfinite(v) and v != 0 for v in values) > 200
