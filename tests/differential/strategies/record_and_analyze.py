"""Record a few variables every day and read them back in analyze."""

from zipline.api import order_target, record, symbol


def initialize(context):
    context.asset = symbol("GOOG")
    context.highest = 0.0


def handle_data(context, data):
    price = data.current(context.asset, "close")
    context.highest = max(context.highest, price)
    drawdown = price / context.highest - 1
    order_target(context.asset, 0 if drawdown < -0.1 else 20)
    record(price=price, drawdown=drawdown, held=context.portfolio.positions[context.asset].amount)


def analyze(context, perf):
    assert {"price", "drawdown", "held"} <= set(perf.columns)
