"""Assets as zipline gives them: sids in the bundle's order, int(asset), sorting by sid,
to_dict(), lookups by sid; the strategy's weights depend on each."""

from zipline.api import order_target_percent, sid, symbols


def initialize(context):
    context.assets = sorted(symbols("MSFT", "AAPL", "IBM"))
    context.by_sid = [sid(int(asset)) for asset in context.assets]
    context.day = 0


def handle_data(context, data):
    context.day += 1
    if context.day % 20:
        return
    assert context.by_sid == context.assets
    for rank, asset in enumerate(context.assets):
        fields = asset.to_dict()
        weight = 0.1 * (1 + rank) + 0.01 * asset.sid + 0.001 * len(fields["symbol"])
        if (context.day // 20) % 2:
            weight = 0.3 - weight / 2
        order_target_percent(asset, weight)
