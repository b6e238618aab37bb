"""Each Monday, hold the stock with the most volume over the last five sessions, when the
window's last label is the current session: zipline labels both by the session's date,
without a time zone."""

from zipline.api import order_target_percent, record, symbols


def initialize(context):
    context.assets = symbols("AAPL", "GOOG", "IBM", "MSFT")


def handle_data(context, data):
    volumes = data.history(context.assets, "volume", 5, "1d")
    session = data.current_session
    if session.weekday() != 0 or volumes.index.tz is not None or volumes.index[-1] != session:
        return
    busiest = volumes.mean().idxmax()
    for asset in context.assets:
        order_target_percent(asset, 0.9 if asset == busiest else 0.0)
    record(busiest=busiest.symbol)
