"""On-Line Moving Average Reversion (Li and Hoi, 2012), as in zipline's examples: each day,
move the weights toward the portfolio predicted to gain most if prices revert to their
five-day means, projected onto the simplex."""

import numpy as np
from zipline.api import order_target_percent, symbols

EPSILON = 1.05
WINDOW = 5


def initialize(context):
    context.stocks = symbols("AAPL", "GOOG", "IBM", "MSFT")
    n = len(context.stocks)
    context.weights = np.ones(n) / n
    context.days = 0


def simplex_projection(v, b=1.0):
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u)
    rho = np.nonzero(u * np.arange(1, len(u) + 1) > (cumulative - b))[0][-1]
    theta = (cumulative[rho] - b) / (rho + 1.0)
    return np.maximum(v - theta, 0)


def handle_data(context, data):
    context.days += 1
    if context.days < WINDOW:
        return
    prices = data.history(context.stocks, "price", WINDOW, "1d")
    current = prices.iloc[-1].values
    predicted = prices.mean().values / current
    mean_prediction = predicted.mean()
    deviation = predicted - mean_prediction
    norm = float(np.dot(deviation, deviation))
    step = 0.0 if norm == 0 else max(0.0, (EPSILON - np.dot(context.weights, predicted)) / norm)
    context.weights = simplex_projection(context.weights + step * deviation)
    for stock, weight in zip(context.stocks, context.weights, strict=True):
        order_target_percent(stock, 0.95 * weight)
