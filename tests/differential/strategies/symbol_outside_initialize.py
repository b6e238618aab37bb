"""symbol() looked up in handle_data, not in initialize."""

from zipline.api import order_target_value, symbol


def initialize(context):
    context.day = 0


def handle_data(context, data):
    context.day += 1
    name = "IBM" if (context.day // 30) % 2 else "MSFT"
    other = "MSFT" if name == "IBM" else "IBM"
    order_target_value(symbol(name), 10_000)
    order_target_value(symbol(other), 0)
