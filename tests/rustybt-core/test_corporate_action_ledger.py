"""A split or a dividend changes positions, orders and cash as zipline changes them (the
figures are zipline-reloaded 3.2.1's, run on the same positions)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from rustybt.assets import Asset
from rustybt.finance.ledger import Ledger
from rustybt.finance.order_book import OrderBook

AAA, BBB = Asset(symbol="AAA"), Asset(symbol="BBB")


def ledger_holding(asset: Asset, lots: int, cost_basis: str) -> Ledger:
    ledger = Ledger([AAA, BBB], Decimal(100000))
    ledger.set_position(asset, lots, Decimal(cost_basis))
    return ledger


def test_a_four_for_one_split_quadruples_the_shares_and_quarters_the_cost_basis() -> None:
    ledger = ledger_holding(AAA, 101, "308.238")
    cash = ledger.split(AAA, 0.25)
    assert (ledger.amount(AAA), ledger.cost_basis[0], cash) == (404, Decimal("77.06"), 0)
    assert ledger.cash == Decimal(100000)


def test_a_reverse_split_of_a_short_pays_for_the_fraction_of_a_share_it_cuts_off() -> None:
    ledger = ledger_holding(BBB, -101, "40.422")
    revision = ledger.revision
    cash = ledger.split(BBB, 2.0)
    assert ledger.amount(BBB) == -50
    assert (ledger.cost_basis[1], cash) == (Decimal("80.84"), Decimal("-40.42"))
    assert ledger.cash == Decimal("99959.58") and ledger.revision > revision


def test_a_split_of_nothing_held_changes_nothing() -> None:
    ledger = Ledger([AAA], Decimal(100))
    assert ledger.split(AAA, 0.25) == 0 and ledger.amount(AAA) == 0


def test_a_dividend_credit_moves_cash_and_the_revision() -> None:
    ledger = Ledger([AAA], Decimal(100))
    revision = ledger.revision
    ledger.credit(Decimal("77.77"))
    assert ledger.cash == Decimal("177.77") and ledger.revision == revision + 1


def test_an_open_limit_order_across_a_split_gets_the_new_shares_and_price() -> None:
    book = OrderBook()
    order = book.place(
        asset=AAA,
        amount=Decimal(33),
        created=pd.Timestamp("2020-08-28", tz="UTC"),
        created_bar=0,
        limit=Decimal(100),
    )
    book.split(AAA, 0.25)
    assert (order.amount, order.filled, order.limit) == (132, 0, Decimal("25.0"))
    assert book.open_orders() == [order]


def test_an_order_a_reverse_split_leaves_with_nothing_to_fill_leaves_the_book() -> None:
    book = OrderBook()
    order = book.place(
        asset=AAA, amount=Decimal(1), created=pd.Timestamp("2020-08-28", tz="UTC"), created_bar=0
    )
    book.split(AAA, 2.0)
    assert order.open_amount == 0 and book.open_orders() == []
