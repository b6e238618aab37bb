"""Scheduled functions around half days: one every session buys a share, another (half days
left out) sells one back, and a third buys at each month's second-to-last session. zipline
runs a function at most once per 24 hours from the bar that began its day, so on a half day
right after a full session (2012-07-03) the first does not run; after a holiday or a weekend
(2010-11-26, 2012-11-23, 2012-12-24) it does."""

from zipline.api import date_rules, order, record, schedule_function, symbol, time_rules


def initialize(context):
    context.asset = symbol("AAPL")
    context.runs = 0
    schedule_function(buy_one, date_rules.every_day(), time_rules.market_open())
    schedule_function(
        sell_one, date_rules.every_day(), time_rules.market_close(minutes=5), half_days=False
    )
    schedule_function(buy_more, date_rules.month_end(days_offset=1))


def buy_one(context, data):
    context.runs += 1
    order(context.asset, 2)
    record(runs=context.runs)


def sell_one(context, data):
    order(context.asset, -1)


def buy_more(context, data):
    order(context.asset, 5)
