"""Limit, stop and stop-limit prices given to many decimals: zipline rounds each to the cent,
toward the better price unless within 5 % of a cent of the worse one."""

from zipline.api import get_open_orders, order, symbol
from zipline.finance.execution import LimitOrder, StopLimitOrder, StopOrder


def initialize(context):
    context.asset = symbol("MSFT")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    asset = context.asset
    price = data.current(asset, "price")
    for open_order in get_open_orders(asset):
        if context.day % 3 == 0:
            context.cancel_order(open_order)
    held = context.portfolio.positions[asset].amount
    if context.day % 4 == 0:
        order(asset, 100, style=LimitOrder(price * 0.99731))
    elif context.day % 4 == 1 and held > 0:
        order(asset, -held // 2, style=StopOrder(price * 0.99457))
    elif context.day % 4 == 2:
        order(asset, 50, style=StopLimitOrder(price * 1.00949, price * 1.00051))
    elif held > 0:
        order(asset, -held // 3, style=LimitOrder(price * 1.00503))
