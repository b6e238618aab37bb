"""History windows across corporate actions, every session: each symbol's 20-session close,
open, high, low, price and volume windows and a 60-session close window (zipline adjusts the
rows before each split and dividend up to the current session and rounds them to tenths of a
cent), a two-symbol window, and the raw current close."""

from zipline.api import record, symbols


def initialize(context):
    context.assets = symbols("AAA", "BBB", "CCC")


def handle_data(context, data):
    for asset in context.assets:
        name = asset.symbol
        close = data.history(asset, "close", 20, "1d")
        bars = data.history(asset, ["open", "high", "low", "price", "volume"], 20, "1d")
        record(
            **{
                f"{name}_first_close": close.iloc[0],
                f"{name}_last_close": close.iloc[-1],
                f"{name}_mean_close": close.mean(),
                **{f"{name}_mean_{field}": bars[field].mean() for field in bars.columns},
                f"{name}_first_volume": bars["volume"].iloc[0],
                f"{name}_mean_close_60": data.history(asset, "close", 60, "1d").mean(),
                f"{name}_current_close": data.current(asset, "close"),
            }
        )
    pair = data.history(context.assets[:2], "close", 5, "1d")
    record(pair_first_closes=pair.iloc[0].sum())
