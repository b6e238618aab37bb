"""Positions in assets whose data ends within the run: long GONE (last bar Friday 2019-06-14)
with a limit buy resting far below the market, short EXIT (last bar Wednesday 2019-11-27,
before Thanksgiving), long KEEP throughout. zipline closes each ended position at the end of
the first session after its last bar, at the last price, and cancels the resting order."""

from zipline.api import get_open_orders, order, record, symbol
from zipline.finance.execution import LimitOrder


def initialize(context):
    context.keep = symbol("KEEP")
    context.gone = symbol("GONE")
    context.exit = symbol("EXIT")
    context.bar = 0


def handle_data(context, data):
    context.bar += 1
    if context.bar == 1:
        order(context.gone, 100)
        order(context.exit, -50)
        order(context.keep, 30)
    elif context.bar == 3:
        order(context.gone, 40, style=LimitOrder(1.0))
    record(open_gone=len(get_open_orders(context.gone)))
