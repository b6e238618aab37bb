"""Equal weights each month over the assets data.can_trade allows: MSFT is restricted for
the whole run, so it is never bought."""

from zipline.api import (
    StaticRestrictions,
    date_rules,
    order_target_percent,
    schedule_function,
    set_asset_restrictions,
    symbol,
    symbols,
    time_rules,
)


def initialize(context):
    context.basket = symbols("AAPL", "IBM", "MSFT", "GOOG")
    set_asset_restrictions(StaticRestrictions([symbol("MSFT")]))
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open())


def rebalance(context, data):
    for asset in context.basket:
        if data.can_trade(asset):
            order_target_percent(asset, 0.3)
