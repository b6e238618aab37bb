"""Orders as zipline shows them to a strategy, and zipline's error names catching what
RustyBT raises."""

from __future__ import annotations

import pytest
from rustybt.api import (
    cancel_order,
    get_open_orders,
    get_order,
    order,
    set_slippage,
    sid,
    symbol,
)
from rustybt.errors import (
    HistoryWindowStartsBeforeData,
    IncompatibleHistoryFrequency,
    SetSlippagePostInit,
    SidsNotFound,
    StrategyCodeError,
    SymbolNotFound,
    TradingControlViolation,
    UnsupportedOrderParameters,
)
from rustybt.finance import slippage
from rustybt.finance.order import ORDER_STATUS


def test_orders_read_back_as_zipline_shows_them(run_strategy) -> None:
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")
        context.order_id = None

    def handle_data(context, data):
        if context.order_id is None:
            context.order_id = order(context.asset, 150, limit_price=10.5)
            return
        placed = get_order(context.order_id)
        seen.append((placed.filled, placed.status, placed.limit_reached, placed.limit * 2))
        if placed.status == ORDER_STATUS.OPEN and placed.filled:
            [still_open] = get_open_orders(context.asset)
            assert still_open == placed and get_open_orders()[context.asset] == [placed]
            cancel_order(placed)

    # 10 % of 1000 shares a bar: 100 fill on the second bar, the order is cancelled after.
    run_strategy({"AAA": [11, 10, 10, 10]}, initialize=initialize, handle_data=handle_data)
    assert seen == [
        (100, ORDER_STATUS.OPEN, True, 21.0),
        (100, ORDER_STATUS.CANCELLED, True, 21.0),
        (100, ORDER_STATUS.CANCELLED, True, 21.0),
    ]
    assert all(type(filled) is int for filled, *_ in seen)


@pytest.mark.parametrize(
    ("strategy_call", "error"),
    [
        (lambda context, data: symbol("NOPE"), SymbolNotFound),
        (lambda context, data: sid(9), SidsNotFound),
        (lambda context, data: set_slippage(slippage.NoSlippage()), SetSlippagePostInit),
        (
            lambda context, data: order(context.asset, 1, limit_price=1, style=object()),
            UnsupportedOrderParameters,
        ),
        (
            lambda context, data: data.history(context.asset, "price", 2, "1m"),
            IncompatibleHistoryFrequency,
        ),
        (
            lambda context, data: data.history(context.asset, "price", 50, "1d"),
            HistoryWindowStartsBeforeData,
        ),
    ],
)
def test_zipline_error_names_catch_what_rustybt_raises(run_strategy, strategy_call, error) -> None:
    caught = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        try:
            strategy_call(context, data)
        except error as exc:
            caught.append(type(exc))

    run_strategy({"AAA": [10, 11]}, initialize=initialize, handle_data=handle_data)
    assert caught and all(issubclass(kind, error) for kind in caught)


def test_a_trading_control_violation_is_zipline_name(run_strategy) -> None:
    from rustybt.api import set_max_order_size

    def initialize(context):
        context.asset = symbol("AAA")
        set_max_order_size(max_shares=5)

    def handle_data(context, data):
        order(context.asset, 10)

    with pytest.raises(StrategyCodeError) as raised:
        run_strategy({"AAA": [10, 11]}, initialize=initialize, handle_data=handle_data)
    assert isinstance(raised.value.__cause__, TradingControlViolation)
