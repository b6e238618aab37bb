"""The dual moving-average crossover of sma_crossover.py, its windows and weight given as
parameters: ``-D fast=10`` or ``--params examples/sma_params.yaml`` on the command line,
``context.params`` in the strategy, typed by ``PARAMS`` below:

    rustybt run -f examples/sma_params.py --start 2005-01-03 --end 2012-12-31 -D fast=10
"""

import datetime

from rustybt.api import order_target_percent, record, symbol

PARAMS = {
    "fast": 20,
    "slow": 50,
    "weight": 0.95,
    "long_only": True,
    "asset": "AAPL",
    "trade_from": datetime.date(2005, 1, 3),
}


def initialize(context):
    context.asset = symbol(context.params.asset)
    context.invested = False


def handle_data(context, data):
    params = context.params
    if data.current_dt.date() < params.trade_from:
        return
    prices = data.history(context.asset, "price", params.slow, "1d")
    fast = prices[-params.fast :].mean()
    slow = prices.mean()

    if fast > slow and not context.invested:
        order_target_percent(context.asset, params.weight)
        context.invested = True
    elif fast < slow and context.invested:
        order_target_percent(context.asset, 0 if params.long_only else -params.weight)
        context.invested = False

    record(price=data.current(context.asset, "price"), fast=fast, slow=slow)
