"""Buy an equal-weight basket on the first day and hold it."""

from zipline.api import order_target_percent, symbols


def initialize(context):
    context.basket = symbols("AAPL", "IBM", "MSFT", "GOOG")
    context.bought = False


def handle_data(context, data):
    if not context.bought:
        for asset in context.basket:
            order_target_percent(asset, 0.24)
        context.bought = True
