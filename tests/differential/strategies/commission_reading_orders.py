"""A commission model written for zipline that reads the order it is charging: a ticket fee
on the order's first fill, a per-share rate that drops after the order's first 200 shares,
and a cap of 1 % of the order's value less what the order has paid. A tight volume-share
slippage model makes each order fill in parts, so the later fills see filled and commission
grow."""

from zipline.api import get_open_orders, order, set_commission, set_slippage, symbol
from zipline.finance.commission import CommissionModel
from zipline.finance.slippage import VolumeShareSlippage


class TieredTicket(CommissionModel):
    def calculate(self, order, transaction):
        ticket = 2.5 if order.filled == 0 else 0.0
        shares = abs(transaction.amount)
        before = abs(order.filled)
        cheap = max(0, before + shares - 200) - max(0, before - 200)
        cost = ticket + (shares - cheap) * 0.01 + cheap * 0.004
        cap = 0.01 * abs(order.amount) * transaction.price - order.commission
        return min(cost, max(cap, 0.0))


def initialize(context):
    context.asset = symbol("AAPL")
    context.day = 0
    set_slippage(VolumeShareSlippage(volume_limit=0.000002, price_impact=0.1))
    set_commission(TieredTicket())


def handle_data(context, data):
    context.day += 1
    if context.day % 20 or get_open_orders(context.asset):
        return
    held = context.portfolio.positions[context.asset].amount
    order(context.asset, -held if held else 1000)
