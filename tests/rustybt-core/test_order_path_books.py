"""The order path's bookkeeping: the open set, placement order, fills and the views the
results take of orders."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pandas as pd
from rustybt.algorithm import round_order_amount
from rustybt.assets import Asset, AssetClass
from rustybt.finance import slippage
from rustybt.finance.order import Order, OrderStatus, zipline_order_dict
from rustybt.finance.order_book import OrderBook
from rustybt.finance.transaction import Transaction, fill_transaction

WHEN = pd.Timestamp("2024-01-02", tz="UTC")
AAA, BBB = Asset(symbol="AAA"), Asset(symbol="BBB")


def test_open_orders_come_back_oldest_first_across_assets_and_restored_ones() -> None:
    book = OrderBook("acct-7")  # a prefix with a dash of its own
    restored = Order(id="acct-7-9", asset=BBB, amount=Decimal(3), created=WHEN, created_bar=0)
    book.restore([restored], next_number=10)
    tenth = book.place(asset=AAA, amount=Decimal(5), created=WHEN, created_bar=1)
    eleventh = book.place(asset=BBB, amount=Decimal(-2), created=WHEN, created_bar=1)
    twelfth = book.place(asset=AAA, amount=Decimal(1), created=WHEN, created_bar=1)
    assert [o.id for o in book.open_orders()] == ["acct-7-9", "acct-7-10", "acct-7-11", "acct-7-12"]
    assert book.open_orders() == [restored, tenth, eleventh, twelfth]


def test_prune_drops_finished_orders_and_keeps_the_open_ones_in_order() -> None:
    book = OrderBook()
    first = book.place(asset=AAA, amount=Decimal(5), created=WHEN, created_bar=0)
    second = book.place(asset=AAA, amount=Decimal(7), created=WHEN, created_bar=0)
    third = book.place(asset=AAA, amount=Decimal(9), created=WHEN, created_bar=0)
    second.record_fill(Decimal(7), Decimal(0))
    book.prune(AAA)
    assert book.open_by_asset[AAA] == [first, third]
    first.record_fill(Decimal(2), Decimal(0))  # partly filled: still open
    book.prune(AAA)
    assert book.open_by_asset[AAA] == [first, third]
    first.record_fill(Decimal(3), Decimal(0))
    third.cancel()
    book.prune(AAA)
    assert AAA not in book.open_by_asset and book.open_orders() == []


def test_an_order_fills_in_parts_and_is_filled_when_nothing_is_left() -> None:
    order = Order(id="o-1", asset=AAA, amount=Decimal(-10), created=WHEN, created_bar=0)
    order.record_fill(Decimal(-4), Decimal("0.004"))
    assert (order.status, order.filled, order.open_amount) == (
        OrderStatus.OPEN,
        Decimal(-4),
        Decimal(-6),
    )
    order.record_fill(Decimal(-6), Decimal("0.006"))
    assert (order.status, order.filled, order.commission) == (
        OrderStatus.FILLED,
        Decimal(-10),
        Decimal("0.010"),
    )
    assert not order.is_open


def test_order_amounts_round_to_the_lot_as_zipline_does() -> None:
    btc = Asset(symbol="BTC", asset_class=AssetClass.CRYPTO, lot_size=Decimal("1E-8"))
    assert round_order_amount(AAA, Decimal("12.99995")) == Decimal(13)  # within 0.0001 lot
    assert round_order_amount(AAA, Decimal("12.9998")) == Decimal(12)  # truncated
    assert round_order_amount(AAA, Decimal("-12.9998")) == Decimal(-12)  # toward zero
    assert round_order_amount(btc, Decimal("0.123456789")) == Decimal("0.12345678")
    assert str(round_order_amount(btc, Decimal("0.1234567899999"))) == "0.12345679"


def test_fixed_slippage_shifts_buys_up_and_sells_down_by_half_the_spread() -> None:
    model = slippage.FixedSlippage(spread=0.05)
    buy = Order(id="o-1", asset=AAA, amount=Decimal(10), created=WHEN, created_bar=0)
    sell = Order(id="o-2", asset=AAA, amount=Decimal(-10), created=WHEN, created_bar=0)
    close, volume = Decimal("20.0000"), Decimal(1000)
    assert model.exact_fill(buy, close, volume, Decimal(0)) == (Decimal("20.025"), Decimal(10))
    assert model.exact_fill(sell, close, volume, Decimal(0)) == (Decimal("19.975"), Decimal(-10))
    assert repr(model) == "FixedSlippage(spread=0.05)"


def test_the_results_view_of_an_order_names_its_symbol_last_when_asked() -> None:
    order = Order(id="o-1", asset=AAA, amount=Decimal(10), created=WHEN, created_bar=0)
    plain, named = zipline_order_dict(order), zipline_order_dict(order, symbol=True)
    assert "symbol" not in plain
    assert list(named) == [*plain, "symbol"] and named["symbol"] == "AAA"
    assert (named["amount"], named["filled"], named["status"]) == (10, 0, 0)


def test_a_snapshot_keeps_every_field_of_the_order_as_it_stood() -> None:
    order = Order(
        id="o-1", asset=AAA, amount=Decimal(10), created=WHEN, created_bar=3, limit=Decimal(21)
    )
    order.triggered(Decimal(20), WHEN)
    order.record_fill(Decimal(4), Decimal("0.04"))

    snapshot = order.snapshot()
    order.record_fill(Decimal(6), Decimal("0.06"))

    assert attrs.asdict(snapshot, recurse=False) == {
        **attrs.asdict(order, recurse=False),
        "filled": Decimal(4),
        "commission": Decimal("0.04"),
        "status": OrderStatus.OPEN,
    }


def test_a_fill_transaction_is_the_transaction_the_keyword_constructor_makes() -> None:
    made = fill_transaction(
        "o-3", AAA, Decimal(-5), Decimal("25.1234"), WHEN, Decimal("0.005"), True, "o-3@4"
    )
    expected = Transaction(
        order_id="o-3",
        asset=AAA,
        amount=Decimal(-5),
        price=Decimal("25.1234"),
        dt=WHEN,
        commission=Decimal("0.005"),
        maker=True,
        fill_id="o-3@4",
    )
    assert made == expected and attrs.asdict(made) == attrs.asdict(expected)
    assert made.cash_flow == Decimal("125.612")


def test_a_placed_order_is_the_order_the_keyword_constructor_makes() -> None:
    placed = Order.placed("o-1", AAA, Decimal(5), WHEN, 3, Decimal("9.5"), None)
    made = Order(
        id="o-1", asset=AAA, amount=Decimal(5), created=WHEN, created_bar=3, limit=Decimal("9.5")
    )
    assert attrs.asdict(placed, recurse=False) == attrs.asdict(made, recurse=False)
    assert placed.is_open and placed.dt is WHEN
