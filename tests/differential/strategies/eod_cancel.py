"""Limit orders under the end-of-day cancel policy: an unfilled buy is cancelled at the close
and placed again the next day."""

from zipline.api import EODCancel, get_open_orders, order, set_cancel_policy, symbol
from zipline.finance.execution import LimitOrder


def initialize(context):
    context.asset = symbol("AAPL")
    set_cancel_policy(EODCancel())


def handle_data(context, data):
    if get_open_orders(context.asset):
        return
    price = data.current(context.asset, "price")
    if context.portfolio.positions[context.asset].amount < 500:
        order(context.asset, 100, style=LimitOrder(price * 0.99))
