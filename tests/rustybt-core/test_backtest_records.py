"""The results' positions column is kept current with the ledger, one fill at a time."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.assets import Asset, AssetClass
from rustybt.engine.records import (
    HeldPositionChanges,
    SessionRecords,
    held_by_session,
)
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


def test_the_first_changes_list_every_held_position_as_strategies_see_it() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    ledger.apply(fill(EQUITY, 10, "12.3400"))

    (held,) = held_by_session([tracker.changes()])

    assert [(column, symbol, amount, lots) for column, symbol, amount, _, _, lots in held] == [
        (0, "EQ", 10, 10),
        (1, "BTC/USDT", Decimal("1.500"), 1500),
    ]
    assert [cost_basis for _, _, _, cost_basis, _, _ in held] == ledger.cost_basis
    # What the positions column shows: the asset, the cost as a float, the tick as up/down.
    assert [shown for _, _, _, _, shown, _ in held] == [
        (EQUITY, 12.34, 1, 10_000),
        (CRYPTO, 30000.0, 1, 100),
    ]


def test_later_changes_name_only_what_moved_and_closed_positions_leave() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    ledger.apply(fill(EQUITY, 10, "12.3400"))
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    first = tracker.changes()
    ledger.apply(fill(CRYPTO, -1500, "31000.00"))
    second = tracker.changes()

    assert second == ((1, None),)
    assert tracker.changes() == ()
    before, after, unchanged = held_by_session([first, second, ()])
    assert after == (before[0],)
    assert unchanged is after


def test_a_new_cost_basis_on_the_same_amount_is_a_change() -> None:
    ledger = Ledger([EQUITY], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    ledger.apply(fill(EQUITY, 10, "12.3400"))
    tracker.changes()

    ledger.set_position(EQUITY, 10, Decimal("11.0000"))

    ((column, (_, _, _, cost_basis, _, _)),) = tracker.changes()
    assert (column, cost_basis) == (0, Decimal("11.0000"))


def test_assets_the_ledger_adds_later_are_tracked() -> None:
    ledger = Ledger([EQUITY], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    first = tracker.changes()

    ledger.add_assets([CRYPTO])
    ledger.apply(fill(CRYPTO, 2, "30000.00"))

    _, held = held_by_session([first, tracker.changes()])
    assert [symbol for _, symbol, *_ in held] == ["BTC/USDT"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), max_size=30))
def test_positions_rebuilt_from_changes_equal_the_ledger_at_every_session(stream) -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    recorded, expected = [], []
    for index, lots in stream:
        if lots:
            ledger.apply(fill([EQUITY, CRYPTO][index], lots, "10.00"))
        recorded.append(tracker.changes())
        expected.append(held_by_session([HeldPositionChanges(ledger).changes()])[0])

    assert held_by_session(recorded) == expected


def test_the_positions_column_prices_each_entry_at_its_session_close() -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal(100_000))
    tracker = HeldPositionChanges(ledger)
    records = SessionRecords(starting_value=Decimal(100_000))
    ledger.apply(fill(CRYPTO, 1500, "30000.00"))
    records.add(ledger.cash, tracker.changes(), None, {}, [], [])

    ticks_at_close = np.array([[0, 3_100_000]], dtype=np.int64)
    (positions,) = records.detail_columns(ticks_at_close, ledger)["positions"]

    assert positions == [
        {
            "sid": CRYPTO,
            "symbol": "BTC/USDT",
            "amount": 1.5,
            "cost_basis": 30000.0,
            "last_sale_price": 31000.0,
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
    check_values_are_exact(stream, commission_per_lot=Decimal("0.00001"))


@settings(max_examples=100, deadline=None)
@given(sessions)
def test_values_are_exact_when_cash_is_finer_than_the_value_unit(stream) -> None:
    check_values_are_exact(stream, commission_per_lot=Decimal("0.000000013"))


@settings(max_examples=100, deadline=None)
@given(sessions)
def test_values_too_large_for_a_float_mantissa_are_exact_too(stream) -> None:
    # Closes of up to 10**13 dollars a share: values beyond what a float holds exactly.
    check_values_are_exact(stream, commission_per_lot=Decimal("0.01"), tick_scale=10**8)


def check_values_are_exact(
    stream: list[tuple[int, int, int, int]], commission_per_lot: Decimal, tick_scale: int = 1
) -> None:
    ledger = Ledger([EQUITY, CRYPTO], Decimal("1000000"))
    tracker = HeldPositionChanges(ledger)
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
                    commission=commission_per_lot * abs(lots),
                )
            )
        closes.append([equity_ticks * tick_scale, crypto_ticks])
        units = ledger.value_units(np.array(closes[-1]))
        # Every other session comes valued already, as when the strategy sized an order.
        known = ledger.positions_value_units(units) if len(closes) % 2 else None
        records.add(ledger.cash, tracker.changes(), known, {}, [], [])
        values.append(ledger.portfolio_value(units))
        cash.append(ledger.cash)

    columns = records.value_columns(np.array(closes, dtype=np.int64), ledger)

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
