"""The results' positions column is kept current with the ledger, one fill at a time."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.assets import Asset, AssetClass
from rustybt.backtest.records import HeldPositions, SessionRecords
from rustybt.finance.ledger import Ledger
from rustybt.finance.transaction import Transaction

EQUITY = Asset(symbol="EQ")
CRYPTO = Asset(symbol="BTC/USDT", asset_class=AssetClass.CRYPTO, tick_size="0.01", lot_size="0.001")
WHEN = pd.Timestamp("2024-01-02", tz="UTC")


def fill(asset: Asset, lots: int, price: str) -> Transaction:
    return Transaction(
        order_id="o-1",
        asset=asset,
        amount=Decimal(lots) * asset.lot_size,
        price=Decimal(price),
        dt=WHEN,
    )


def test_a_snapshot_lists_held_positions_in_asset_order_as_strategies_see_them() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    held = HeldPositions(ledger)
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    ledger.apply(fill(EQUITY, 10, "12.3400"))

    snapshot = held.snapshot()

    assert [(column, symbol, amount, lots) for column, symbol, amount, _, _, lots in snapshot] == [
        (0, "EQ", 10, 10),
        (1, "BTC/USDT", Decimal("1.500"), 1500),
    ]
    assert [entry[3] for entry in snapshot] == ledger.cost_basis
    assert [entry[4] for entry in snapshot] == [Decimal("0.0001"), Decimal("0.01")]


def test_unchanged_positions_keep_their_entry_and_closed_ones_leave() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    held = HeldPositions(ledger)
    ledger.apply(fill(EQUITY, 10, "12.3400"))
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    first = held.snapshot()

    ledger.apply(fill(CRYPTO, -1500, "31000.00"))
    second = held.snapshot()

    assert second == (first[0],)
    assert second[0] is first[0]


def test_a_new_cost_basis_on_the_same_amount_renews_the_entry() -> None:
    ledger = Ledger([EQUITY], Decimal(100_000))
    held = HeldPositions(ledger)
    ledger.apply(fill(EQUITY, 10, "12.3400"))
    held.snapshot()

    ledger.set_position(EQUITY, 10, Decimal("11.0000"))

    assert held.snapshot()[0][3] == Decimal("11.0000")


def test_assets_the_ledger_adds_later_join_the_snapshot() -> None:
    ledger = Ledger([EQUITY], Decimal(100_000))
    held = HeldPositions(ledger)
    held.snapshot()

    ledger.add_assets([CRYPTO])
    ledger.apply(fill(CRYPTO, 2, "30000.00"))

    assert [entry[1] for entry in held.snapshot()] == ["BTC/USDT"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3).filter(bool)), max_size=30))
def test_snapshots_taken_along_the_way_equal_one_taken_from_scratch(stream) -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    held = HeldPositions(ledger)
    for index, lots in stream:
        ledger.apply(fill([EQUITY, CRYPTO][index], lots, "10.00"))
        along = held.snapshot()
        fresh = HeldPositions(ledger).snapshot()
        assert along == fresh


def test_the_positions_column_prices_each_entry_at_its_session_close() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    held = HeldPositions(ledger)
    records = SessionRecords(starting_value=Decimal(100_000))
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    records.add(ledger.cash, held.snapshot(), None, {}, [], [])

    ticks_at_close = np.array([[0, 3_100_000]], dtype=np.int64)
    (positions,) = records.columns(ticks_at_close, ledger)["positions"]

    assert positions == [
        {
            "symbol": "BTC/USDT",
            "amount": Decimal("1.500"),
            "cost_basis": Decimal("30000.00"),
            "last_sale_price": Decimal("31000.00"),
        }
    ]


sessions = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.one_of(st.just(0), st.sampled_from([-5, 5]), st.integers(-2_000, 2_000)),
        st.integers(1, 10**9),
        st.integers(1, 10**9),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(sessions)
def test_session_values_are_exact_arithmetic_rounded_once(stream) -> None:
    """Each session: maybe a fill (whose commission makes cash finer than the value unit),
    then a close; every figure is the exact one, rounded to float once."""
    ledger = Ledger([EQUITY, CRYPTO], Decimal("1000000"))
    held = HeldPositions(ledger)
    records = SessionRecords(starting_value=ledger.cash)
    closes, values, cash = [], [ledger.cash], []
    for index, lots, equity_ticks, crypto_ticks in stream:
        if lots:
            asset = [EQUITY, CRYPTO][index]
            ledger.apply(
                Transaction(
                    order_id="o-1",
                    asset=asset,
                    amount=Decimal(lots) * asset.lot_size,
                    price=Decimal("12.3456") if asset is EQUITY else Decimal("30000.01"),
                    dt=WHEN,
                    commission=Decimal("0.00001") * abs(lots),
                )
            )
        closes.append([equity_ticks, crypto_ticks])
        units = ledger.value_units(np.array(closes[-1]))
        # Every other session comes valued already, as when the strategy sized an order.
        known = ledger.positions_value_units(units) if len(closes) % 2 else None
        records.add(ledger.cash, held.snapshot(), known, {}, [], [])
        values.append(ledger.portfolio_value(units))
        cash.append(ledger.cash)

    columns = records.columns(np.array(closes, dtype=np.int64), ledger)

    exact = [Fraction(value) for value in values]
    assert columns["portfolio_value"].tolist() == [float(v) for v in exact[1:]]
    assert columns["cash"].tolist() == [float(c) for c in cash]
    assert columns["positions_value"].tolist() == [
        float(v - Fraction(c)) for v, c in zip(exact[1:], cash, strict=True)
    ]
    assert columns["pnl"].tolist() == [
        float(v - p) for v, p in zip(exact[1:], exact[:-1], strict=True)
    ]
    assert columns["returns"].tolist() == [
        float((v - p) / p) for v, p in zip(exact[1:], exact[:-1], strict=True)
    ]
