"""``context.portfolio`` is a snapshot of the ledger at one bar that costs only what is read
of it: its positions are a view that makes each position when first read, with the values
and types an eagerly built dict of positions has."""

from __future__ import annotations

import copy
import gc
import pickle
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.api import order, order_target, symbols
from rustybt.assets import Asset, AssetClass
from rustybt.finance.ledger import Ledger
from rustybt.portfolio import HoldingsAtBar, Position, Positions, position_amount

CLOSES = {
    "AAA": [10.0, 10.5, 11.25, 10.75, 12.0, 12.5, 11.0],
    "BBB": [20.0, 19.5, 21.0, 22.25, 21.5, 20.0, 23.0],
    "CCC": [5.0, 5.25, 5.5, 5.0, 4.75, 5.125, 5.5],
}
TIMES = pd.date_range("2024-01-02", periods=3, freq="D", tz="UTC", unit="ns")


def figures(position: Position) -> tuple:
    return (
        position.asset,
        position.amount,
        position.cost_basis,
        position.last_sale_price,
        position.last_sale_date,
    )


def trade_each_bar(context) -> None:
    """Buy AAA and BBB, sell CCC short, then close BBB: positions open, change and close."""
    aaa, bbb, ccc = context.assets
    step = {0: [(aaa, 10), (bbb, 7)], 1: [(ccc, -4)], 2: [(aaa, 5)], 3: [(bbb, -7)]}
    for asset, amount in step.get(context.bar, []):
        order(asset, amount)
    context.bar += 1


def test_positions_read_each_bar_are_those_of_the_results_frame(run_strategy) -> None:
    seen = []

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        positions = context.portfolio.positions
        seen.append(
            [
                {
                    "sid": p.asset,
                    "amount": p.amount,
                    "cost_basis": p.cost_basis,
                    "last_sale_price": p.last_sale_price,
                }
                for p in positions.values()
            ]
        )
        trade_each_bar(context)

    result = run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    expected = [
        [{k: p[k] for k in ("sid", "amount", "cost_basis", "last_sale_price")} for p in row]
        for row in result.frame["positions"]
    ]
    assert seen == expected
    assert [len(row) for row in seen] == [0, 2, 3, 3, 2, 2, 2]


def test_a_snapshot_read_in_a_later_bar_gives_the_figures_of_its_own_bar(run_strategy) -> None:
    kept = {}

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        if context.bar == 2:
            # Kept unread: its positions are made only after the run went on.
            kept["positions"] = context.portfolio.positions
            kept["eager"] = {a: figures(p) for a, p in context.portfolio.positions.items()}
            kept["aaa"] = context.assets[0]
        trade_each_bar(context)

    run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    positions, aaa = kept["positions"], kept["aaa"]
    assert positions[aaa].last_sale_price == CLOSES["AAA"][2]
    assert {a: figures(p) for a, p in positions.items()} == kept["eager"]


def test_reading_one_position_of_many_makes_only_that_one() -> None:
    assets = [Asset(symbol=f"S{i:04d}") for i in range(1000)]
    ledger = Ledger(assets, Decimal(10**9))
    for lots, asset in enumerate(assets, start=1):
        ledger.set_position(asset, lots, Decimal("1.5"))
    positions = Positions.of(view_at(ledger, ticks=[100] * len(assets)))

    before = sum(isinstance(o, Position) for o in gc.get_objects())
    position = positions[assets[500]]
    made = sum(isinstance(o, Position) for o in gc.get_objects()) - before

    assert made == 1
    assert (position.amount, assets[500] in positions, len(positions)) == (501, True, 1000)


def view_at(ledger: Ledger, ticks: list[int], bar: int = 0) -> HoldingsAtBar:
    """The ledger's holdings at one bar of a single-bar price grid."""
    return HoldingsAtBar(
        ledger.holdings(),
        bar=bar,
        ticks=np.array(ticks, dtype=np.int64),
        last_bars=np.full(len(ticks), bar, dtype=np.int64),
        times_ns=TIMES.asi8,
    )


def eager_and_view() -> tuple[dict[Asset, Position], Positions, list[Asset]]:
    """The positions of a ledger holding two of three assets, eagerly and as a view."""
    assets = [Asset(symbol="AAA"), Asset(symbol="BBB"), Asset(symbol="CCC")]
    ledger = Ledger(assets, Decimal(100000))
    ledger.set_position(assets[2], -4, Decimal("5.25"))
    ledger.set_position(assets[0], 10, Decimal("10.0001"))
    ticks = [105000, 195000, 55000]
    eager = {
        asset: Position(
            asset=asset,
            amount=position_amount(asset, ledger.amount(asset)),
            cost_basis=float(ledger.cost_basis[column]),
            last_sale_price=float(asset.price_from_ticks(ticks[column])),
            last_sale_date=TIMES[0],
        )
        for column, asset in enumerate(assets)
        if ledger.amount(asset)
    }
    return eager, Positions.of(view_at(ledger, ticks)), assets


def test_the_view_answers_as_a_dict_of_every_position_does() -> None:
    eager, view, (aaa, bbb, ccc) = eager_and_view()
    assert (aaa in view, bbb in view, len(view), view.get(bbb), view.get(bbb, 0)) == (
        True,
        False,
        2,
        None,
        0,
    )
    assert view[bbb] == Position(asset=bbb)
    assert bbb not in view
    assert view[ccc] is view[ccc]
    assert view == eager
    assert list(view) == [aaa, ccc]  # asset order, not the order they were opened in
    assert repr(view) == repr(eager)
    assert dict(view) == {**view} == eager
    assert type(view) is Positions and isinstance(view, dict)


@pytest.mark.parametrize(
    "copied",
    [copy.copy, copy.deepcopy, lambda p: pickle.loads(pickle.dumps(p))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_a_copied_view_is_a_plain_positions_dict_with_the_same_figures(copied) -> None:
    eager, view, _ = eager_and_view()
    again = copied(view)
    assert type(again) is Positions
    assert again == eager
    assert [figures(p) for p in again.values()] == [figures(p) for p in eager.values()]


def test_positions_read_as_views_equal_hash_and_print_as_built_ones() -> None:
    eager, view, (aaa, _, ccc) = eager_and_view()
    for asset in (aaa, ccc):
        assert view[asset] == eager[asset]
        assert hash(view[asset]) == hash(eager[asset])
        assert repr(view[asset]) == repr(eager[asset])
    assert repr(view[ccc]) == (
        "Position(asset=Asset('CCC'), amount=-4, cost_basis=5.25, last_sale_price=5.5, "
        "last_sale_date=Timestamp('2024-01-02 00:00:00+0000', tz='UTC'))"
    )
    with pytest.raises(AttributeError):
        view[aaa].amount = 3  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["0.0001", "0.01", "1E-8", "1", "10"]),
    st.sampled_from(["1", "0.001", "1E-8", "100"]),
    st.integers(-(10**12), 10**12).filter(bool),
    st.integers(0, 10**15),
)
def test_a_position_view_gives_the_floats_of_the_exact_ledger(tick, lot, lots, ticks) -> None:
    asset = Asset(symbol="X", asset_class=AssetClass.CRYPTO, tick_size=tick, lot_size=lot)
    ledger = Ledger([asset], Decimal(100000))
    ledger.set_position(asset, lots, Decimal(ticks).scaleb(asset.tick_exponent))
    position = Positions.of(view_at(ledger, [ticks]))[asset]
    assert position.amount == position_amount(asset, ledger.amount(asset))
    assert type(position.amount) is type(position_amount(asset, ledger.amount(asset)))
    assert position.last_sale_price == float(asset.price_from_ticks(ticks))
    assert position.cost_basis == float(ledger.cost_basis[0])


def test_an_asset_without_a_bar_yet_has_no_last_sale_date() -> None:
    asset = Asset(symbol="AAA")
    ledger = Ledger([asset], Decimal(100000))
    ledger.set_position(asset, 3, Decimal(10))
    holdings = HoldingsAtBar(
        ledger.holdings(),
        bar=1,
        ticks=np.array([0], dtype=np.int64),
        last_bars=np.array([-1], dtype=np.int64),
        times_ns=TIMES.asi8,
    )
    assert Positions.of(holdings)[asset].last_sale_date is None


def test_editing_the_positions_read_leaves_the_next_read_whole(run_strategy) -> None:
    seen = []

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        aaa = context.assets[0]
        if context.bar == 2:
            first = context.portfolio.positions
            del first[aaa]
            seen.append((aaa in first, aaa in context.portfolio.positions))
            seen.append(context.portfolio.positions[aaa].amount)
        trade_each_bar(context)

    run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    assert seen == [(False, True), 10]


def test_the_portfolio_read_again_in_a_bar_is_the_same_snapshot_until_a_fill(
    run_strategy,
) -> None:
    seen = []

    def initialize(context):
        context.asset = symbols("AAA")[0]
        context.bar = 0

    def handle_data(context, data):
        portfolio = context.portfolio
        seen.append(
            (
                context.portfolio is portfolio,
                context.account is context.account,
                portfolio.positions[context.asset].amount,
            )
        )
        order_target(context.asset, 10 * (context.bar % 2 + 1))
        context.bar += 1

    run_strategy({"AAA": CLOSES["AAA"][:4]}, initialize=initialize, handle_data=handle_data)
    assert seen == [(True, True, 0), (True, True, 10), (True, True, 20), (True, True, 10)]


def test_account_leverage_counts_short_positions_by_their_size(run_strategy) -> None:
    seen = []

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        portfolio, account = context.portfolio, context.account
        gross = sum(abs(p.amount * p.last_sale_price) for p in portfolio.positions.values())
        net = sum(p.amount * p.last_sale_price for p in portfolio.positions.values())
        seen.append((account.gross_leverage, account.net_leverage, portfolio.portfolio_value))
        assert account.gross_leverage == pytest.approx(gross / portfolio.portfolio_value)
        assert account.net_leverage == pytest.approx(net / portfolio.portfolio_value)
        trade_each_bar(context)

    run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    # The bar after the short sale holds a short: the gross leverage is above the net.
    assert seen[2][0] > seen[2][1] > 0


def test_a_portfolio_first_read_after_the_run_went_on_gives_the_figures_of_its_bar(
    run_strategy,
) -> None:
    kept = {}

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        if context.bar == 2:
            kept["unread"] = context.portfolio  # nothing read of it until the run ended
        trade_each_bar(context)

    result = run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    unread, row = kept["unread"], result.frame.iloc[2]
    assert (unread.portfolio_value, unread.cash, unread.positions_value) == (
        row["portfolio_value"],
        row["ending_cash"],
        row["ending_value"],
    )
    assert pickle.loads(pickle.dumps(unread)) == unread
    assert repr(unread).startswith("Portfolio(cash=")
