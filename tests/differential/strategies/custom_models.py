"""A slippage model and a commission model written to zipline's own signatures."""

from zipline.api import order_target, set_commission, set_slippage, symbol
from zipline.finance.commission import CommissionModel
from zipline.finance.slippage import SlippageModel


class HalfSpread(SlippageModel):
    def process_order(self, data, order):
        price = data.current(order.asset, "close")
        return price + 0.01 * (1 if order.amount > 0 else -1), order.amount


class TenthOfAPercent(CommissionModel):
    def calculate(self, order, transaction):
        return abs(transaction.amount * transaction.price) * 0.001


def initialize(context):
    context.asset = symbol("MSFT")
    context.day = 0
    set_slippage(HalfSpread())
    set_commission(TenthOfAPercent())


def handle_data(context, data):
    context.day += 1
    order_target(context.asset, 100 if (context.day // 10) % 2 else 0)
