"""Orders read back as zipline shows them: get_order(...).filled, .status against
ORDER_STATUS, .limit_reached, and the limit price as a float to reprice from. An order still
open after three days is cancelled (given as the order object) and what is left of it placed
again 1 % nearer the market: from its old limit, or from the price when its limit was
reached but a tight volume-share model stopped filling it as the close moved away."""

from zipline.api import cancel_order, get_order, order, record, set_slippage, symbol
from zipline.finance.execution import LimitOrder
from zipline.finance.order import ORDER_STATUS
from zipline.finance.slippage import VolumeShareSlippage


def initialize(context):
    context.asset = symbol("AAPL")
    context.order_id = None
    context.waited = 0
    set_slippage(VolumeShareSlippage(volume_limit=0.000002, price_impact=0.1))


def handle_data(context, data):
    asset = context.asset
    if context.order_id is None:
        price = data.current(asset, "price")
        held = context.portfolio.positions[asset].amount
        amount = -held if held else 800
        limit = round(price * (1.01 if held else 0.99), 2)
        context.order_id = order(asset, amount, style=LimitOrder(limit))
        context.waited = 0
        return
    placed = get_order(context.order_id)
    record(filled=placed.filled, limit_reached=placed.limit_reached)
    if placed.status == ORDER_STATUS.FILLED:
        context.order_id = None
        return
    context.waited += 1
    if context.waited < 3:
        return
    cancel_order(placed)
    left = placed.amount - placed.filled
    # A reached limit that stopped filling means the close moved away: start from the market.
    base = data.current(asset, "price") if placed.limit_reached else placed.limit
    context.order_id = order(
        asset, left, style=LimitOrder(round(base * (1.01 if left > 0 else 0.99), 2))
    )
    context.waited = 0
