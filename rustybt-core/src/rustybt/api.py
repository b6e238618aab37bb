"""Zipline's module-level API: ``from rustybt.api import order_target, record, symbol``.

Each function calls the same-named method of the algorithm that is running right now, so
a strategy written as module functions behaves exactly like a ``TradingAlgorithm``
subclass. Calling one outside a run is a :class:`rustybt.errors.StrategyError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rustybt.algorithm import TradingAlgorithm
from rustybt.errors import StrategyError
from rustybt.finance.cancel_policy import EODCancel, NeverCancel
from rustybt.finance.order import LimitOrder, MarketOrder, StopLimitOrder, StopOrder
from rustybt.scheduling import date_rules, time_rules

_running: ContextVar[TradingAlgorithm | None] = ContextVar("rustybt_algorithm", default=None)


def get_algorithm() -> TradingAlgorithm:
    """The algorithm whose code is running now."""
    algorithm = _running.get()
    if algorithm is None:
        raise StrategyError(
            "rustybt.api functions only work inside a running strategy (rustybt run)"
        )
    return algorithm


@contextmanager
def running(algorithm: TradingAlgorithm) -> Iterator[None]:
    """Make ``algorithm`` the target of the module-level API inside the ``with`` block."""
    token = _running.set(algorithm)
    try:
        yield
    finally:
        _running.reset(token)


def _delegate(name: str) -> Callable[..., Any]:
    method = getattr(TradingAlgorithm, name)

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(get_algorithm(), name)(*args, **kwargs)

    return call


cancel_order = _delegate("cancel_order")
get_datetime = _delegate("get_datetime")
get_open_orders = _delegate("get_open_orders")
get_order = _delegate("get_order")
order = _delegate("order")
order_percent = _delegate("order_percent")
order_target = _delegate("order_target")
order_target_percent = _delegate("order_target_percent")
order_target_value = _delegate("order_target_value")
order_value = _delegate("order_value")
record = _delegate("record")
schedule_function = _delegate("schedule_function")
set_benchmark = _delegate("set_benchmark")
set_cancel_policy = _delegate("set_cancel_policy")
set_commission = _delegate("set_commission")
set_long_only = _delegate("set_long_only")
set_max_leverage = _delegate("set_max_leverage")
set_max_order_count = _delegate("set_max_order_count")
set_max_order_size = _delegate("set_max_order_size")
set_max_position_size = _delegate("set_max_position_size")
set_slippage = _delegate("set_slippage")
sid = _delegate("sid")
symbol = _delegate("symbol")
symbols = _delegate("symbols")

__all__ = [
    "EODCancel",
    "LimitOrder",
    "MarketOrder",
    "NeverCancel",
    "StopLimitOrder",
    "StopOrder",
    "cancel_order",
    "date_rules",
    "get_algorithm",
    "get_datetime",
    "get_open_orders",
    "get_order",
    "order",
    "order_percent",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "record",
    "schedule_function",
    "set_benchmark",
    "set_cancel_policy",
    "set_commission",
    "set_long_only",
    "set_max_leverage",
    "set_max_order_count",
    "set_max_order_size",
    "set_max_position_size",
    "set_slippage",
    "sid",
    "symbol",
    "symbols",
    "time_rules",
]
