"""``context.portfolio`` is live, as zipline's is: the same portfolio, dict of positions and
position objects from bar to bar, brought up to date when the strategy reads
``context.portfolio``, each figure worked out when read, with the values and types an
eagerly built dict of positions has."""

from __future__ import annotations

import copy
import gc
import pickle
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rustybt.api import order, order_target, symbols
from rustybt.assets import Asset, AssetClass
from rustybt.data.bar_arrays import BarArrays
from rustybt.finance.ledger import Ledger
from rustybt.portfolio import (
    BarQuotes,
    HeldPositions,
    Portfolio,
    Position,
    Positions,
    live_view,
    live_view_token,
    position_amount,
)

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


def test_what_a_strategy_keeps_of_its_portfolio_stays_up_to_date_as_zipline_s(
    run_strategy,
) -> None:
    kept, seen = {}, []

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0
        kept["positions"] = context.portfolio.positions  # empty before the first bar

    def handle_data(context, data):
        portfolio = context.portfolio
        aaa, bbb = context.assets[:2]
        if context.bar == 1:
            kept["aaa"], kept["bbb"] = portfolio.positions[aaa], portfolio.positions[bbb]
            kept["portfolio"] = portfolio
        if "aaa" in kept:
            seen.append((kept["aaa"].amount, kept["bbb"].amount, kept["aaa"].last_sale_price))
        assert portfolio is kept.get("portfolio", portfolio)
        assert portfolio.positions is kept["positions"]
        trade_each_bar(context)

    result = run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    # AAA grows from 10 to 15 shares; BBB closes in the fifth bar and reads 0 from then on.
    assert seen == [
        (10, 7, 10.5),
        (10, 7, 11.25),
        (15, 7, 10.75),
        (15, 0, 12.0),
        (15, 0, 12.5),
        (15, 0, 11.0),
    ]
    last = result.frame.iloc[-1]
    assert kept["portfolio"].portfolio_value == last["portfolio_value"]
    assert kept["portfolio"].cash == last["ending_cash"]
    assert list(kept["positions"]) == list(symbols_of(result.frame["positions"].iloc[-1]))


def symbols_of(rows: list[dict]) -> list[Asset]:
    return [row["sid"] for row in rows]


def test_a_bar_without_fills_changes_nothing_and_a_fill_only_its_position() -> None:
    assets = [Asset(symbol=f"S{i:04d}") for i in range(1000)]
    ledger = Ledger(assets, Decimal(10**9))
    for lots, asset in enumerate(assets, start=1):
        ledger.set_position(asset, lots, Decimal("1.5"))
    held = HeldPositions(quotes_of(assets, ticks=[100] * len(assets)))
    positions = held.update(ledger)
    before = {asset: positions[asset] for asset in assets}

    assert held.update(ledger) is positions
    ledger.set_position(assets[500], 7, Decimal("2"))
    made_before = sum(isinstance(o, Position) for o in gc.get_objects())
    assert held.update(ledger) is positions
    made = sum(isinstance(o, Position) for o in gc.get_objects()) - made_before

    assert made == 0  # the position changed in place
    assert all(positions[asset] is before[asset] for asset in assets)
    assert (positions[assets[500]].amount, positions[assets[500]].cost_basis) == (7, 2.0)
    assert len(positions) == 1000


def test_positions_opened_out_of_asset_order_are_listed_in_asset_order() -> None:
    assets = [Asset(symbol="AAA"), Asset(symbol="BBB"), Asset(symbol="CCC")]
    ledger = Ledger(assets, Decimal(100000))
    held = HeldPositions(quotes_of(assets, ticks=[100000, 200000, 50000]))
    ledger.set_position(assets[2], 4, Decimal(5))
    positions = held.update(ledger)
    ledger.set_position(assets[0], 10, Decimal(10))
    ledger.set_position(assets[1], 7, Decimal(20))
    assert held.update(ledger) is positions

    assert list(positions) == assets
    assert [p.asset for p in positions.values()] == assets
    assert list(dict(positions)) == list({**positions}) == assets
    assert repr(positions).index("AAA") < repr(positions).index("CCC")


def test_a_checkpoint_keeps_live_views_as_tokens_that_give_a_restart_its_own() -> None:
    assets = [Asset(symbol="AAA"), Asset(symbol="BBB")]
    ledger = Ledger(assets, Decimal(100000))
    ledger.set_position(assets[0], 10, Decimal(10))
    held = HeldPositions(quotes_of(assets, ticks=[100000, 200000]))
    positions = held.update(ledger)
    portfolio = Portfolio(
        cash=1.0,
        positions=positions,
        positions_value=0.0,
        portfolio_value=1.0,
        starting_cash=1.0,
        start_date=None,
    )
    views = [portfolio, positions, positions[assets[0]], Position(asset=assets[0]), {}]

    tokens = [live_view_token(view, portfolio) for view in views]
    assert tokens == [("portfolio",), ("positions",), ("position", "AAA", ""), None, None]
    assert all(
        live_view(t, portfolio, held, ledger) is v
        for t, v in zip(tokens[:3], views[:3], strict=True)
    )
    closed = live_view(("position", "BBB", ""), portfolio, held, ledger)
    assert (closed.amount, closed.last_sale_price) == (0, 20.0)
    with pytest.raises(ValueError, match="no asset 'ZZZ'"):
        live_view(("position", "ZZZ", ""), portfolio, held, ledger)


def quotes_of(assets: list[Asset], ticks: list[int], bar: int = 0) -> BarQuotes:
    """Quotes at ``bar`` of bars whose every close is ``ticks`` (per asset)."""
    times = TIMES[: bar + 1]
    closes = [
        float(Decimal(tick).scaleb(asset.tick_exponent))
        for asset, tick in zip(assets, ticks, strict=True)
    ]
    bars = pd.DataFrame(
        [
            {"timestamp": time, "symbol": asset.symbol, "close": close}
            for time in times
            for asset, close in zip(assets, closes, strict=True)
            if close
        ],
        columns=["timestamp", "symbol", "close"],
    ).assign(open=lambda f: f["close"], high=lambda f: f["close"], low=lambda f: f["close"])
    arrays = BarArrays(bars.assign(volume=100.0), assets, pd.DatetimeIndex(times))
    return BarQuotes(lambda: arrays, lambda: times.asi8, lambda: bar)


def eager_and_view() -> tuple[dict[Asset, Position], Positions, list[Asset]]:
    """The positions of a ledger holding two of three assets, eagerly and as kept."""
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
    return eager, HeldPositions(quotes_of(assets, ticks)).update(ledger), assets


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
    position = HeldPositions(quotes_of([asset], [ticks])).update(ledger)[asset]
    assert position.amount == position_amount(asset, ledger.amount(asset))
    assert type(position.amount) is type(position_amount(asset, ledger.amount(asset)))
    assert position.last_sale_price == float(asset.price_from_ticks(ticks))
    assert position.cost_basis == float(ledger.cost_basis[0])


def test_an_asset_without_a_bar_yet_has_no_last_sale_date() -> None:
    assets = [Asset(symbol="AAA"), Asset(symbol="BBB")]
    ledger = Ledger(assets, Decimal(100000))
    ledger.set_position(assets[1], 3, Decimal(10))
    positions = HeldPositions(quotes_of(assets, ticks=[100000, 0])).update(ledger)
    assert positions[assets[1]].last_sale_date is None
    assert positions[assets[1]].last_sale_price == 0.0


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


def test_the_portfolio_read_again_is_the_same_object_and_the_account_until_a_fill(
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


def test_a_portfolio_kept_and_read_after_the_run_gives_its_last_figures(run_strategy) -> None:
    kept = {}

    def initialize(context):
        context.assets = symbols("AAA", "BBB", "CCC")
        context.bar = 0

    def handle_data(context, data):
        if context.bar == 2:
            kept["unread"] = context.portfolio  # nothing read of it until the run ended
        trade_each_bar(context)

    result = run_strategy(CLOSES, initialize=initialize, handle_data=handle_data)
    unread, row = kept["unread"], result.frame.iloc[-1]
    assert (unread.portfolio_value, unread.cash, unread.positions_value) == (
        row["portfolio_value"],
        row["ending_cash"],
        row["ending_value"],
    )
    copied = pickle.loads(pickle.dumps(unread))
    assert copied == unread and type(copied.positions) is Positions
    assert repr(unread).startswith("Portfolio(cash=")
