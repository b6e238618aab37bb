"""``TradingAlgorithm``: the strategy API, identical in backtests, paper and live trading.

Write a strategy either as module functions (Zipline style: ``initialize(context)``,
``handle_data(context, data)``, ...) using :mod:`rustybt.api`, or as a subclass::

    class MyStrategy(TradingAlgorithm):
        def initialize(self, context):
            context.asset = self.symbol("AAPL")

        def handle_data(self, context, data):
            self.order_target_percent(context.asset, 0.5)

``context`` is the algorithm itself, as in Zipline. An engine (backtest or live) attaches an
:class:`AlgorithmRuntime` that owns data, orders and the ledger; the algorithm only asks it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs
import pandas as pd

from rustybt import scheduling
from rustybt.assets import Asset, AssetClass
from rustybt.errors import StrategyError
from rustybt.finance.cancel_policy import CancelPolicy
from rustybt.finance.commission import CommissionModel, to_decimal
from rustybt.finance.controls import (
    LongOnly,
    MaxLeverage,
    MaxOrderCount,
    MaxOrderSize,
    MaxPositionSize,
    OrderContext,
    OrderControl,
    TradingControlViolation,
)
from rustybt.finance.execution import CostModels
from rustybt.finance.order import ExecutionStyle, Order
from rustybt.finance.slippage import SlippageModel
from rustybt.portfolio import Account, Portfolio

ROUNDING_EPSILON = Decimal("0.0001")


class AlgorithmRuntime(Protocol):
    """What an engine provides to a running algorithm."""

    @property
    def costs(self) -> CostModels:
        """The commission and slippage models in force (``set_commission`` changes them)."""
        ...

    def resolve_symbol(self, symbol: str) -> Asset:
        """The asset for ``symbol``, adding it to the run's universe when first asked for."""
        ...

    def resolve_sid(self, sid: int) -> Asset:
        """The asset whose ``sid`` is ``sid``."""
        ...

    def schedule(self, scheduled: ScheduledFunction) -> None:
        """Start running ``scheduled`` (registered after ``initialize``) from this bar."""
        ...

    def current_dt(self) -> pd.Timestamp:
        """The algorithm's current time (UTC)."""
        ...

    def last_price(self, asset: Asset) -> Decimal | None:
        """The asset's current price on its tick grid, or None before its first trade."""
        ...

    def position_amount(self, asset: Asset) -> Decimal:
        """The current position in ``asset``."""
        ...

    def portfolio_value(self) -> Decimal:
        """The exact portfolio value at the current bar."""
        ...

    def portfolio(self) -> Portfolio:
        """A snapshot of the portfolio at the current bar."""
        ...

    def account(self) -> Account:
        """A snapshot of the account figures at the current bar."""
        ...

    def submit_order(self, asset: Asset, amount: Decimal, style: ExecutionStyle) -> Order:
        """Place an order (already validated by the algorithm's controls)."""
        ...

    def cancel_order(self, order: Order) -> None:
        """Cancel what is left of ``order``."""
        ...

    def open_orders(self) -> list[Order]:
        """Open orders, oldest first."""
        ...

    def get_order(self, order_id: str) -> Order | None:
        """Any order of this run by id."""
        ...

    def orders_today(self) -> int:
        """How many orders were placed in the current session."""
        ...

    def record(self, values: Mapping[str, Any]) -> None:
        """Record variables for the current session's results row."""
        ...


@attrs.frozen(kw_only=True)
class ScheduledFunction:
    """A function registered with ``schedule_function``."""

    func: Callable[[Any, Any], Any]
    date_rule: scheduling.DateRule
    time_rule: scheduling.TimeRule
    half_days: bool


_MARKET = ExecutionStyle()


def round_order_amount(asset: Asset, amount: Decimal) -> Decimal:
    """Zipline's order rounding on the asset's lot grid: an amount within 0.0001 lot of a
    whole number of lots is rounded to it, anything else is truncated toward zero."""
    lots = amount / asset.lot_size
    nearest = lots.to_integral_value()
    if abs(lots - nearest) <= ROUNDING_EPSILON:
        return nearest * asset.lot_size
    return asset.round_amount(amount)


class TradingAlgorithm:
    """The strategy API. Subclass it, or pass Zipline-style functions to the constructor."""

    date_rules = scheduling.date_rules
    time_rules = scheduling.time_rules

    def __init__(
        self,
        *,
        initialize: Callable[..., Any] | None = None,
        handle_data: Callable[..., Any] | None = None,
        before_trading_start: Callable[..., Any] | None = None,
        analyze: Callable[..., Any] | None = None,
        name: str | None = None,
    ) -> None:
        self._functions = {
            "initialize": initialize,
            "handle_data": handle_data,
            "before_trading_start": before_trading_start,
            "analyze": analyze,
        }
        self.algorithm_name = name or type(self).__name__
        self.log = logging.getLogger(f"rustybt.algorithm.{self.algorithm_name}")
        self._runtime: AlgorithmRuntime | None = None
        self._scheduled: list[ScheduledFunction] = []
        self._order_controls: list[OrderControl] = []
        self._max_leverage: MaxLeverage | None = None
        self._cancel_policy: CancelPolicy | None = None
        self._benchmark: Asset | None = None
        self._setup_done = False
        self.source_path: str | None = None

    # -- lifecycle, overridden by subclasses or given as functions -------------------------

    def initialize(self, context: TradingAlgorithm) -> None:
        """Called once before the first bar: pick assets, schedule functions, set models."""
        function = self._functions["initialize"]
        if function is not None:
            function(context)

    def handle_data(self, context: TradingAlgorithm, data: Any) -> None:
        """Called at every bar (every session with daily data)."""
        function = self._functions["handle_data"]
        if function is not None:
            function(context, data)

    def before_trading_start(self, context: TradingAlgorithm, data: Any) -> None:
        """Called before each session opens; ``data`` shows the previous bar."""
        function = self._functions["before_trading_start"]
        if function is not None:
            function(context, data)

    def analyze(self, context: TradingAlgorithm, results: pd.DataFrame) -> None:
        """Called once after the last bar with the results frame."""
        function = self._functions["analyze"]
        if function is not None:
            function(context, results)

    def handler(self, method: str) -> Callable[..., Any] | None:
        """What to call for ``method`` with ``(context, data)`` or ``(context, results)``:
        the subclass's override, the module-style function, or None when there is neither.
        Engines resolve it once instead of going through the default method per bar."""
        if getattr(type(self), method) is not getattr(TradingAlgorithm, method):
            return getattr(self, method)
        return self._functions.get(method)

    # -- engine wiring --------------------------------------------------------------------

    def attach(self, runtime: AlgorithmRuntime) -> None:
        """Connect the algorithm to the engine that runs it."""
        self._runtime = runtime

    def finish_setup(self) -> None:
        """Mark the end of ``initialize``: schedules and models are fixed from now on."""
        self._setup_done = True

    @property
    def runtime(self) -> AlgorithmRuntime:
        """The engine running this algorithm."""
        if self._runtime is None:
            raise StrategyError("this algorithm is not running; start it with rustybt run")
        return self._runtime

    @property
    def scheduled_functions(self) -> list[ScheduledFunction]:
        """Functions registered with ``schedule_function``, in registration order."""
        return list(self._scheduled)

    @property
    def cancel_policy(self) -> CancelPolicy | None:
        """The cancel policy set with ``set_cancel_policy`` (None: the engine's default)."""
        return self._cancel_policy

    @property
    def max_leverage(self) -> MaxLeverage | None:
        """The leverage limit set with ``set_max_leverage``, if any."""
        return self._max_leverage

    @property
    def benchmark(self) -> Asset | None:
        """The asset set with ``set_benchmark``, if any."""
        return self._benchmark

    # -- assets ---------------------------------------------------------------------------

    def symbol(self, symbol_str: str, country_code: str | None = None) -> Asset:
        """The asset with this ticker in the run's data source, asked for anywhere (in
        ``initialize``, ``handle_data`` or a scheduled function), as in Zipline."""
        if not isinstance(symbol_str, str):
            raise StrategyError(f"symbol() takes a ticker string, got {symbol_str!r}")
        return self.runtime.resolve_symbol(symbol_str)

    def symbols(self, *symbol_strs: str, country_code: str | None = None) -> list[Asset]:
        """The assets with these tickers."""
        return [self.symbol(s) for s in symbol_strs]

    def sid(self, sid: int | str) -> Asset:
        """The asset with this sid (Zipline's integer asset id: the position of its symbol in
        the source's sorted symbol list). A ticker string is looked up as :meth:`symbol`."""
        if isinstance(sid, str):
            return self.symbol(sid)
        return self.runtime.resolve_sid(sid)

    # -- time and portfolio ---------------------------------------------------------------

    def get_datetime(self, tz: str | None = None) -> pd.Timestamp:
        """The current algorithm time, in UTC or in ``tz``."""
        dt = self.runtime.current_dt()
        return dt.tz_convert(tz) if tz else dt

    @property
    def portfolio(self) -> Portfolio:
        """The portfolio at the current bar (cash, positions, value, returns, pnl)."""
        return self.runtime.portfolio()

    @property
    def account(self) -> Account:
        """Leverage and liquidity figures at the current bar."""
        return self.runtime.account()

    # -- orders ---------------------------------------------------------------------------

    def order(
        self,
        asset: Asset,
        amount: float | int | Decimal,
        limit_price: float | Decimal | None = None,
        stop_price: float | Decimal | None = None,
        style: ExecutionStyle | None = None,
    ) -> str | None:
        """Order ``amount`` units (negative sells); returns the order id, or None for 0.

        The amount is rounded to the lot as Zipline does (see :func:`round_order_amount`).
        ``limit_price``/``stop_price`` or ``style`` make it a limit, stop or stop-limit
        order. It fills from the next bar on.
        """
        if not isinstance(asset, Asset):
            raise StrategyError(f"order() needs an asset from symbol('...'), got {asset!r}")
        if style is None:
            if limit_price is None and stop_price is None:
                style = _MARKET
            else:
                style = ExecutionStyle(
                    limit_price=None if limit_price is None else to_decimal(limit_price),
                    stop_price=None if stop_price is None else to_decimal(stop_price),
                )
        elif limit_price is not None or stop_price is not None:
            raise StrategyError("pass either style= or limit_price/stop_price, not both")
        quantity = round_order_amount(asset, to_decimal(amount))
        if quantity == 0:
            return None
        if not self._passes_controls(asset, quantity):
            return None
        return self.runtime.submit_order(asset, quantity, style).id

    def _price_for_sizing(self, asset: Asset) -> Decimal:
        price = self.runtime.last_price(asset)
        if price is None or price == 0:
            raise StrategyError(
                f"cannot size an order for {asset.symbol} at {self.get_datetime()}: "
                "it has no price yet"
            )
        return price

    def order_value(self, asset: Asset, value: float | Decimal, **kwargs: Any) -> str | None:
        """Order ``value`` worth of ``asset`` at the current price (negative sells)."""
        return self.order(asset, to_decimal(value) / self._price_for_sizing(asset), **kwargs)

    def order_percent(self, asset: Asset, percent: float | Decimal, **kwargs: Any) -> str | None:
        """Order ``percent`` (0.1 = 10 %) of the portfolio value in ``asset``."""
        return self.order_value(
            asset, self.runtime.portfolio_value() * to_decimal(percent), **kwargs
        )

    def order_target(self, asset: Asset, target: float | Decimal, **kwargs: Any) -> str | None:
        """Order what takes the position to ``target`` units (open orders not counted,
        as in Zipline)."""
        return self.order(asset, to_decimal(target) - self.runtime.position_amount(asset), **kwargs)

    def order_target_value(
        self, asset: Asset, target: float | Decimal, **kwargs: Any
    ) -> str | None:
        """Order what takes the position's value to ``target`` at the current price."""
        return self.order_target(
            asset, to_decimal(target) / self._price_for_sizing(asset), **kwargs
        )

    def order_target_percent(
        self, asset: Asset, target: float | Decimal, **kwargs: Any
    ) -> str | None:
        """Order what makes the position ``target`` (0.5 = 50 %) of the portfolio value."""
        value = self.runtime.portfolio_value() * to_decimal(target)
        return self.order_target_value(asset, value, **kwargs)

    def cancel_order(self, order_param: str | Order) -> None:
        """Cancel an open order, given as an id or an Order."""
        order = self.get_order(order_param) if isinstance(order_param, str) else order_param
        if order is not None and order.is_open:
            self.runtime.cancel_order(order)

    def get_open_orders(self, asset: Asset | None = None):
        """Open orders: a list for ``asset``, or a dict of lists by asset."""
        orders = self.runtime.open_orders()
        if asset is not None:
            return [o for o in orders if o.asset == asset]
        grouped: dict[Asset, list[Order]] = {}
        for o in orders:
            grouped.setdefault(o.asset, []).append(o)
        return grouped

    def get_order(self, order_id: str | Order) -> Order | None:
        """The order with this id (None when unknown)."""
        if isinstance(order_id, Order):
            return order_id
        return self.runtime.get_order(order_id)

    # -- recording and scheduling ---------------------------------------------------------

    def record(self, *args: Any, **kwargs: Any) -> None:
        """Record values for today's results row: ``record(name=value)`` or
        ``record("name", value, ...)``."""
        if len(args) % 2:
            raise StrategyError("record() takes name, value pairs or keyword arguments")
        values = dict(zip(args[::2], args[1::2], strict=True))
        values.update(kwargs)
        self.runtime.record(values)

    def schedule_function(
        self,
        func: Callable[[Any, Any], Any],
        date_rule: scheduling.DateRule | None = None,
        time_rule: scheduling.TimeRule | None = None,
        half_days: bool = True,
        calendar: Any = None,
    ) -> None:
        """Run ``func(context, data)`` on the sessions of ``date_rule`` at ``time_rule``.

        Defaults: every day, at market open. With daily data the time rule does not matter
        (the function runs once per session after ``handle_data``). Registered after
        ``initialize``, it runs from the current bar on, as in Zipline.
        """
        scheduled = ScheduledFunction(
            func=func,
            date_rule=date_rule or scheduling.date_rules.every_day(),
            time_rule=time_rule or scheduling.time_rules.market_open(),
            half_days=half_days,
        )
        self._scheduled.append(scheduled)
        if self._setup_done:
            self.runtime.schedule(scheduled)

    # -- models and controls --------------------------------------------------------------

    def _asset_classes(self, equities: Any, crypto: Any) -> list[tuple[Any, list[AssetClass]]]:
        if equities is None and crypto is None:
            raise StrategyError("pass a model (us_equities=... or crypto=...)")
        chosen: list[tuple[Any, list[AssetClass]]] = []
        if equities is not None:
            classes = [AssetClass.EQUITY, AssetClass.INDEX]
            if crypto is None:
                classes.append(AssetClass.CRYPTO)
            chosen.append((equities, classes))
        if crypto is not None:
            chosen.append((crypto, [AssetClass.CRYPTO]))
        return chosen

    def _check_setup(self, what: str) -> None:
        if self._setup_done:
            raise StrategyError(f"{what} can only be called in initialize")

    def set_commission(
        self,
        us_equities: CommissionModel | None = None,
        us_futures: CommissionModel | None = None,
        *,
        crypto: CommissionModel | None = None,
    ) -> None:
        """Set the commission model. A model given for equities (first argument) also
        applies to crypto assets unless ``crypto=`` is given."""
        self._check_setup("set_commission")
        if us_futures is not None:
            raise StrategyError("futures are not supported; set us_equities or crypto")
        for model, classes in self._asset_classes(us_equities, crypto):
            if not isinstance(model, CommissionModel):
                raise StrategyError(
                    f"{model!r} is not a commission model from rustybt.finance.commission"
                )
            self.runtime.costs.set_commission(model, classes)

    def set_slippage(
        self,
        us_equities: SlippageModel | None = None,
        us_futures: SlippageModel | None = None,
        *,
        crypto: SlippageModel | None = None,
    ) -> None:
        """Set the slippage model; same rules as :meth:`set_commission`."""
        self._check_setup("set_slippage")
        if us_futures is not None:
            raise StrategyError("futures are not supported; set us_equities or crypto")
        for model, classes in self._asset_classes(us_equities, crypto):
            if not isinstance(model, SlippageModel):
                raise StrategyError(
                    f"{model!r} is not a slippage model from rustybt.finance.slippage"
                )
            self.runtime.costs.set_slippage(model, classes)

    def set_cancel_policy(self, cancel_policy: CancelPolicy) -> None:
        """Choose what happens to open orders at the end of a session."""
        self._check_setup("set_cancel_policy")
        self._cancel_policy = cancel_policy

    def set_benchmark(self, benchmark: Asset) -> None:
        """Compare the strategy's returns with ``benchmark``'s."""
        self._check_setup("set_benchmark")
        self._benchmark = benchmark

    def set_max_order_size(
        self,
        asset: Asset | None = None,
        max_shares: float | None = None,
        max_notional: float | None = None,
        on_error: str = "fail",
    ) -> None:
        """Refuse orders above ``max_shares`` units or ``max_notional`` in value."""
        self._order_controls.append(MaxOrderSize(**self._size_limits(locals())))

    def set_max_position_size(
        self,
        asset: Asset | None = None,
        max_shares: float | None = None,
        max_notional: float | None = None,
        on_error: str = "fail",
    ) -> None:
        """Refuse orders that would make a position larger than the limits."""
        self._order_controls.append(MaxPositionSize(**self._size_limits(locals())))

    @staticmethod
    def _size_limits(arguments: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of a size control, from its setter's arguments."""
        return {k: arguments[k] for k in ("asset", "max_shares", "max_notional", "on_error")}

    def set_long_only(self, on_error: str = "fail") -> None:
        """Refuse orders that would leave a short position."""
        self._order_controls.append(LongOnly(on_error=on_error))

    def set_max_order_count(self, max_count: int, on_error: str = "fail") -> None:
        """Refuse orders beyond ``max_count`` per session."""
        self._order_controls.append(MaxOrderCount(max_count=max_count, on_error=on_error))

    def set_max_leverage(self, max_leverage: float) -> None:
        """Stop the run when gross leverage exceeds ``max_leverage`` at the end of a bar."""
        self._max_leverage = MaxLeverage(max_leverage=max_leverage)

    def _passes_controls(self, asset: Asset, amount: Decimal) -> bool:
        if not self._order_controls:
            return True
        runtime = self.runtime
        context = OrderContext(
            asset=asset,
            amount=amount,
            price=runtime.last_price(asset),
            position=runtime.position_amount(asset),
            portfolio_value=runtime.portfolio_value(),
            orders_today=runtime.orders_today(),
        )
        for control in self._order_controls:
            message = control.violation(context)
            if message is None:
                continue
            if control.on_error != "log":
                raise TradingControlViolation(message)
            # zipline's "log": say so, and place the order all the same.
            self.log.warning("trading control violated (order placed, on_error='log'): %s", message)
        return True
