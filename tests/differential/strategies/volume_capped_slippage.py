"""A slippage model written for zipline that fills at most a sliver of each bar's volume, so
orders fill in parts over several bars; two orders placed together share the bar's volume
through volume_for_bar, and the second waits when LiquidityExceeded says nothing is left."""

import math

from zipline.api import get_open_orders, order, set_commission, set_slippage, symbols
from zipline.finance import commission
from zipline.finance.slippage import LiquidityExceeded, SlippageModel


class SliverOfVolume(SlippageModel):
    def __init__(self, share=0.00002, impact=0.05):
        super().__init__()
        self.share = share
        self.impact = impact

    def process_order(self, data, order):
        volume = data.current(order.asset, "volume")
        room = int(volume * self.share) - self.volume_for_bar
        if room < 1:
            raise LiquidityExceeded()
        amount = min(abs(order.open_amount), room)
        price = data.current(order.asset, "close")
        impact = self.impact * math.sqrt(amount / volume) * price
        return price + math.copysign(impact, order.direction), math.copysign(
            amount, order.direction
        )


def initialize(context):
    context.assets = symbols("IBM", "MSFT")
    context.day = 0
    set_slippage(SliverOfVolume())
    set_commission(commission.PerShare(cost=0.005, min_trade_cost=1.0))


def handle_data(context, data):
    context.day += 1
    if context.day % 15 or get_open_orders():
        return
    for asset in context.assets:
        held = context.portfolio.positions[asset].amount
        if held:
            order(asset, -held)
        else:
            order(asset, 300)
            order(asset, 200)
