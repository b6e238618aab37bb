"""Fills in a backtest: Zipline's timing, default costs, volume limits, order types, policies."""

from __future__ import annotations

from decimal import Decimal

from rustybt.api import (
    EODCancel,
    get_open_orders,
    order,
    set_cancel_policy,
    set_commission,
    set_slippage,
    symbol,
)
from rustybt.finance import commission, slippage

D = Decimal


def buy_on_first_bar(amount: int, **order_kwargs):
    def initialize(context):
        context.asset = symbol("AAA")
        context.done = False

    def handle_data(context, data):
        if not context.done:
            order(context.asset, amount, **order_kwargs)
            context.done = True

    return {"initialize": initialize, "handle_data": handle_data}


def fills(result) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """(session number, amount, price, commission) of every fill."""
    sessions = list(result.frame.index.normalize())
    return [
        (sessions.index(t.dt.normalize()), t.amount, t.price, t.commission)
        for t in result.transactions
    ]


def test_an_order_fills_on_the_next_bar_with_zipline_default_costs(run_strategy) -> None:
    result = run_strategy({"AAA": [100, 101, 102]}, **buy_on_first_bar(10))
    # Default slippage: 5 bp over the next close (101 × 1.0005); commission $0.001/share.
    assert fills(result) == [(1, D(10), D("101.0505"), D("0.010"))]
    assert result.ending_cash == D(100000) - D("1010.505") - D("0.010")
    assert result.ending_value == result.ending_cash + 10 * D(102)


def test_volume_limit_splits_an_order_across_bars(run_strategy) -> None:
    result = run_strategy({"AAA": [100, 100, 100, 100, 100]}, volumes=1000, **buy_on_first_bar(250))
    # 10 % of 1,000 shares per bar: 100, 100, then the last 50.
    assert [(s, a) for s, a, _, _ in fills(result)] == [(1, D(100)), (2, D(100)), (3, D(50))]
    # Per-share commission over partial fills of one order adds up to 250 × 0.001.
    assert sum(c for *_, c in fills(result)) == D("0.250")


def test_eod_cancel_keeps_daily_orders_open_as_zipline_does(run_strategy) -> None:
    """zipline skips the cancel policy with daily bars: the order fills over later days."""
    strategy = buy_on_first_bar(250)
    first_initialize = strategy["initialize"]

    def initialize(context):
        first_initialize(context)
        set_cancel_policy(EODCancel())

    result = run_strategy(
        {"AAA": [100, 100, 100, 100]}, initialize=initialize, handle_data=strategy["handle_data"]
    )
    assert [(s, a) for s, a, _, _ in fills(result)] == [(1, D(100)), (2, D(100)), (3, D(50))]


def test_limit_buy_waits_until_the_close_is_at_or_below_the_limit(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        set_slippage(slippage.NoSlippage())
        set_commission(commission.NoCommission())
        context.done = False

    def handle_data(context, data):
        if not context.done:
            order(context.asset, 5, limit_price=99.5)
            context.done = True

    result = run_strategy(
        {"AAA": [100, 101, 99.8, 99.5, 98]}, initialize=initialize, handle_data=handle_data
    )
    assert fills(result) == [(3, D(5), D("99.5"), D(0))]


def test_stop_sell_triggers_once_the_close_falls_to_the_stop(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        set_slippage(slippage.NoSlippage())
        context.bar = 0

    def handle_data(context, data):
        context.bar += 1
        if context.bar == 1:
            order(context.asset, 10)
        elif context.bar == 2:
            order(context.asset, -10, stop_price=95)

    result = run_strategy(
        {"AAA": [100, 100, 97, 96, 94.5, 93]}, initialize=initialize, handle_data=handle_data
    )
    assert [(s, a, p) for s, a, p, _ in fills(result)] == [
        (1, D(10), D(100)),
        (4, D(-10), D("94.5")),
    ]


def test_stop_limit_becomes_a_limit_once_the_stop_is_reached(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        set_slippage(slippage.NoSlippage())
        context.done = False

    def handle_data(context, data):
        if not context.done:
            order(context.asset, 3, stop_price=105, limit_price=104)
            context.done = True

    # 106 reaches the stop but is above the limit; 104 then fills as a limit.
    result = run_strategy(
        {"AAA": [100, 106, 104.5, 104, 103]}, initialize=initialize, handle_data=handle_data
    )
    assert [(s, p) for s, _, p, _ in fills(result)] == [(3, D(104))]


def test_open_orders_are_visible_until_filled(run_strategy) -> None:
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        if not seen:
            order(context.asset, 250)
        seen.append(sum(o.open_amount for o in get_open_orders(context.asset)))

    run_strategy({"AAA": [100] * 5}, initialize=initialize, handle_data=handle_data)
    assert seen == [250, 150, 50, 0, 0]


def test_a_round_trip_leaves_cash_at_start_minus_commissions_plus_pnl(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))
        context.bar = 0

    def handle_data(context, data):
        context.bar += 1
        if context.bar == 1:
            order(context.asset, 37)
        elif context.bar == 3:
            order(context.asset, -37)

    result = run_strategy(
        {"AAA": [50, 50.25, 51.13, 52.7, 52]}, initialize=initialize, handle_data=handle_data
    )
    buy, sell = result.transactions
    pnl = (sell.price - buy.price) * 37
    commissions = buy.commission + sell.commission
    assert commissions == D("2.0")  # 37 × 0.0075 = 0.2775 < 1.00 minimum, twice
    assert result.ending_cash == D(100000) + pnl - commissions
    assert result.ending_value == result.ending_cash


def test_a_limit_order_reached_once_keeps_filling_at_later_closes_as_in_zipline(
    run_strategy,
) -> None:
    """zipline latches a limit once a close reaches it, and its default slippage prices the
    fill 5 bp over the close even past the limit: the order fills on, 100 shares a bar."""

    def initialize(context):
        context.asset = symbol("AAA")
        set_commission(commission.NoCommission())
        context.done = False

    def handle_data(context, data):
        if not context.done:
            order(context.asset, 250, limit_price=100)
            context.done = True

    result = run_strategy(
        {"AAA": [101, 100, 101, 102, 103]}, initialize=initialize, handle_data=handle_data
    )
    assert fills(result) == [
        (1, D(100), D("100.0500"), D(0)),
        (2, D(100), D("101.0505"), D(0)),
        (3, D(50), D("102.0510"), D(0)),
    ]


def test_the_orders_column_shows_each_order_as_it_stood_at_each_close(run_strategy) -> None:
    result = run_strategy({"AAA": [100, 100, 100, 100]}, volumes=1000, **buy_on_first_bar(150))
    # Placed on the first session, 100 filled on the second, the last 50 on the third.
    seen = [[(o["status"], o["filled"]) for o in day] for day in result.frame["orders"]]
    assert seen == [[(0, 0)], [(0, 100)], [(1, 150)], []]
