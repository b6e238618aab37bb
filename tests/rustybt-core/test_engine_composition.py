"""The one engine: its books exist before ``initialize``, and orders move through one table."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.assets import Asset
from rustybt.backtest import BacktestConfig, backtest_engine, run_algorithm
from rustybt.data.sample_source import SampleDataSource
from rustybt.engine import SimulatedClock, SimulatedExecution, StoredBars
from rustybt.finance.order import IllegalOrderTransition, Order, OrderStatus
from rustybt.finance.order_book import OrderBook


def test_portfolio_and_account_are_readable_in_initialize() -> None:
    seen = {}

    def initialize(context) -> None:
        context.asset = context.symbol("AAPL")
        portfolio, account = context.portfolio, context.account
        seen.update(
            cash=portfolio.cash,
            value=portfolio.portfolio_value,
            positions=dict(portfolio.positions),
            start=portfolio.start_date,
            leverage=account.leverage,
            amount=portfolio.positions[context.asset].amount,
        )

    run_algorithm(start="2010-01-04", end="2010-01-08", initialize=initialize, capital_base=25_000)
    assert seen == {
        "cash": Decimal(25_000),
        "value": Decimal(25_000),
        "positions": {},
        "start": pd.Timestamp("2010-01-04", tz="UTC"),
        "leverage": 0.0,
        "amount": 0,
    }


def test_a_backtest_is_the_engine_on_simulated_time_stored_bars_and_simulated_fills() -> None:
    engine = backtest_engine(
        TradingAlgorithm(),
        SampleDataSource(),
        BacktestConfig(start="2010-01-04", end="2010-01-08"),
    )
    assert isinstance(engine.clock, SimulatedClock)
    assert isinstance(engine.feed, StoredBars)
    assert isinstance(engine.execution, SimulatedExecution)
    assert engine.execution.books is engine.books


def order(amount: int = 10) -> Order:
    return Order(
        id="o-1",
        asset=Asset(symbol="AAA"),
        amount=Decimal(amount),
        created=pd.Timestamp("2024-01-02", tz="UTC"),
        created_bar=0,
    )


def test_partial_fills_keep_an_order_open_until_nothing_is_left() -> None:
    placed = order(10)
    placed.record_fill(Decimal(4), Decimal("0.004"))
    assert (placed.status, placed.open_amount) == (OrderStatus.OPEN, Decimal(6))
    placed.record_fill(Decimal(6), Decimal("0.006"))
    assert (placed.status, placed.commission) == (OrderStatus.FILLED, Decimal("0.010"))


@pytest.mark.parametrize(
    "finish",
    [
        lambda o: o.cancel(),
        lambda o: o.reject("risk"),
        lambda o: o.record_fill(Decimal(10), Decimal(0)),
    ],
)
def test_an_order_in_a_final_state_never_changes_again(finish) -> None:
    placed = order(10)
    finish(placed)
    final = placed.status
    with pytest.raises(IllegalOrderTransition, match=f"order o-1 cannot go from {final}"):
        placed.cancel()
    with pytest.raises(IllegalOrderTransition):
        placed.record_fill(Decimal(1), Decimal(0))
    assert placed.status is final


def test_the_order_book_keeps_open_orders_by_asset_and_finished_ones_findable() -> None:
    book = OrderBook("s")
    when = pd.Timestamp("2024-01-02", tz="UTC")
    asset = Asset(symbol="AAA")
    first = book.place(asset=asset, amount=Decimal(5), created=when, created_bar=0)
    second = book.place(
        asset=asset, amount=Decimal(7), created=when, created_bar=0, limit=Decimal("10.123456")
    )
    book.cancel(first)
    assert book.open_orders() == [second] and second.limit == Decimal(
        "10.12"
    )  # a buy limit, to the cent
    assert book.get("s-1") is first and first.status is OrderStatus.CANCELLED
    assert book.placed_today == 2 and list(book.touched) == ["s-1", "s-2"]
    book.start_session()
    assert (book.placed_today, book.touched) == (0, {})
