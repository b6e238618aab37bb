"""set_min_leverage: fully invested within the grace period and kept so; the run would stop
if gross leverage fell below 0.8 after the first ten days."""

import pandas as pd
from zipline.api import (
    date_rules,
    order_target_percent,
    schedule_function,
    set_min_leverage,
    symbols,
    time_rules,
)


def initialize(context):
    context.basket = symbols("AAPL", "IBM", "MSFT", "GOOG")
    set_min_leverage(0.8, pd.Timedelta(days=10))
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open())


def rebalance(context, data):
    for asset in context.basket:
        order_target_percent(asset, 0.245)
