"""A trading control that only logs: orders above the size limit are placed all the same."""

from zipline.api import order, set_max_order_size, symbol


def initialize(context):
    context.asset = symbol("IBM")
    context.day = 0
    set_max_order_size(context.asset, max_shares=50, on_error="log")


def handle_data(context, data):
    context.day += 1
    if context.day % 5 == 0:
        order(context.asset, 80 if context.day % 10 else -80)
