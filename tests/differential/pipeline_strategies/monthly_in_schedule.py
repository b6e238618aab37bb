"""Reads the pipeline's output inside a monthly scheduled function (chunked by 20 sessions):
equal weights in the assets whose 10-day SMA is above their 50-day one, ranked by RSI."""

from zipline.api import (
    attach_pipeline,
    date_rules,
    order_target_percent,
    pipeline_output,
    record,
    schedule_function,
    time_rules,
)
from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import RSI, SimpleMovingAverage


def initialize(context):
    close = EquityPricing.close
    fast = SimpleMovingAverage(inputs=[close], window_length=10)
    slow = SimpleMovingAverage(inputs=[close], window_length=50)
    trending = (fast > slow) & close.latest.notnan()
    attach_pipeline(
        Pipeline(columns={"rsi_rank": RSI(mask=trending).rank()}, screen=trending),
        "trend",
        chunks=20,
    )
    schedule_function(rebalance, date_rules.month_start(days_offset=1), time_rules.market_open())


def rebalance(context, data):
    output = pipeline_output("trend")
    chosen = set(output.index[output["rsi_rank"] <= 4])
    record(chosen=len(chosen), universe=len(output))
    for asset in chosen:
        if data.can_trade(asset):
            order_target_percent(asset, 0.2)
    for asset in context.portfolio.positions:
        if asset not in chosen and data.can_trade(asset):
            order_target_percent(asset, 0)
