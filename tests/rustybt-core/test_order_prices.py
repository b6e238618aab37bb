"""Limit and stop prices land on the order tick as zipline puts them: toward the better price
for the order, unless within 5 % of a tick of the worse one."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rustybt.assets import Asset, AssetClass
from rustybt.finance.order_book import OrderBook, improved_price, order_tick

CENT = Decimal("0.01")


@pytest.mark.parametrize(
    ("price", "buy_limit", "sell_limit"),
    [
        ("101.337", "101.33", "101.34"),
        ("1.0095", "1.01", "1.01"),
        ("1.0194", "1.01", "1.02"),
        ("1.0195", "1.02", "1.02"),
        ("1.0005", "1.00", "1.00"),
        ("1.0006", "1.00", "1.01"),
        ("1.0105", "1.01", "1.01"),
    ],
)
def test_a_price_rounds_toward_the_side_that_improves_the_order(price, buy_limit, sell_limit):
    assert improved_price(Decimal(price), CENT, prefer_round_down=True) == Decimal(buy_limit)
    assert improved_price(Decimal(price), CENT, prefer_round_down=False) == Decimal(sell_limit)


def test_the_book_rounds_limits_and_stops_of_equities_to_cents() -> None:
    book = OrderBook()
    stock = Asset(symbol="MSFT")
    placed = {"created": pd.Timestamp("2024-01-02", tz="UTC"), "created_bar": 0}
    buy = book.place(asset=stock, amount=Decimal(10), limit=Decimal("25.1234"), **placed)
    sell = book.place(asset=stock, amount=Decimal(-10), stop=Decimal("25.1234"), **placed)
    assert (buy.limit, sell.stop) == (Decimal("25.12"), Decimal("25.12"))
    short_stop = book.place(asset=stock, amount=Decimal(10), stop=Decimal("25.1234"), **placed)
    assert short_stop.stop == Decimal("25.13")


def test_crypto_order_prices_keep_the_asset_tick() -> None:
    coin = Asset(symbol="BTC/USDT", asset_class=AssetClass.CRYPTO, tick_size=Decimal("1E-8"))
    assert order_tick(coin) == Decimal("1E-8")
    assert order_tick(Asset(symbol="AAPL")) == CENT
