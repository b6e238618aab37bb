"""Explicit cost models: a per-share commission with a minimum, and fixed slippage."""

from zipline.api import order_target_value, set_commission, set_slippage, symbol
from zipline.finance import commission, slippage


def initialize(context):
    context.asset = symbol("MSFT")
    context.day = 0
    set_commission(commission.PerShare(cost=0.005, min_trade_cost=1.0))
    set_slippage(slippage.FixedSlippage(spread=0.02))


def handle_data(context, data):
    context.day += 1
    target = 20_000 if context.day % 20 < 10 else 5_000
    order_target_value(context.asset, target)
