"""Trading controls that only log when broken (the orders are placed all the same), a leverage
limit that holds, NeverCancel, and a benchmark asset."""

from zipline.api import (
    cancel_policy,
    order,
    set_benchmark,
    set_cancel_policy,
    set_long_only,
    set_max_leverage,
    set_max_order_count,
    set_max_position_size,
    symbol,
    symbols,
)
from zipline.finance.execution import LimitOrder


def initialize(context):
    context.stocks = symbols("AAPL", "IBM")
    context.day = 0
    set_benchmark(symbol("MSFT"))
    set_cancel_policy(cancel_policy.NeverCancel())
    set_long_only(on_error="log")
    set_max_order_count(2, on_error="log")
    set_max_position_size(context.stocks[1], max_shares=150, on_error="log")
    set_max_leverage(3.0)


def handle_data(context, data):
    context.day += 1
    aapl, ibm = context.stocks
    if context.day % 9 == 0:
        # Three orders in a session, one of them a short: both controls log, all are placed.
        order(ibm, 60)
        order(aapl, -20)
        price = data.current(aapl, "price")
        order(aapl, 40, style=LimitOrder(round(price * 0.99, 2)))
    elif context.day % 31 == 0:
        for asset in context.stocks:
            order(asset, -context.portfolio.positions[asset].amount)
