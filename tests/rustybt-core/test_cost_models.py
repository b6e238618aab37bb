"""Commission and slippage models, pinned to hand-computed numbers from their formulas."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pandas as pd
import pytest
from rustybt.assets import Asset
from rustybt.finance import commission, slippage
from rustybt.finance.order import Order
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
        assert commission.PerShare().calculate(order(37), fill(37)) == D("0.037")

    def test_first_fill_pays_at_least_the_minimum(self) -> None:
        model = commission.PerShare(cost=0.005, min_trade_cost=1.0)
        assert model.calculate(order(100), fill(100)) == D("1.0")  # 100 × 0.005 = 0.5 < 1
        assert model.calculate(order(300), fill(300)) == D("1.500")

    def test_later_fills_pay_only_beyond_the_minimum_already_paid(self) -> None:
        model = commission.PerShare(cost=0.005, min_trade_cost=1.0)
        # 100 filled (paid the 1.00 minimum), now 100 more: total 200 × 0.005 = 1.00 → nothing.
        assert model.calculate(order(500, filled=100, paid="1.0"), fill(100)) == D("0")
        # 200 filled, now 100 more: total 300 × 0.005 = 1.50, minus 1.00 already paid.
        assert model.calculate(order(500, filled=200, paid="1.0"), fill(100)) == D("0.500")

    def test_sells_cost_the_same_as_buys(self) -> None:
        assert commission.PerShare(cost=0.01).calculate(order(-50), fill(-50)) == D("0.50")


def test_per_trade_charges_once_per_order() -> None:
    model = commission.PerTrade(cost=5)
    assert model.calculate(order(100), fill(40)) == D(5)
    assert model.calculate(order(100, filled=40, paid="5"), fill(60)) == D(0)


def test_per_dollar_charges_a_fraction_of_notional() -> None:
    assert commission.PerDollar(cost=0.0015).calculate(order(-30), fill(-30, "12.34")) == D(
        "0.555300"
    )


def test_maker_taker_charges_by_liquidity_role() -> None:
    model = commission.MakerTaker(maker=0.0002, taker=0.0007)
    taker_fill = fill(2, "100")
    assert model.calculate(order(2), taker_fill) == D("0.1400")
    assert model.calculate(order(2), attrs.evolve(taker_fill, maker=True)) == D("0.0400")


CLOSE = D("100")


class TestFixedBasisPoints:
    def test_default_pays_five_basis_points_over_the_close(self) -> None:
        price, amount = slippage.FixedBasisPointsSlippage().process_order(
            order(10), CLOSE, D(1000), D(0)
        )
        assert (price, amount) == (D("100.0500"), D(10))

    def test_sells_receive_five_basis_points_under_the_close(self) -> None:
        price, amount = slippage.FixedBasisPointsSlippage().process_order(
            order(-10), CLOSE, D(1000), D(0)
        )
        assert (price, amount) == (D("99.9500"), D(-10))

    def test_volume_limit_caps_the_amount_and_counts_earlier_fills(self) -> None:
        model = slippage.FixedBasisPointsSlippage(basis_points=10, volume_limit=0.1)
        # 10 % of 1,234 shares is 123.4 → 123 whole shares; 23 already taken this bar.
        assert model.process_order(order(500), CLOSE, D(1234), D(23))[1] == D(100)
        assert model.process_order(order(500), CLOSE, D(1234), D(123)) is None


class TestVolumeShare:
    def test_impact_is_quadratic_in_the_volume_share(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        # 10 of 1000 shares: share 0.01 → impact 0.1 × 0.01² × 100 = 0.001
        assert model.process_order(order(10), CLOSE, D(1000), D(0)) == (D("100.00100"), D(10))

    def test_fills_are_capped_at_the_volume_limit(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        # cap 0.025 × 1000 = 25 shares; share 0.025 → impact 0.1 × 0.000625 × 100 = 0.00625
        assert model.process_order(order(-100), CLOSE, D(1000), D(0)) == (D("99.99375"), D(-25))

    def test_no_fill_below_one_share_of_room(self) -> None:
        model = slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)
        assert model.process_order(order(100), CLOSE, D(1000), D("24.5")) is None


def test_fixed_slippage_pays_half_the_spread() -> None:
    model = slippage.FixedSlippage(spread=0.02)
    assert model.process_order(order(5), CLOSE, D(0), D(0)) == (D("100.01"), D(5))
    assert model.process_order(order(-5), CLOSE, D(0), D(0)) == (D("99.99"), D(-5))


def test_no_slippage_fills_everything_at_the_close() -> None:
    assert slippage.NoSlippage().process_order(order(7), CLOSE, D(1), D(0)) == (CLOSE, D(7))


@pytest.mark.parametrize("bad", ["0.05", "3", "0"])
def test_tick_and_lot_sizes_must_be_powers_of_ten(bad: str) -> None:
    with pytest.raises(ValueError, match="power of ten"):
        Asset(symbol="X", tick_size=D(bad))
