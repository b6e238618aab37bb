"""Trade around the corporate actions. Orders placed the session before a dividend's ex-date
fill on it: a buy earns nothing, a sale still earns. Market orders open at a split have their
share counts scaled (a 1-share order on a 1-for-2 split vanishes); limit orders left open
across a split have their limits scaled too, and fill after it."""

from zipline.api import get_datetime, get_open_orders, order, record, symbol

ORDERS = {
    "2019-01-02": (("AAA", 61, None), ("BBB", -31, None), ("CCC", 41, None)),
    "2020-03-09": (("BBB", -21, None),),
    "2020-05-07": (("AAA", 50, None),),
    "2020-06-11": (("BBB", -33, 1.03),),
    "2020-06-12": (("BBB", -3, None), ("BBB", 1, None)),
    "2020-08-06": (("AAA", -50, None),),
    "2020-08-26": (("AAA", 33, 0.98),),
    "2020-08-28": (("AAA", 7, None),),
    "2021-01-15": (("CCC", 5, None), ("CCC", 41, 0.97)),
}
"""By session: (symbol, shares, limit as a multiple of the current price or None)."""


def initialize(context):
    context.assets = [symbol(name) for name in ("AAA", "BBB", "CCC")]


def handle_data(context, data):
    for name, amount, limit in ORDERS.get(str(get_datetime().date()), ()):
        asset = symbol(name)
        if limit is None:
            order(asset, amount)
        else:
            order(asset, amount, limit_price=limit * data.current(asset, "price"))
    for asset in context.assets:
        open_orders = get_open_orders(asset)
        record(
            **{
                f"{asset.symbol}_amount": float(context.portfolio.positions[asset].amount),
                f"{asset.symbol}_open": float(sum(o.amount - o.filled for o in open_orders)),
                f"{asset.symbol}_limit": float(sum(o.limit or 0 for o in open_orders)),
            }
        )
