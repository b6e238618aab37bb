"""set_do_not_order_list with on_error="log": the listed AAPL is skipped where the strategy
asks data.can_trade, and its unconditional orders are logged and filled."""

from zipline.api import order, order_target_percent, set_do_not_order_list, symbol, symbols


def initialize(context):
    context.aapl = symbol("AAPL")
    context.others = symbols("IBM", "MSFT")
    set_do_not_order_list([context.aapl], on_error="log")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    if context.day % 15 == 1:
        for asset in (context.aapl, *context.others):
            if data.can_trade(asset):
                order_target_percent(asset, 0.4)
    if context.day % 40 == 0:
        order(context.aapl, 25 if context.day % 80 else -25)
