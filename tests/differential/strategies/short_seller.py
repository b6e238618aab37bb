"""Short the laggard and buy the leader of two stocks by twenty-day return, monthly."""

from zipline.api import date_rules, order_target_percent, schedule_function, symbols, time_rules


def initialize(context):
    context.pair = symbols("IBM", "MSFT")
    schedule_function(rotate, date_rules.month_start(days_offset=2), time_rules.market_open())


def rotate(context, data):
    prices = data.history(context.pair, "close", 21, "1d")
    returns = prices.iloc[-1] / prices.iloc[0] - 1
    leader, laggard = returns.idxmax(), returns.idxmin()
    order_target_percent(leader, 0.3)
    order_target_percent(laggard, -0.3)
