"""Hold the two stocks with the best 60-day momentum, checked every ten sessions."""

from zipline.api import order_target_percent, symbols


def initialize(context):
    context.universe = symbols("AAPL", "GOOG", "IBM", "MSFT")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    if context.day % 10 != 1:
        return
    closes = data.history(context.universe, "close", 60, "1d")
    momentum = (closes.iloc[-1] / closes.iloc[0]).sort_values(ascending=False)
    winners = set(momentum.index[:2])
    for asset in context.universe:
        order_target_percent(asset, 0.45 if asset in winners else 0.0)
