"""Resting limit orders: buy IBM 2 % below the close, sell 2 % above, one at a time."""

from zipline.api import get_open_orders, order, symbol
from zipline.finance.execution import LimitOrder


def initialize(context):
    context.asset = symbol("IBM")


def handle_data(context, data):
    if get_open_orders(context.asset):
        return
    price = data.current(context.asset, "price")
    held = context.portfolio.positions[context.asset].amount
    if held == 0:
        order(context.asset, 50, style=LimitOrder(price * 0.98))
    else:
        order(context.asset, -held, style=LimitOrder(price * 1.02))
