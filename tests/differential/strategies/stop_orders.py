"""Buy on a breakout with a stop order, protect the position with a stop-loss."""

from zipline.api import cancel_order, get_open_orders, order, symbol
from zipline.finance.execution import StopOrder


def initialize(context):
    context.asset = symbol("AAPL")


def handle_data(context, data):
    for open_order in get_open_orders(context.asset):
        cancel_order(open_order)
    price = data.current(context.asset, "price")
    held = context.portfolio.positions[context.asset].amount
    if held == 0:
        order(context.asset, 40, style=StopOrder(price * 1.02))
    else:
        order(context.asset, -held, style=StopOrder(price * 0.97))
