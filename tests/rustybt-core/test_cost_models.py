"""Commission and slippage models, pinned to hand-computed numbers from their formulas; and
models written for zipline, run by a backtest on zipline's float views."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pandas as pd
import pytest
from rustybt.api import order as place_order
from rustybt.api import set_commission, set_slippage, symbol
from rustybt.assets import Asset
from rustybt.errors import StrategyCodeError, StrategyError
from rustybt.finance import commission, slippage
from rustybt.finance.order import ORDER_STATUS, Order, OrderView
from rustybt.finance.transaction import Transaction

AAPL = Asset(symbol="AAPL")
D = Decimal


def order(amount: int, filled: int = 0, paid: str = "0") -> Order:
    return Order(
        id="o-test",
        asset=AAPL,
        amount=D(amount),
        created=pd.Timestamp("2024-01-02", tz="UTC"),
        created_bar=0,
        filled=D(filled),
        commission=D(paid),
    )


def fill(amount: int, price: str = "10") -> Transaction:
    return Transaction(
        order_id="o-test",
        asset=AAPL,
        amount=D(amount),
        price=D(price),
        dt=pd.Timestamp("2024-01-03", tz="UTC"),
    )


class TestPerShare:
    def test_default_is_a_tenth_of_a_cent_per_share_with_no_minimum(self) -> None:
        assert commission.PerShare().exact_commission(order(37), fill(37)) == D("0.037")

    def test_first_fill_pays_at_least_the_minimum(self) -> None:
        model = commission.PerShare(cost=0.005, min_trade_cost=1.0)
        assert model.exact_commission(order(100), fill(100)) == D("1.0")  # 100 × 0.005 = 0.5 < 1
        assert model.exact_commission(order(300), fill(300)) == D("1.500")

    def test_later_fills_pay_only_beyond_the_minimum_already_paid(self) -> None:
        model = commission.PerShare(cost=0.005, min_trade_cost=1.0)
        # 100 filled (paid the 1.00 minimum), now 100 more: total 200 × 0.005 = 1.00 → nothing.
        assert model.exact_commission(order(500, filled=100, paid="1.0"), fill(100)) == D("0")
        # 200 filled, now 100 more: total 300 × 0.005 = 1.50, minus 1.00 already paid.
        assert model.exact_commission(order(500, filled=200, paid="1.0"), fill(100)) == D("0.500")

    def test_sells_cost_the_same_as_buys(self) -> None:
        assert commission.PerShare(cost=0.01).exact_commission(order(-50), fill(-50)) == D("0.50")


def test_per_trade_charges_once_per_order() -> None:
    model = commission.PerTrade(cost=5)
    assert model.exact_commission(order(100), fill(40)) == D(5)
    assert model.exact_commission(order(100, filled=40, paid="5"), fill(60)) == D(0)


def test_per_dollar_charges_a_fraction_of_notional() -> None:
    assert commission.PerDollar(cost=0.0015).exact_commission(order(-30), fill(-30, "12.34")) == D(
        "0.555300"
    )


def test_maker_taker_charges_by_liquidity_role() -> None:
    model = commission.MakerTaker(maker=0.0002, taker=0.0007)
    taker_fill = fill(2, "100")
    assert model.exact_commission(order(2), taker_fill) == D("0.1400")
    assert model.exact_commission(order(2), attrs.evolve(taker_fill, maker=True)) == D("0.0400")


@pytest.mark.parametrize(
    "model",
    [
        commission.NoCommission(),
        commission.PerShare(cost=0.005, min_trade_cost=1.0),
        commission.PerTrade(cost=5),
        commission.PerDollar(cost=0.0015),
        commission.MakerTaker(maker=0.0002, taker=0.0007),
    ],
    ids=type,
)
@pytest.mark.parametrize("maker", [False, True])
def test_a_fill_is_charged_alike_from_its_figures_or_its_transaction(model, maker) -> None:
    for placed, done in ((order(500), fill(100)), (order(500, 200, "1.0"), fill(-300, "12.34"))):
        done = attrs.evolve(done, maker=maker)
        assert model.fill_commission(placed, done.amount, done.price, done.dt, maker) == (
            model.exact_commission(placed, done)
        )


def test_a_model_that_defines_only_its_transaction_formula_is_asked_with_the_fill() -> None:
    class ByDate(commission.ExactCommissionModel):
        def exact_commission(self, order: Order, transaction: Transaction) -> Decimal:
            return D(transaction.dt.day) + abs(transaction.amount)

    charged = ByDate().fill_commission(order(5), D(5), D(10), fill(5).dt, False)

    assert charged == D(3 + 5)


CLOSE = D("100")


class TestFixedBasisPoints:
    def test_default_pays_five_basis_points_over_the_close(self) -> None:
        price, amount = slippage.FixedBasisPointsSlippage().exact_fill(
            order(10), CLOSE, D(1000), D(0)
        )
        assert (price, amount) == (D("100.0500"), D(10))

    def test_sells_receive_five_basis_points_under_the_close(self) -> None:
        price, amount = slippage.FixedBasisPointsSlippage().exact_fill(
            order(-10), CLOSE, D(1000), D(0)
        )
        assert (price, amount) == (D("99.9500"), D(-10))

    def test_volume_limit_caps_the_amount_and_counts_earlier_fills(self) -> None:
        model = slippage.FixedBasisPointsSlippage(basis_points=10, volume_limit=0.1)
        # 10 % of 1,234 shares is 123.4 → 123 whole shares; 23 already taken this bar.
        assert model.exact_fill(order(500), CLOSE, D(1234), D(23))[1] == D(100)
        with pytest.raises(slippage.LiquidityExceeded):
            model.exact_fill(order(500), CLOSE, D(1234), D(123))


class TestVolumeShare:
    def test_impact_is_quadratic_in_the_volume_share(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        # 10 of 1000 shares: share 0.01 → impact 0.1 × 0.01² × 100 = 0.001
        assert model.exact_fill(order(10), CLOSE, D(1000), D(0)) == (D("100.00100"), D(10))

    def test_fills_are_capped_at_the_volume_limit(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        # cap 0.025 × 1000 = 25 shares; share 0.025 → impact 0.1 × 0.000625 × 100 = 0.00625
        assert model.exact_fill(order(-100), CLOSE, D(1000), D(0)) == (D("99.99375"), D(-25))

    def test_nothing_more_fills_in_the_bar_below_one_share_of_room(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        with pytest.raises(slippage.LiquidityExceeded):
            model.exact_fill(order(100), CLOSE, D(1000), D("24.5"))


def test_fixed_slippage_pays_half_the_spread() -> None:
    model = slippage.FixedSlippage(spread=0.02)
    assert model.exact_fill(order(5), CLOSE, D(0), D(0)) == (D("100.01"), D(5))
    assert model.exact_fill(order(-5), CLOSE, D(0), D(0)) == (D("99.99"), D(-5))


def test_no_slippage_fills_everything_at_the_close() -> None:
    assert slippage.NoSlippage().exact_fill(order(7), CLOSE, D(1), D(0)) == (CLOSE, D(7))


@pytest.mark.parametrize("bad", ["0.05", "3", "0"])
def test_tick_and_lot_sizes_must_be_powers_of_ten(bad: str) -> None:
    with pytest.raises(ValueError, match="power of ten"):
        Asset(symbol="X", tick_size=D(bad))


def test_fixed_basis_points_stops_the_bar_once_its_volume_share_is_taken() -> None:
    model = slippage.FixedBasisPointsSlippage(basis_points=5, volume_limit=0.1)
    with pytest.raises(slippage.LiquidityExceeded):
        model.exact_fill(order(10), CLOSE, D(1000), D(100))


def test_volume_share_refuses_a_price_beyond_the_limit_as_zipline_does() -> None:
    limit_buy = attrs.evolve(order(25), limit=D("100.005"))
    model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
    # 25 of 1000 shares: impact 0.1 × 0.025² × 100 = 0.00625 → 100.00625, over the limit.
    assert model.exact_fill(limit_buy, CLOSE, D(1000), D(0)) is None


def test_zipline_names_of_the_equity_models_import() -> None:
    from rustybt.finance.commission import (  # noqa: F401
        EquityCommissionModel,
        NoCommission,
        PerDollar,
        PerShare,
        PerTrade,
    )
    from rustybt.finance.slippage import (  # noqa: F401
        EquitySlippageModel,
        FixedBasisPointsSlippage,
        FixedSlippage,
        LiquidityExceeded,
        NoSlippage,
        VolumeShareSlippage,
        fill_price_worse_than_limit_price,
    )

    assert issubclass(VolumeShareSlippage, EquitySlippageModel)
    assert issubclass(PerShare, EquityCommissionModel)


# Models written for zipline: process_order(data, order) and calculate(order, transaction)
# on zipline's float views, run by a real backtest.


def trade_once(model_setup, amount: int = 10):
    """initialize/handle_data that set models with ``model_setup()`` and order ``amount``
    of AAA on the first bar."""

    def initialize(context):
        context.asset = symbol("AAA")
        context.done = False
        model_setup()

    def handle_data(context, data):
        if not context.done:
            place_order(context.asset, amount)
            context.done = True

    return {"initialize": initialize, "handle_data": handle_data}


def fills_of(result) -> list[tuple[Decimal, Decimal, Decimal]]:
    return [(t.amount, t.price, t.commission) for t in result.transactions]


def test_a_zipline_slippage_model_sees_the_bar_and_a_float_view_of_the_order(
    run_strategy,
) -> None:
    seen = []

    class HalfCent(slippage.SlippageModel):
        def process_order(self, data, order):
            seen.append((data.current(order.asset, "close"), order.amount, order.open_amount))
            seen.append((type(order.amount), type(order.limit), order.direction, order.filled))
            return data.current(order.asset, "close") + 0.005, order.amount

    result = run_strategy(
        {"AAA": [10, 11, 12]}, **trade_once(lambda: set_slippage(HalfCent()), amount=7)
    )
    assert seen == [(11.0, 7, 7), (int, type(None), 1.0, 0)]
    # The float answer is booked as its shortest decimal, unrounded to the tick, as zipline.
    assert fills_of(result) == [(D(7), D("11.005"), D("0.007"))]


def test_a_zipline_slippage_model_fills_in_parts_sharing_the_bar_through_volume_for_bar(
    run_strategy,
) -> None:
    class FortyPerBar(slippage.SlippageModel):
        def process_order(self, data, order):
            room = 40 - self.volume_for_bar
            if room < 1:
                raise slippage.LiquidityExceeded()
            amount = min(abs(order.open_amount), room) * order.direction
            return data.current(order.asset, "close"), amount

    def initialize(context):
        context.asset = symbol("AAA")
        context.placed = False
        set_slippage(FortyPerBar())
        set_commission(commission.NoCommission())

    def handle_data(context, data):
        if not context.placed:
            place_order(context.asset, 50)
            place_order(context.asset, 20)
            context.placed = True

    result = run_strategy({"AAA": [10] * 4}, initialize=initialize, handle_data=handle_data)
    by_bar = [(t.dt.normalize(), t.order_id, t.amount) for t in result.transactions]
    days = sorted({day for day, _, _ in by_bar})
    # Bar 2: the first order takes 40, the second finds no room; bar 3: 10, then the 20.
    assert [(days.index(day), order_id, amount) for day, order_id, amount in by_bar] == [
        (0, "o-1", D(40)),
        (1, "o-1", D(10)),
        (1, "o-2", D(20)),
    ]


def test_a_zipline_slippage_model_amount_is_truncated_to_whole_shares(run_strategy) -> None:
    class Fractional(slippage.SlippageModel):
        def process_order(self, data, order):
            return data.current(order.asset, "close"), order.open_amount * 0.69

    result = run_strategy(
        {"AAA": [10, 10, 10, 10]}, **trade_once(lambda: set_slippage(Fractional()), amount=10)
    )
    # 6.9 of 10, then 2.76 of 4, then 1.38 of 2.
    assert [t.amount for t in result.transactions] == [D(6), D(2), D(1)]


@pytest.mark.parametrize("answer", [None, (None, None), (10.0, 0), (10.0, 0.4)])
def test_a_zipline_slippage_model_that_gives_no_price_or_no_whole_share_fills_nothing(
    run_strategy, answer
) -> None:
    class Never(slippage.SlippageModel):
        def process_order(self, data, order):
            return answer

    result = run_strategy({"AAA": [10, 10, 10]}, **trade_once(lambda: set_slippage(Never())))
    assert not result.transactions


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((10.0, -10), r"Backwards\(\) filled -10 of order o-1, which has 10 open"),
        ((10.0, 11), r"Backwards\(\) filled 11 of order o-1, which has 10 open"),
        ((float("nan"), 10), r"Backwards\(\) gave nan as the price of the fill of order o-1"),
    ],
)
def test_a_zipline_slippage_model_answer_that_cannot_be_booked_stops_the_run(
    run_strategy, answer, message
) -> None:
    class Backwards(slippage.SlippageModel):
        def process_order(self, data, order):
            return answer

    with pytest.raises(StrategyError, match=message):
        run_strategy({"AAA": [10, 10, 10]}, **trade_once(lambda: set_slippage(Backwards())))


def test_an_exception_in_a_zipline_model_names_the_strategy_line(run_strategy) -> None:
    class Broken(slippage.SlippageModel):
        def process_order(self, data, order):
            return data.current(order.asset, "close") / 0, order.amount

    with pytest.raises(StrategyCodeError, match=r"test_cost_models.py:\d+ in process_order: Zero"):
        run_strategy({"AAA": [10, 10, 10]}, **trade_once(lambda: set_slippage(Broken())))


def test_a_subclass_of_a_builtin_model_overriding_process_order_is_called(run_strategy) -> None:
    class CentMore(slippage.FixedSlippage):
        def process_order(self, data, order):
            price, amount = super().process_order(data, order)
            return price + 0.01, amount

    model = CentMore(spread=0.02)
    assert slippage.exact_slippage_model(model) is None
    assert slippage.exact_slippage_model(slippage.FixedSlippage()) is not None
    result = run_strategy({"AAA": [10, 11, 12]}, **trade_once(lambda: set_slippage(model)))
    # FixedSlippage's own answer (11 + 0.02 / 2), as a float, plus the subclass's cent.
    assert [t.price for t in result.transactions] == [D("11.02")]


def test_a_zipline_commission_model_reads_the_order_before_this_fill(run_strategy) -> None:
    seen = []

    class TicketThenPerShare(commission.CommissionModel):
        def calculate(self, order, transaction):
            seen.append((order.filled, order.commission, transaction.amount, transaction.price))
            ticket = 1.0 if order.filled == 0 else 0.0
            return ticket + abs(transaction.amount) * 0.003

    def setup():
        set_commission(TicketThenPerShare())
        set_slippage(slippage.FixedBasisPointsSlippage(basis_points=0, volume_limit=0.1))

    result = run_strategy({"AAA": [10, 10, 10, 10]}, volumes=1000, **trade_once(setup, 250))
    assert seen == [(0, 0.0, 100, 10.0), (100, 1.3, 100, 10.0), (200, 1.6, 50, 10.0)]
    assert [t.commission for t in result.transactions] == [D("1.3"), D("0.3"), D("0.15")]


def test_a_zipline_commission_model_must_return_a_number(run_strategy) -> None:
    class Free(commission.CommissionModel):
        def calculate(self, order, transaction):
            return None

    with pytest.raises(StrategyError, match=r"Free\(\) gave None as the commission of a fill"):
        run_strategy({"AAA": [10, 10, 10]}, **trade_once(lambda: set_commission(Free())))


def test_order_view_shows_zipline_types_and_status() -> None:
    exact = attrs.evolve(order(-30, filled=-10, paid="0.25"), limit=D("101.5"))
    view = OrderView.of(exact)
    assert (view.amount, view.filled, view.open_amount) == (-30, -10, -20)
    assert (view.commission, view.limit, view.stop, view.direction) == (0.25, 101.5, None, -1.0)
    assert view.status == ORDER_STATUS.OPEN and view.sid is AAPL and view.order is exact
    assert view.limit * 1.01 == pytest.approx(102.515)
    exact.record_fill(D(-20), D("0.5"))
    assert view.filled == -10, "a snapshot, as zipline's get_order gives"
    assert OrderView.of(exact).status == ORDER_STATUS.FILLED
    assert OrderView.of(exact) == OrderView.of(exact)


def test_a_stop_limit_order_whose_stop_was_reached_shows_as_a_limit_order() -> None:
    exact = attrs.evolve(order(10), stop=D(105), limit=D(104))
    assert exact.triggered(D(106), pd.Timestamp("2024-01-04", tz="UTC")) is False
    view = OrderView.of(exact)
    assert (view.stop, view.stop_reached, view.limit, view.limit_reached) == (
        None,
        False,
        104.0,
        False,
    )
    assert view.dt == exact.created
    assert exact.triggered(D(104), pd.Timestamp("2024-01-05", tz="UTC")) is True
    assert OrderView.of(exact).limit_reached
    assert OrderView.of(exact).dt == pd.Timestamp("2024-01-05", tz="UTC")
