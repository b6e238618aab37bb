"""The ledger is exact: cash and value obey the accounting identity for any order stream."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rustybt.api import order, symbols
from rustybt.assets import Asset, AssetClass
from rustybt.finance.ledger import Ledger
from rustybt.finance.transaction import Transaction

ASSETS = [
    Asset(symbol="EQ"),
    Asset(symbol="BTC/USDT", asset_class=AssetClass.CRYPTO, tick_size="0.01", lot_size="0.00001"),
]
WHEN = pd.Timestamp("2024-01-02", tz="UTC")

fills = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(-5_000_000, 5_000_000).filter(bool),
        st.integers(1, 10_000_000),
        st.integers(0, 100_000),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(fills, st.lists(st.integers(1, 10_000_000), min_size=2, max_size=2))
def test_cash_and_value_are_exact_for_any_fill_stream(stream, marks) -> None:
    ledger = Ledger(ASSETS, Decimal("100000"))
    expected_cash = Decimal("100000")
    held = [Decimal(0), Decimal(0)]
    for index, lots, ticks, fee in stream:
        asset = ASSETS[index]
        amount = Decimal(lots) * asset.lot_size
        price = Decimal(ticks) * asset.tick_size
        commission = Decimal(fee) / 100
        ledger.apply(
            Transaction(
                order_id="o",
                asset=asset,
                amount=amount,
                price=price,
                dt=WHEN,
                commission=commission,
            )
        )
        expected_cash -= amount * price + commission
        held[index] += amount
    assert ledger.cash == expected_cash
    assert [ledger.amount(a) for a in ASSETS] == held
    units = ledger.value_units(np.array([marks], dtype=np.int64))[0]
    mark_prices = [Decimal(t) * a.tick_size for t, a in zip(marks, ASSETS, strict=True)]
    assert ledger.portfolio_value(units) == expected_cash + sum(
        (h * p for h, p in zip(held, mark_prices, strict=True)), Decimal(0)
    )


# The fixture only writes the same bar files again for every example, so sharing it is safe.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 2), st.integers(-300, 300)), max_size=30)
)
def test_portfolio_value_equals_cash_plus_positions_at_every_bar(run_strategy, orders) -> None:
    checked = []

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        portfolio = context.portfolio  # floats, each the ledger's exact figure rounded once
        positions = sum(p.amount * p.last_sale_price for p in portfolio.positions.values())
        assert portfolio.portfolio_value == pytest.approx(portfolio.cash + positions, rel=1e-12)
        checked.append(context.bar)
        for bar, asset, amount in orders:
            if bar == context.bar and amount:
                order(context.assets[asset], amount)
        context.bar += 1

    closes = [10 + (i * 7919 % 13) / 4 for i in range(12)]
    run_strategy(
        {"AAA": closes, "BBB": [c * 3 for c in closes], "CCC": [c / 7 for c in closes]},
        volumes=500,
        initialize=initialize,
        handle_data=handle_data,
    )
    assert checked == list(range(12))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30),
    st.integers(1, 10**12),
)
def test_many_positions_are_valued_as_exactly_as_a_few(lots, tick) -> None:
    """Books of any size (valued by Python integers up to a few positions, by a numpy dot
    product beyond, and by Python integers again where int64 could overflow) give
    ``cash + Σ amount × price`` to the cent."""
    assets = [Asset(symbol=f"A{i:02d}") for i in range(len(lots))]
    ledger = Ledger(assets, Decimal("100000"))
    for asset, lot in zip(assets, lots, strict=True):
        ledger.set_position(asset, lot, Decimal(0))
    ticks = np.full((1, len(assets)), tick, dtype=np.int64)
    units = ledger.value_units(ticks)[0]
    expected = Decimal("100000") + sum(
        Decimal(lot) * Decimal(tick) * a.tick_size for lot, a in zip(lots, assets, strict=True)
    )
    assert ledger.portfolio_value(units) == expected


@settings(max_examples=200, deadline=None)
@given(fills)
def test_holdings_follow_every_fill_and_each_revision_keeps_its_own(stream) -> None:
    ledger = Ledger(ASSETS, Decimal("100000"))
    kept = []
    for index, lots, ticks, fee in stream:
        asset = ASSETS[index]
        ledger.apply(
            Transaction(
                order_id="o",
                asset=asset,
                amount=Decimal(lots) * asset.lot_size,
                price=Decimal(ticks) * asset.tick_size,
                dt=WHEN,
                commission=Decimal(fee) / 100,
            )
        )
        holdings = {
            asset: ledger.holding(column)
            for column, asset in enumerate(ASSETS)
            if ledger.holding(column) is not None
        }
        expected = {
            asset: (column, int(ledger.lots[column]), ledger.cost_basis[column])
            for column, asset in enumerate(ASSETS)
            if ledger.lots[column]
        }
        assert holdings == expected
        assert ledger.held_count == len(expected) == len(ledger.held())
        kept.append((holdings, dict(expected)))
    assert all(holdings == then for holdings, then in kept)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30),
    st.integers(1, 10**12),
)
def test_gross_value_is_the_exact_sum_of_each_position_value_by_its_size(lots, tick) -> None:
    """By numpy while int64 cannot overflow, by Python integers beyond: the same sum."""
    assets = [Asset(symbol=f"A{i:02d}") for i in range(len(lots))]
    ledger = Ledger(assets, Decimal("100000"))
    for asset, lot in zip(assets, lots, strict=True):
        ledger.set_position(asset, lot, Decimal(0))
    units = ledger.value_units(np.full((1, len(assets)), tick, dtype=np.int64))[0]
    expected = sum(
        abs(Decimal(lot) * Decimal(tick) * a.tick_size) for lot, a in zip(lots, assets, strict=True)
    )
    assert ledger.units_to_money(ledger.gross_value_units(units)) == expected


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-5, 5)), max_size=30))
def test_the_columns_changed_since_any_revision_are_those_moved_after_it(moves) -> None:
    ledger = Ledger(ASSETS, Decimal(10**9))
    changed_at = [(ledger.revision, column) for column in range(len(ASSETS))]
    for column, lots in moves:
        ledger.set_position(ASSETS[column], lots, Decimal(1))
        changed_at.append((ledger.revision, column))

    for revision in range(ledger.revision + 1):
        moved = {column for at, column in changed_at if at > revision}
        assert ledger.changed_since(revision) == sorted(moved)
    assert ledger.changed_since(None) == list(range(len(ASSETS)))


def test_the_count_of_held_positions_follows_restored_and_split_positions() -> None:
    ledger = Ledger(ASSETS, Decimal("100000"))
    ledger.set_position(ASSETS[0], 3, Decimal(10))
    ledger.set_position(ASSETS[1], 5, Decimal(20))
    ledger.set_position(ASSETS[1], 7, Decimal(20))
    assert ledger.held_count == 2
    ledger.split(ASSETS[0], 4.0)  # 3 shares, 1 for 4: none left, the fraction paid in cash
    assert (ledger.held_count, int(ledger.lots[0])) == (1, 0)
    ledger.set_position(ASSETS[1], 0, Decimal(0))
    assert ledger.held_count == 0 == len(ledger.held())
