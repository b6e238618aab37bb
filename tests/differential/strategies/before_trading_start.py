"""Decide before the open from what before_trading_start sees: buy MSFT after a down day,
sell after an up day."""

from zipline.api import order_target, symbol


def initialize(context):
    context.asset = symbol("MSFT")
    context.seen = None
    context.signal = 0


def before_trading_start(context, data):
    price = data.current(context.asset, "price")
    if context.seen is not None:
        context.signal = 1 if price < context.seen else -1
    context.seen = price


def handle_data(context, data):
    order_target(context.asset, 100 if context.signal > 0 else 0)
