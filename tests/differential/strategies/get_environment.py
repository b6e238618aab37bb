"""Sizing and timing from get_environment: 10 % of capital_base per position, entered after
the first 30 days of the run and closed in its last 60; only in a daily backtest."""

import pandas as pd
from zipline.api import (
    get_datetime,
    get_environment,
    order_target,
    order_target_value,
    set_symbol_lookup_date,
    symbols,
)


def initialize(context):
    set_symbol_lookup_date(pd.Timestamp("2010-01-04"))
    context.assets = symbols("AAPL", "IBM", "MSFT")
    env = get_environment("*")
    context.active = env["arena"] == "backtest" and env["data_frequency"] == "daily"
    context.start, context.end = env["start"], env["end"]
    context.budget = get_environment("capital_base") * 0.1


def handle_data(context, data):
    if not context.active:
        return
    now = get_datetime()
    for asset in context.assets:
        if context.end - now < pd.Timedelta(days=60):
            order_target(asset, 0)
        elif now - context.start >= pd.Timedelta(days=30):
            order_target_value(asset, context.budget)
