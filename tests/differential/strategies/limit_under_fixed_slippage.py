"""Limit orders under fixed slippage and fixed basis-point slippage."""

from zipline.api import get_open_orders, order, set_slippage, symbol
from zipline.finance import slippage
from zipline.finance.execution import LimitOrder


def initialize(context):
    context.asset = symbol("GOOG")
    set_slippage(slippage.FixedBasisPointsSlippage(basis_points=5, volume_limit=0.1))


def handle_data(context, data):
    if get_open_orders(context.asset):
        return
    price = data.current(context.asset, "price")
    held = context.portfolio.positions[context.asset].amount
    if held == 0:
        order(context.asset, 20, style=LimitOrder(price * 1.01))
    else:
        order(context.asset, -held, style=LimitOrder(price * 0.99))
