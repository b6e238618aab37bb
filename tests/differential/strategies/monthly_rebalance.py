"""Rebalance four stocks to equal weights at the first session of each month, an hour after
the open."""

from zipline.api import date_rules, order_target_percent, schedule_function, symbols, time_rules


def initialize(context):
    context.basket = symbols("AAPL", "IBM", "MSFT", "GOOG")
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open(hours=1))


def rebalance(context, data):
    for asset in context.basket:
        if data.can_trade(asset):
            order_target_percent(asset, 0.24)
