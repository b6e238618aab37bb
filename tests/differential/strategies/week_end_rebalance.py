"""Equal weights rebalanced at the last session of each week, half an hour before the close,
only when a weight drifted by more than two points."""

from zipline.api import date_rules, order_target_percent, schedule_function, symbols, time_rules


def initialize(context):
    context.basket = symbols("AAPL", "GOOG", "MSFT")
    schedule_function(rebalance, date_rules.week_end(), time_rules.market_close(minutes=30))


def rebalance(context, data):
    value = context.portfolio.portfolio_value
    for asset in context.basket:
        position = context.portfolio.positions[asset]
        weight = position.amount * data.current(asset, "price") / value
        if abs(weight - 0.3) > 0.02:
            order_target_percent(asset, 0.3)
