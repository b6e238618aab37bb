"""Trading controls refuse offending orders: by failing the run, or by skipping the order."""

from __future__ import annotations

import pytest
from rustybt.api import (
    order,
    set_long_only,
    set_max_leverage,
    set_max_order_count,
    set_max_order_size,
    set_max_position_size,
    symbol,
)
from rustybt.errors import StrategyCodeError


def strategy(setup, trades):
    def initialize(context):
        context.asset = symbol("AAA")
        context.bar = 0
        setup()

    def handle_data(context, data):
        for amount in trades.get(context.bar, []):
            order(context.asset, amount)
        context.bar += 1

    return {"initialize": initialize, "handle_data": handle_data}


def test_an_order_above_the_max_size_fails_the_run_at_the_strategy_line(run_strategy) -> None:
    with pytest.raises(StrategyCodeError, match="order of 150 AAA exceeds max order size 100"):
        run_strategy(
            {"AAA": [10] * 4}, **strategy(lambda: set_max_order_size(max_shares=100), {0: [150]})
        )


def test_on_error_log_warns_and_places_the_order_as_zipline_does(run_strategy, caplog) -> None:
    result = run_strategy(
        {"AAA": [10] * 4},
        **strategy(lambda: set_max_order_size(max_notional=1000, on_error="log"), {0: [150, 50]}),
    )
    assert sum(int(t.amount) for t in result.transactions) == 150 + 50
    assert "order placed, on_error='log'" in caplog.text


def test_position_size_counts_what_is_already_held(run_strategy) -> None:
    with pytest.raises(StrategyCodeError, match="position of 120 AAA would exceed"):
        run_strategy(
            {"AAA": [10] * 5},
            **strategy(lambda: set_max_position_size(max_shares=100), {0: [60], 2: [60]}),
        )


def test_long_only_refuses_a_short(run_strategy) -> None:
    with pytest.raises(StrategyCodeError, match="would go short"):
        run_strategy({"AAA": [10] * 3}, **strategy(set_long_only, {0: [-5]}))


def test_max_order_count_per_session(run_strategy) -> None:
    with pytest.raises(StrategyCodeError, match="more than 2 orders today"):
        run_strategy({"AAA": [10] * 3}, **strategy(lambda: set_max_order_count(2), {0: [1, 1, 1]}))


def test_leverage_above_the_limit_stops_the_run(run_strategy) -> None:
    from rustybt.finance.controls import TradingControlViolation

    with pytest.raises(TradingControlViolation, match=r"leverage 1\.2"):
        run_strategy(
            {"AAA": [10] * 4},
            volumes=1_000_000,
            **strategy(lambda: set_max_leverage(1.0), {0: [12_000]}),
        )
