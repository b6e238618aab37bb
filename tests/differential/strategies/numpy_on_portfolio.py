"""numpy arithmetic on portfolio values and numpy scalars as order amounts."""

import numpy as np
from zipline.api import order, order_target_percent, record, symbols


def initialize(context):
    context.basket = symbols("AAPL", "MSFT")
    context.weights = np.array([0.3, 0.2])
    context.day = 0


def handle_data(context, data):
    context.day += 1
    targets = np.round(context.portfolio.portfolio_value * context.weights, 2)
    record(target_aapl=targets[0], cash=context.portfolio.cash)
    if context.day == 1:
        for asset, weight in zip(context.basket, context.weights, strict=True):
            order_target_percent(asset, weight)
    elif context.day % 21 == 0:
        order(context.basket[0], np.int64(5))
        order(context.basket[1], np.float64(-3.0))
