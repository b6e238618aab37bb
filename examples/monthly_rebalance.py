"""Equal-weight rebalancing of four stocks on the first trading day of each month.

Uses Zipline's scheduling API and explicit cost models. Runs on the embedded sample data:

    rustybt run -f examples/monthly_rebalance.py --start 2006-01-03 --end 2012-12-31
"""

from rustybt.api import (
    date_rules,
    order_target_percent,
    record,
    schedule_function,
    set_commission,
    set_slippage,
    symbols,
    time_rules,
)
from rustybt.finance import commission, slippage


def initialize(context):
    context.stocks = symbols("AAPL", "MSFT", "IBM", "GOOG")
    set_commission(commission.PerShare(cost=0.005, min_trade_cost=1.0))
    set_slippage(slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1))
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open(minutes=30))


def rebalance(context, data):
    tradable = [asset for asset in context.stocks if data.can_trade(asset)]
    weight = 0.98 / len(tradable)
    for asset in tradable:
        order_target_percent(asset, weight)
    record(leverage=context.account.leverage, holdings=len(context.portfolio.positions))
