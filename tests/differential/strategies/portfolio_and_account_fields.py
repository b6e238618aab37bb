"""Trades on the signs and figures of context.portfolio and context.account, as zipline
gives them: capital_used and cash_flow negative after buying, unlimited buying power,
leverage, cushion and the position fields."""

import math

from zipline.api import order, order_target, symbol


def initialize(context):
    context.asset = symbol("IBM")
    context.day = 0
    context.seen_in_initialize = (context.portfolio.cash, context.account.settled_cash)


def handle_data(context, data):
    context.day += 1
    portfolio, account = context.portfolio, context.account
    assert context.seen_in_initialize == (100_000.0, 100_000.0)
    assert math.isinf(account.buying_power) and math.isinf(account.day_trades_remaining)
    position = portfolio.positions[context.asset]
    if portfolio.capital_used < 0 and portfolio.cash_flow == portfolio.capital_used:
        # Bought: hold while leverage is modest, add when the cushion is large.
        if account.leverage > 0.3 or position.amount * position.last_sale_price > 40_000:
            order_target(context.asset, 0)
        elif account.cushion > 0.8 and context.day % 7 == 0:
            order(context.asset, 20)
    elif context.day % 5 == 0:
        order(context.asset, 50)
