"""order_value, order_percent and order_target_value on a weekly schedule at the close."""

from zipline.api import (
    date_rules,
    order_percent,
    order_target_value,
    order_value,
    schedule_function,
    symbols,
    time_rules,
)


def initialize(context):
    context.a, context.b, context.c = symbols("AAPL", "IBM", "GOOG")
    context.week = 0
    schedule_function(weekly, date_rules.week_start(), time_rules.market_close(minutes=30))


def weekly(context, data):
    context.week += 1
    if context.week % 4 == 1:
        order_value(context.a, 5_000)
        order_percent(context.b, 0.05)
    elif context.week % 4 == 3:
        order_target_value(context.a, 0)
        order_target_value(context.b, 0)
    order_target_value(context.c, 2_000 * (context.week % 3))
