"""Restrictions that come and go: IBM is frozen for the first half of 2011, GOOG from March
2012 on. A weekly rebalance skips what data.can_trade refuses; a monthly IBM order, placed
regardless, is only logged while frozen (on_error="log") and still fills."""

import pandas as pd
from zipline.api import (
    RESTRICTION_STATES,
    HistoricalRestrictions,
    Restriction,
    date_rules,
    order,
    order_target_percent,
    schedule_function,
    set_asset_restrictions,
    symbols,
    time_rules,
)


def initialize(context):
    context.aapl, context.ibm, context.goog = symbols("AAPL", "IBM", "GOOG")
    set_asset_restrictions(
        HistoricalRestrictions(
            [
                Restriction(context.ibm, pd.Timestamp("2011-01-03"), RESTRICTION_STATES.FROZEN),
                Restriction(context.ibm, pd.Timestamp("2011-07-01"), RESTRICTION_STATES.ALLOWED),
                Restriction(context.goog, pd.Timestamp("2012-03-01"), RESTRICTION_STATES.FROZEN),
            ]
        ),
        on_error="log",
    )
    schedule_function(weekly, date_rules.week_start(), time_rules.market_open())
    schedule_function(monthly, date_rules.month_end(), time_rules.market_close())


def weekly(context, data):
    for asset in (context.aapl, context.ibm, context.goog):
        if data.can_trade(asset):
            order_target_percent(asset, 0.25)


def monthly(context, data):
    order(context.ibm, 10)
