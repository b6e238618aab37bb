"""A backtest says where its time went: loading, simulating, building the results."""

from __future__ import annotations

import time

from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order_target_percent, symbol
from rustybt.backtest import run_backtest

PAUSE = 0.05


def paused_strategy() -> TradingAlgorithm:
    """Pauses once while loading (``initialize``) and once while building the results
    (``analyze``), so each phase is known to take at least ``PAUSE``."""

    def initialize(context):
        context.asset = symbol("AAPL")
        time.sleep(PAUSE)

    def handle_data(context, data):
        order_target_percent(context.asset, 0.5)

    def analyze(context, perf):
        time.sleep(PAUSE)

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data, analyze=analyze)


def test_each_phase_is_timed_where_it_happens_and_they_add_up_to_the_run() -> None:
    began = time.perf_counter()
    result = run_backtest(paused_strategy(), start="2006-01-03", end="2006-03-31")
    wall = time.perf_counter() - began
    timings = result.timings
    assert timings is not None
    assert timings.load >= PAUSE
    assert timings.results >= PAUSE
    assert timings.simulate > 0
    assert timings.load + timings.simulate + timings.results <= wall


def test_the_json_form_reports_the_phases_in_seconds() -> None:
    result = run_backtest(paused_strategy(), start="2006-01-03", end="2006-01-31")
    reported = result.to_dict()["timings"]
    assert set(reported) == {"load", "simulate", "results"}
    assert reported["load"] == result.timings.load
