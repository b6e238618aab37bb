"""Each week, long the three best 20-day returns and short the three worst among the ten most
liquid assets, read from the pipeline's output in before_trading_start."""

from zipline.api import (
    attach_pipeline,
    date_rules,
    order_target_percent,
    pipeline_output,
    schedule_function,
    time_rules,
)
from zipline.pipeline import Pipeline
from zipline.pipeline.factors import AverageDollarVolume, Returns


def initialize(context):
    liquid = AverageDollarVolume(window_length=20).top(10)
    returns = Returns(window_length=20, mask=liquid)
    attach_pipeline(
        Pipeline(
            columns={"longs": returns.top(3), "shorts": returns.bottom(3)},
            screen=liquid,
        ),
        "ranked",
    )
    schedule_function(rebalance, date_rules.week_start(), time_rules.market_open())


def before_trading_start(context, data):
    context.output = pipeline_output("ranked")


def rebalance(context, data):
    output = context.output
    longs = set(output.index[output["longs"]])
    shorts = set(output.index[output["shorts"]])
    for asset in longs:
        if data.can_trade(asset):
            order_target_percent(asset, 0.3)
    for asset in shorts:
        if data.can_trade(asset):
            order_target_percent(asset, -0.3)
    for asset in context.portfolio.positions:
        if asset not in longs | shorts and data.can_trade(asset):
            order_target_percent(asset, 0)
