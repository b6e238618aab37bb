"""zipline's first tutorial algorithm: buy 10 AAPL shares every day, record the price."""

from zipline.api import order, record, symbol


def initialize(context):
    context.asset = symbol("AAPL")


def handle_data(context, data):
    order(context.asset, 10)
    record(AAPL=data.current(context.asset, "price"))
