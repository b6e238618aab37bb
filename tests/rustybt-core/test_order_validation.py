"""Amounts, prices and styles no order can have are refused before the order is placed,
with a StrategyError naming the call as the strategy wrote it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import (
    cancel_order,
    get_order,
    order,
    order_percent,
    order_target,
    order_target_percent,
    order_value,
    symbol,
)
from rustybt.assets import Asset
from rustybt.backtest import run_algorithm
from rustybt.errors import StrategyCodeError, StrategyError
from rustybt.finance.decimals import to_decimal
from rustybt.finance.execution import LimitOrder, StopLimitOrder, StopOrder


def placing(call: Callable[[Any], Any]) -> str:
    """The one-line error of a backtest whose handle_data makes ``call(AAPL)``."""

    def handle_data(context: Any, data: Any) -> None:
        call(symbol("AAPL"))

    with pytest.raises(StrategyCodeError) as raised:
        run_algorithm(
            start="2010-01-04",
            end="2010-01-08",
            initialize=lambda context: None,
            handle_data=handle_data,
        )
    return str(raised.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: order(a, 1e30), "order(AAPL, 1e+30): 1e+30 units is more than any order"),
        (lambda a: order(a, Decimal("NaN")), "order(AAPL, NaN): NaN is not a finite number"),
        (lambda a: order(a, "ten"), "order(AAPL, ten): 'ten' is not a number"),
        (lambda a: order(a, None), "order(AAPL, None): None is not a number"),
        (
            lambda a: order(a, 1, limit_price=math.nan),
            "order(AAPL, 1): nan is not a finite number (given as limit_price)",
        ),
        (
            lambda a: order(a, 1, stop_price=-math.inf),
            "order(AAPL, 1): -inf is not a finite number (given as stop_price)",
        ),
        (
            lambda a: order(a, 1, limit_price=1e300),
            "order(AAPL, 1): a limit price of 1e+300 is more than any price may be (1e+15)",
        ),
        (
            lambda a: order(a, 1, style="limit"),
            "order(AAPL, 1, style='limit'): style must be an order style such as LimitOrder",
        ),
        (lambda a: order(a, 1, style=LimitOrder(math.inf)), "LimitOrder(inf): inf is not a"),
        (
            lambda a: order_target_percent(a, math.nan),
            "order_target_percent(AAPL, nan): nan is not a finite number",
        ),
        (lambda a: order_value(a, math.inf), "order_value(AAPL, inf): inf is not a finite"),
        (lambda a: order_percent(a, "half"), "order_percent(AAPL, half): 'half' is not a"),
        (lambda a: order_target(a, [5]), "order_target(AAPL, [5]): [5] is not a number"),
        (lambda a: cancel_order(7), "cancel_order(7): give an order id (what order() returns)"),
        (lambda a: get_order(None), "get_order(None): give an order id"),
    ],
)
def test_an_order_no_strategy_means_is_refused_naming_the_call(
    call: Callable[[Any], Any], message: str
) -> None:
    assert re.search(
        r"test_order_validation\.py:\d+ in <lambda>: " + re.escape(message), placing(call)
    )


def test_a_sane_limit_order_is_still_placed() -> None:
    placed = []

    def handle_data(context: Any, data: Any) -> None:
        placed.append(order(symbol("AAPL"), 10, limit_price=0.0))

    run_algorithm(
        start="2010-01-04", end="2010-01-05", initialize=lambda c: None, handle_data=handle_data
    )
    assert len(placed) == 2 and all(isinstance(order_id, str) for order_id in placed)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LimitOrder(math.nan), "LimitOrder(nan): nan is not a finite number"),
        (lambda: StopOrder("soon"), "StopOrder(soon): 'soon' is not a number"),
        (lambda: StopLimitOrder(10, math.inf), "StopLimitOrder(10, inf): inf is not a finite"),
    ],
)
def test_an_order_style_refuses_a_price_that_is_no_number_when_made(
    make: Callable[[], Any], message: str
) -> None:
    with pytest.raises(StrategyError, match=re.escape(message)):
        make()


def test_a_style_keeps_its_price_exact() -> None:
    assert LimitOrder(10.1).limit_price == Decimal("10.1")
    assert StopLimitOrder(Decimal("9.99"), 9).stop_price == Decimal(9)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (Decimal("sNaN"), ValueError, "sNaN is not a finite number"),
        (Decimal("-Infinity"), ValueError, "-Infinity is not a finite number"),
        ("1e", ValueError, "'1e' is not a number"),
        (b"5", TypeError, "b'5' is not a number"),
    ],
)
def test_to_decimal_refuses_what_no_amount_or_price_can_be(
    value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        to_decimal(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [0.1, 0.0095, 25.1234, 1e-05, 0.0, -0.0, -2.5])
def test_a_float_reads_as_its_shortest_repr_the_first_time_and_every_time(number: float) -> None:
    first, again = to_decimal(number), to_decimal(number)
    assert str(first) == str(again) == str(Decimal(repr(number)))
    assert first.is_signed() == (math.copysign(1.0, number) < 0)


@pytest.mark.parametrize(
    ("bar_count", "message"),
    [
        (math.nan, "bar_count must be a whole number of bars, got nan"),
        (2.5, "bar_count must be a whole number of bars, got 2.5"),
        ("10", "bar_count must be a whole number of bars, got '10'"),
        (10**7, "bar_count 10000000 is more than any history window may be (1,000,000 bars)"),
    ],
)
def test_history_refuses_a_bar_count_no_window_can_have(bar_count: object, message: str) -> None:
    def handle_data(context: Any, data: Any) -> None:
        data.history(symbol("AAPL"), "price", bar_count, "1d")

    with pytest.raises(StrategyCodeError, match=re.escape(message)):
        run_algorithm(
            start="2010-01-04", end="2010-01-05", initialize=lambda c: None, handle_data=handle_data
        )


def test_history_takes_a_whole_float_or_numpy_count_as_that_many_bars() -> None:
    import numpy as np

    lengths = []

    def handle_data(context: Any, data: Any) -> None:
        lengths.append(len(data.history(symbol("AAPL"), "price", 3.0, "1d")))
        lengths.append(len(data.history(symbol("AAPL"), "price", np.int64(4), "1d")))

    run_algorithm(
        start="2010-01-04", end="2010-01-04", initialize=lambda c: None, handle_data=handle_data
    )
    assert lengths == [3, 4]


@pytest.mark.parametrize(
    "use",
    [
        lambda algorithm: algorithm.order_target_percent(Asset(symbol="AAPL"), 0.5),
        lambda algorithm: algorithm.order(Asset(symbol="AAPL"), 10),
        lambda algorithm: algorithm.portfolio,
        lambda algorithm: algorithm.get_datetime(),
        lambda algorithm: algorithm.runtime,
    ],
)
def test_an_algorithm_no_engine_runs_says_so(use: Callable[[TradingAlgorithm], Any]) -> None:
    with pytest.raises(
        StrategyError, match="this algorithm is not running; start it with rustybt run"
    ):
        use(TradingAlgorithm())
