"""Limit orders that fill in parts under fixed basis-point slippage capped at a sliver of
each bar's volume. Once a close reaches the limit, zipline keeps filling the order on later
bars at 5 bp over whatever the close is, beyond the limit too."""

from zipline.api import get_open_orders, order, set_slippage, symbol
from zipline.finance.execution import LimitOrder
from zipline.finance.slippage import FixedBasisPointsSlippage


def initialize(context):
    context.asset = symbol("MSFT")
    set_slippage(FixedBasisPointsSlippage(basis_points=5, volume_limit=0.00001))


def handle_data(context, data):
    if get_open_orders(context.asset):
        return
    price = data.current(context.asset, "price")
    held = context.portfolio.positions[context.asset].amount
    if held == 0:
        order(context.asset, 2000, style=LimitOrder(round(price * 0.995, 2)))
    else:
        order(context.asset, -held, style=LimitOrder(round(price * 1.005, 2)))
