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

from rustybt import scheduling
from rustybt.algorithm import TradingAlgorithm
from rustybt.errors import StrategyError
from rustybt.finance import cancel_policy, commission, execution, slippage
from rustybt.finance.asset_restrictions import (
    RESTRICTION_STATES,
    HistoricalRestrictions,
    Restriction,
    StaticRestrictions,
)
from rustybt.finance.cancel_policy import EODCancel, NeverCancel
from rustybt.finance.order import LimitOrder, MarketOrder, StopLimitOrder, StopOrder
from rustybt.finance.slippage import FixedBasisPointsSlippage, FixedSlippage, VolumeShareSlippage
from rustybt.scheduling import date_rules, time_rules

MIGRATION_PAGE = "docs/zipline-migration.md"

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

    get_running = _running.get

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        # get_algorithm() inlined: strategies call the order functions once per asset and bar
        algorithm = get_running()
        if algorithm is None:
            algorithm = get_algorithm()  # raises the error that names the problem
        return getattr(algorithm, name)(*args, **kwargs)

    return call


attach_pipeline = _delegate("attach_pipeline")
batch_market_order = _delegate("batch_market_order")
cancel_order = _delegate("cancel_order")
fetch_csv = _delegate("fetch_csv")
get_datetime = _delegate("get_datetime")
get_environment = _delegate("get_environment")
get_open_orders = _delegate("get_open_orders")
get_order = _delegate("get_order")
order = _delegate("order")
order_percent = _delegate("order_percent")
order_target = _delegate("order_target")
order_target_percent = _delegate("order_target_percent")
order_target_value = _delegate("order_target_value")
order_value = _delegate("order_value")
pipeline_output = _delegate("pipeline_output")
record = _delegate("record")
schedule_function = _delegate("schedule_function")
set_asset_restrictions = _delegate("set_asset_restrictions")
set_benchmark = _delegate("set_benchmark")
set_cancel_policy = _delegate("set_cancel_policy")
set_commission = _delegate("set_commission")
set_do_not_order_list = _delegate("set_do_not_order_list")
set_long_only = _delegate("set_long_only")
set_max_leverage = _delegate("set_max_leverage")
set_max_order_count = _delegate("set_max_order_count")
set_max_order_size = _delegate("set_max_order_size")
set_max_position_size = _delegate("set_max_position_size")
set_min_leverage = _delegate("set_min_leverage")
set_slippage = _delegate("set_slippage")
set_symbol_lookup_date = _delegate("set_symbol_lookup_date")
sid = _delegate("sid")
symbol = _delegate("symbol")
symbols = _delegate("symbols")


def _unsupported(name: str, why: str) -> Callable[..., Any]:
    """A zipline.api name RustyBT does not offer: importing it works, so a strategy loads;
    calling it is a StrategyError that says so and where to read about it."""

    def call(*args: Any, **kwargs: Any) -> Any:
        raise StrategyError(f"{name} is not supported by RustyBT: {why}; see {MIGRATION_PAGE}")

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"Not supported: {why}."
    call.unsupported_because = why  # type: ignore[attr-defined]
    return call


class _UnsupportedModule:
    """A zipline.api module RustyBT does not offer: any use of it says so, as a stub does."""

    def __init__(self, name: str, why: str) -> None:
        self._fail = _unsupported(name, why)
        self.unsupported_because = why

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fail()

    def __getattr__(self, attribute: str) -> Any:
        return self._fail()


future_symbol = _unsupported("future_symbol", "futures are not supported")
continuous_future = _unsupported("continuous_future", "futures are not supported")
math_utils = _UnsupportedModule("math_utils", "use numpy's nan-aware functions directly")
events = scheduling
calendars = scheduling.calendars

__all__ = [
    "RESTRICTION_STATES",
    "EODCancel",
    "FixedBasisPointsSlippage",
    "FixedSlippage",
    "HistoricalRestrictions",
    "LimitOrder",
    "MarketOrder",
    "NeverCancel",
    "Restriction",
    "StaticRestrictions",
    "StopLimitOrder",
    "StopOrder",
    "VolumeShareSlippage",
    "attach_pipeline",
    "batch_market_order",
    "calendars",
    "cancel_order",
    "cancel_policy",
    "commission",
    "continuous_future",
    "date_rules",
    "events",
    "execution",
    "fetch_csv",
    "future_symbol",
    "get_algorithm",
    "get_datetime",
    "get_environment",
    "get_open_orders",
    "get_order",
    "math_utils",
    "order",
    "order_percent",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "pipeline_output",
    "record",
    "schedule_function",
    "set_asset_restrictions",
    "set_benchmark",
    "set_cancel_policy",
    "set_commission",
    "set_do_not_order_list",
    "set_long_only",
    "set_max_leverage",
    "set_max_order_count",
    "set_max_order_size",
    "set_max_position_size",
    "set_min_leverage",
    "set_slippage",
    "set_symbol_lookup_date",
    "sid",
    "slippage",
    "symbol",
    "symbols",
    "time_rules",
]
