"""Hold through every corporate action: long AAA (a 4-for-1 split, quarterly dividends) and
CCC (a 3-for-2 split on a dividend's ex-date), short BBB (a 1-for-2 reverse split, dividends
owed). The odd share counts leave fractions of a share, paid out in cash."""

from zipline.api import order, record, symbols


def initialize(context):
    context.assets = symbols("AAA", "BBB", "CCC")
    context.ordered = False


def handle_data(context, data):
    if not context.ordered:
        for asset, amount in zip(context.assets, (101, -101, 101), strict=True):
            order(asset, amount)
        context.ordered = True
    for asset in context.assets:
        position = context.portfolio.positions[asset]
        record(
            **{
                f"{asset.symbol}_amount": float(position.amount),
                f"{asset.symbol}_cost_basis": float(position.cost_basis),
            }
        )
