"""Buy 100 shares of AAPL on the first day and hold them: across a split, the position's
shares, price and cost basis change as a broker statement shows them."""

from rustybt.api import order, record, symbol


def initialize(context):
    context.asset = symbol("AAPL")
    context.bought = False


def handle_data(context, data):
    if not context.bought:
        order(context.asset, 100)
        context.bought = True
    position = context.portfolio.positions[context.asset]
    record(
        shares=position.amount,
        cost_basis=position.cost_basis,
        close=data.current(context.asset, "close"),
    )
