"""A dual moving-average crossover over several stocks, its windows given as parameters, to
sweep: each stock is held (an equal share of the portfolio) while its ``fast``-day average
price is above its ``slow``-day average. Runs on the sample data embedded in rustybt-core:

    rustybt sweep -f examples/sma_sweep.py --start 2005-01-03 --end 2012-12-31 \\
        --grid fast=10:30:10 --grid slow=50,100 -o sweep.parquet

    rustybt run -f examples/sma_sweep.py --start 2005-01-03 --end 2012-12-31 -D fast=10
"""

from rustybt.api import order_target_percent, symbols

PARAMS = {"fast": 20, "slow": 50}


def initialize(context):
    context.stocks = symbols("AAPL", "MSFT", "IBM")


def handle_data(context, data):
    fast_days, slow_days = context.params.fast, context.params.slow
    if fast_days >= slow_days:
        return  # a fast window as long as the slow one never crosses it
    prices = data.history(context.stocks, "price", slow_days, "1d")
    fast = prices[-fast_days:].mean()
    slow = prices.mean()
    weight = 0.95 / len(context.stocks)
    for stock in context.stocks:
        held = context.portfolio.positions[stock].amount != 0
        if fast[stock] > slow[stock] and not held:
            order_target_percent(stock, weight)
        elif fast[stock] < slow[stock] and held:
            order_target_percent(stock, 0)
