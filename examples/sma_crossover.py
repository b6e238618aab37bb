"""Dual moving-average crossover on AAPL, written exactly as for Zipline.

Holds AAPL (95 % of the portfolio) while its 20-day average price is above its 50-day
average, and is flat otherwise. Runs on the sample data embedded in rustybt-core:

    rustybt run -f examples/sma_crossover.py --start 2005-01-03 --end 2012-12-31
"""

from rustybt.api import order_target_percent, record, symbol

FAST, SLOW = 20, 50


def initialize(context):
    context.asset = symbol("AAPL")
    context.invested = False


def handle_data(context, data):
    prices = data.history(context.asset, "price", SLOW, "1d")
    fast = prices[-FAST:].mean()
    slow = prices.mean()

    if fast > slow and not context.invested:
        order_target_percent(context.asset, 0.95)
        context.invested = True
    elif fast < slow and context.invested:
        order_target_percent(context.asset, 0)
        context.invested = False

    record(price=data.current(context.asset, "price"), fast=fast, slow=slow)
