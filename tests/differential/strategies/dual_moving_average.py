"""The dual moving-average crossover of zipline's examples: hold AAPL while its 100-day mean
is above its 300-day mean."""

from zipline.api import order_target, record, symbol


def initialize(context):
    context.asset = symbol("AAPL")
    context.invested = False


def handle_data(context, data):
    prices = data.history(context.asset, "price", bar_count=300, frequency="1d")
    short_mavg = prices[-100:].mean()
    long_mavg = prices.mean()
    if short_mavg > long_mavg and not context.invested:
        order_target(context.asset, 100)
        context.invested = True
    elif short_mavg < long_mavg and context.invested:
        order_target(context.asset, 0)
        context.invested = False
    record(AAPL=data.current(context.asset, "price"), short_mavg=short_mavg, long_mavg=long_mavg)
