"""Keeps what zipline gives as live views and reads them in later bars: the positions dict
read in initialize, a position object, and the portfolio itself. Zipline brings each up to
date when the strategy next reads context.portfolio."""

from zipline.api import order, order_target, record, symbol


def initialize(context):
    context.asset = symbol("IBM")
    context.kept_positions = context.portfolio.positions
    context.kept_portfolio = context.portfolio
    context.kept_position = None
    context.day = 0


def handle_data(context, data):
    context.day += 1
    portfolio = context.portfolio  # zipline brings what it gave up to date when it is read
    held = context.kept_positions.get(context.asset)
    if context.kept_position is None and held is not None:
        context.kept_position = held
    kept = context.kept_position
    record(
        kept_amount=0 if kept is None else kept.amount,
        kept_price=0.0 if kept is None else kept.last_sale_price,
        kept_value=context.kept_portfolio.portfolio_value,
        held_now=len(portfolio.positions),
    )
    if kept is not None and kept.amount >= 40:
        order_target(context.asset, 0)
        context.kept_position = None
    elif context.day % 3 == 0 and context.kept_portfolio.cash > 20_000:
        order(context.asset, 10)
