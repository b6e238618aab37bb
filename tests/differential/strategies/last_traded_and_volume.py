"""Buy, on the 7th of a month, what traded that session, a few shares by its volume: reads
`last_traded` (the session, without a time zone, as `current_session`) and `volume` (an
int; int64 for a list of assets) as zipline gives them, before the open and at the close."""

from zipline.api import order, record, symbols


def initialize(context):
    context.assets = symbols("AAPL", "GOOG", "IBM", "MSFT")
    context.seen_before_open = {}


def before_trading_start(context, data):
    session = data.current_session
    context.seen_before_open = {
        asset: data.current(asset, "last_traded") == session for asset in context.assets
    }


def handle_data(context, data):
    session = data.current_session
    volumes = data.current(context.assets, "volume")
    for asset in context.assets:
        volume = data.current(asset, "volume")
        traded = data.current(asset, "last_traded") == session
        if (
            session.day == 7
            and traded
            and context.seen_before_open[asset]
            and isinstance(volume, int)
            and volumes.dtype.kind == "i"
            and data.can_trade(asset)
            and not data.is_stale(asset)
        ):
            order(asset, 1 + volume % 5)
    record(aapl_volume=data.current(context.assets[0], "volume"))
