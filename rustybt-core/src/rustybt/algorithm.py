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

import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import attrs
import pandas as pd

from rustybt import scheduling
from rustybt.assets import Asset, AssetClass
from rustybt.bar_data import BarData
from rustybt.calendars import get_calendar
from rustybt.data.schema import to_utc_timestamp
from rustybt.errors import (
    SetBenchmarkOutsideInitialize,
    SetCancelPolicyPostInit,
    SetCommissionPostInit,
    SetSlippagePostInit,
    StrategyError,
    TradingControlViolation,
    UnsupportedCommissionModel,
    UnsupportedOrderParameters,
    UnsupportedSlippageModel,
)
from rustybt.fetcher import CsvLayout, FetchedColumns, parse_csv, read_url
from rustybt.finance.asset_restrictions import Restrictions, as_restrictions
from rustybt.finance.cancel_policy import CancelPolicy
from rustybt.finance.commission import CommissionModel
from rustybt.finance.controls import (
    LongOnly,
    MaxLeverage,
    MaxOrderCount,
    MaxOrderSize,
    MaxPositionSize,
    MinLeverage,
    OrderContext,
    OrderControl,
    RestrictedAssets,
)
from rustybt.finance.decimals import to_decimal
from rustybt.finance.execution import CostModels
from rustybt.finance.order import ExecutionStyle, Order, OrderView
from rustybt.finance.slippage import SlippageModel
from rustybt.params import StrategyParams
from rustybt.portfolio import Account, Portfolio
from rustybt.strategy_data import StrategyData

if TYPE_CHECKING:
    from rustybt.engine.engine import BacktestConfig
    from rustybt.engine.parts import Clock
    from rustybt.pipeline.attached import AttachedPipeline
    from rustybt.pipeline.pipeline import Pipeline

ROUNDING_EPSILON = Decimal("0.0001")
MAX_ORDER_UNITS = Decimal(10) ** 15
"""No order is for more units than this: a larger amount comes from a sizing bug (a price
near zero, a percentage given as a number of shares), and is refused before it is placed."""
MAX_ORDER_PRICE = Decimal(10) ** 15
"""No limit or stop price is above this: a larger one comes from a bug, and could not be
held on any asset's price grid."""
PLATFORM = "rustybt"
"""What ``get_environment("platform")`` answers (zipline answers ``"zipline"``)."""
ENVIRONMENT_FIELDS = ("arena", "data_frequency", "start", "end", "capital_base", "platform")


class AlgorithmRuntime(Protocol):
    """What an engine provides to a running algorithm."""

    @property
    def costs(self) -> CostModels:
        """The commission and slippage models in force (``set_commission`` changes them)."""
        ...

    @property
    def config(self) -> BacktestConfig:
        """The run's span, starting capital, bar frequency and calendar."""
        ...

    @property
    def sessions(self) -> pd.DatetimeIndex:
        """The labels of the run's sessions, first to last."""
        ...

    @property
    def clock(self) -> Clock:
        """When bars run: all at once in a backtest, at their time in a session."""
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
        """The portfolio, brought up to date with the current bar (live, as zipline's)."""
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

    def pipeline_output(self, name: str) -> pd.DataFrame:
        """The current session's output of the attached pipeline ``name``, by asset."""
        ...

    def can_order(self, asset: Asset) -> bool:
        """Whether an order for ``asset`` may be placed now (False once a backtest is past
        the asset's last bar)."""
        ...


@attrs.frozen(kw_only=True)
class ScheduledFunction:
    """A function registered with ``schedule_function``."""

    func: Callable[[Any, Any], Any]
    date_rule: scheduling.DateRule
    time_rule: scheduling.TimeRule
    half_days: bool


_MARKET = ExecutionStyle()
_NOT_RUNNING_MESSAGE = "this algorithm is not running; start it with rustybt run"


class _NotRunning:
    """The runtime of an algorithm no engine runs: using it raises the error saying so."""

    def __getattr__(self, name: str) -> Any:
        raise StrategyError(_NOT_RUNNING_MESSAGE)


_NOT_RUNNING: Any = _NotRunning()


class _OrderCall(NamedTuple):
    """An order function as the strategy called it, named in the errors it raises (a
    NamedTuple: one is made per order, on the hot path)."""

    name: str
    asset: Asset
    argument: object

    def __str__(self) -> str:
        return f"{self.name}({self.asset.symbol}, {self.argument})"

    def with_keyword(self, keyword: str, value: object) -> str:
        """The call as written with ``keyword=value`` among its arguments."""
        return f"{self.name}({self.asset.symbol}, {self.argument}, {keyword}={value})"

    def number(self, value: Any, keyword: str | None = None) -> Decimal:
        """``value`` (the argument ``keyword`` when given) as a Decimal; NaN, an infinity
        or no number is a StrategyError naming the call (and ``keyword``)."""
        try:
            return to_decimal(value)
        except (ValueError, TypeError) as exc:
            given = "" if keyword is None else f" (given as {keyword})"
            raise StrategyError(f"{self}: {exc}{given}") from None


HANDLER_ARGUMENTS = {
    "initialize": ("context",),
    "handle_data": ("context", "data"),
    "before_trading_start": ("context", "data"),
    "analyze": ("context", "perf"),
}
"""What RustyBT passes to each function of a strategy, as zipline does."""


def _check_handler(
    name: str, arguments: tuple[str, ...], function: object, source_path: str | None
) -> None:
    """Raise a StrategyError when ``function`` cannot be called with ``arguments``."""
    parameters = ("self", *arguments) if inspect.ismethod(function) else arguments
    expected = f"def {name}({', '.join(parameters)}):"
    where = f"{source_path}: " if source_path else ""
    if not callable(function):
        raise StrategyError(
            f"{where}{name} is {type(function).__name__} {function!r}, not a function; "
            f"define it as {expected}"
        )
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    try:
        signature.bind(*arguments)
    except TypeError:
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is not None:
            where = f"{code.co_filename}:{code.co_firstlineno}: "
        raise StrategyError(
            f"{where}{name}{signature} cannot be called as {name}({', '.join(arguments)}); "
            f"define it as {expected}"
        ) from None


def _order_id(function: str, order: object) -> str:
    """The id of ``order``, given to ``function`` as an id or as an order object."""
    order_id = order if isinstance(order, str) else getattr(order, "id", None)
    if not isinstance(order_id, str):
        raise StrategyError(
            f"{function}({order!r}): give an order id (what order() returns) or an order "
            "from get_order()"
        )
    return order_id


def round_order_amount(asset: Asset, amount: Decimal) -> Decimal:
    """Zipline's order rounding on the asset's lot grid: an amount within 0.0001 lot of a
    whole number of lots is rounded to it, anything else is truncated toward zero."""
    lot = asset.lot_size
    lots = amount / lot
    nearest = lots.to_integral_value()
    if abs(lots - nearest) <= ROUNDING_EPSILON:
        return nearest * lot
    return amount.quantize(lot, ROUND_DOWN)  # Asset.round_amount, without a keyword call


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
        source_path: str | None = None,
    ) -> None:
        """The strategy made of the given functions (or of a subclass's methods).

        Each function given, and each method a subclass overrides, must be callable with
        the arguments RustyBT passes (:data:`HANDLER_ARGUMENTS`); otherwise this raises a
        :class:`StrategyError` naming the function's file and line (or ``source_path``,
        the strategy file, for something that is no function).
        """
        self._functions = {
            "initialize": initialize,
            "handle_data": handle_data,
            "before_trading_start": before_trading_start,
            "analyze": analyze,
        }
        for method, arguments in HANDLER_ARGUMENTS.items():
            given = self._functions[method]
            if getattr(type(self), method) is not getattr(TradingAlgorithm, method):
                given = getattr(self, method)
            if given is not None:
                _check_handler(method, arguments, given, source_path)
        self.algorithm_name = name or type(self).__name__
        self.log = logging.getLogger(f"rustybt.algorithm.{self.algorithm_name}")
        # The engine once attached; the order functions read it several times an order,
        # as a plain attribute rather than through the ``runtime`` property.
        self._runtime: AlgorithmRuntime = _NOT_RUNNING
        self._scheduled: list[ScheduledFunction] = []
        self._order_controls: list[OrderControl] = []
        self._max_leverage: MaxLeverage | None = None
        self._min_leverage: MinLeverage | None = None
        self._restrictions: Restrictions | None = None
        self._fetched = FetchedColumns()
        self._strategy_data: StrategyData | None = None
        self._symbol_lookup_date: pd.Timestamp | None = None
        self._cancel_policy: CancelPolicy | None = None
        self._benchmark: Asset | None = None
        self._pipelines: dict[str, AttachedPipeline] = {}
        self._setup_done = False
        self.source_path = source_path
        self.params: Mapping[str, Any] = StrategyParams()
        """``context.params``: the run's parameters (``-D``, ``--params``, ``params=``),
        typed by the strategy's ``PARAMS`` (:mod:`rustybt.params`); read-only."""

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
        Engines resolve it once instead of going through the default method per bar.

        Resolved after ``initialize``, it hands the strategy's view of ``data`` (fetched
        columns, restrictions) when there is one, and ``handle_data`` then checks
        ``set_min_leverage``'s limit at every bar."""
        if getattr(type(self), method) is not getattr(TradingAlgorithm, method):
            function = getattr(self, method)
        else:
            function = self._functions.get(method)
        if method == "analyze":
            return function
        function = self._seeing_strategy_data(function)
        if method == "handle_data" and self._min_leverage is not None:
            return self._checking_min_leverage(function, self._min_leverage)
        return function

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
        if self._runtime is _NOT_RUNNING:
            raise StrategyError(_NOT_RUNNING_MESSAGE)
        return self._runtime

    @property
    def scheduled_functions(self) -> list[ScheduledFunction]:
        """Functions registered with ``schedule_function``, in registration order, each
        handed the strategy's view of ``data`` when there is one (see :meth:`handler`)."""
        return [attrs.evolve(f, func=self._seeing_strategy_data(f.func)) for f in self._scheduled]

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

    @property
    def attached_pipelines(self) -> Mapping[str, AttachedPipeline]:
        """The pipelines attached with ``attach_pipeline``, by name, in attach order."""
        return self._pipelines

    # -- pipelines ------------------------------------------------------------------------

    def attach_pipeline(
        self, pipeline: Pipeline, name: str, chunks: Any = None, eager: bool = True
    ) -> Pipeline:
        """Compute ``pipeline`` for every session of the run, its output read with
        ``pipeline_output(name)`` (zipline's ``attach_pipeline``; only in ``initialize``).

        ``chunks``: how many sessions after the first each precomputed block covers (a
        number, or an iterable of numbers in turn; default 5, then 126). ``eager``: compute
        it before ``before_trading_start`` even on sessions that do not ask for it.
        Returns ``pipeline``.
        """
        # rustybt.pipeline loads only for strategies that use it: runs start faster.
        from rustybt.pipeline.attached import (
            AttachPipelineAfterInitialize,
            DuplicatePipelineName,
            attached_pipeline,
        )

        self._check_setup("attach_pipeline", AttachPipelineAfterInitialize)
        attached = attached_pipeline(pipeline, name, chunks, eager)
        if name in self._pipelines:
            raise DuplicatePipelineName(
                f"attach_pipeline: a pipeline named {name!r} is already attached; give "
                "this one another name"
            )
        self._pipelines[name] = attached
        return pipeline

    def pipeline_output(self, name: str) -> pd.DataFrame:
        """The output of the pipeline attached as ``name`` for the current session: one
        row per asset that passed its screen, indexed by asset, computed from the data up
        to the previous session's close (zipline's ``pipeline_output``). Available from
        ``before_trading_start`` on."""
        from rustybt.pipeline.attached import NoSuchPipeline, PipelineOutputDuringInitialize

        if not self._setup_done:
            raise PipelineOutputDuringInitialize(
                f"pipeline_output({name!r}) was called in initialize, before any session's "
                "output exists: call it in before_trading_start or handle_data"
            )
        if name not in self._pipelines:
            attached = ", ".join(repr(n) for n in self._pipelines) or "none"
            raise NoSuchPipeline(
                f"pipeline_output({name!r}): no pipeline of that name is attached "
                f"(attached: {attached}); attach it in initialize with "
                f"attach_pipeline(pipeline, {name!r})"
            )
        return self._runtime.pipeline_output(name)

    # -- assets ---------------------------------------------------------------------------

    def symbol(self, symbol_str: str, country_code: str | None = None) -> Asset:
        """The asset with this ticker in the run's data source, asked for anywhere (in
        ``initialize``, ``handle_data`` or a scheduled function), as in Zipline."""
        if not isinstance(symbol_str, str):
            raise StrategyError(f"symbol() takes a ticker string, got {symbol_str!r}")
        return self._runtime.resolve_symbol(symbol_str)

    def symbols(self, *symbol_strs: str, country_code: str | None = None) -> list[Asset]:
        """The assets with these tickers."""
        return [self.symbol(s) for s in symbol_strs]

    def sid(self, sid: int | str) -> Asset:
        """The asset with this sid (Zipline's integer asset id: the position of its symbol in
        the source's sorted symbol list). A ticker string is looked up as :meth:`symbol`."""
        if isinstance(sid, str):
            return self.symbol(sid)
        return self._runtime.resolve_sid(sid)

    def set_symbol_lookup_date(self, dt: Any) -> None:
        """Zipline's date for resolving tickers that changed hands over time. Kept (see
        :attr:`symbol_lookup_date`) but without effect: a RustyBT data source maps each
        ticker to one asset for the whole run."""
        try:
            lookup_date = to_utc_timestamp(dt)
        except (TypeError, ValueError):
            lookup_date = pd.NaT
        if pd.isna(lookup_date):
            raise StrategyError(f"set_symbol_lookup_date: {dt!r} is not a date")
        self._symbol_lookup_date = lookup_date

    @property
    def symbol_lookup_date(self) -> pd.Timestamp | None:
        """The date given to :meth:`set_symbol_lookup_date`, if any (UTC)."""
        return self._symbol_lookup_date

    # -- time and portfolio ---------------------------------------------------------------

    def get_datetime(self, tz: str | None = None) -> pd.Timestamp:
        """The current algorithm time, in UTC or in ``tz``."""
        dt = self._runtime.current_dt()
        return dt.tz_convert(tz) if tz else dt

    @property
    def portfolio(self) -> Portfolio:
        """The portfolio at the current bar (cash, positions, value, returns, pnl)."""
        return self._runtime.portfolio()  # type: ignore[no-any-return]

    @property
    def account(self) -> Account:
        """Leverage and liquidity figures at the current bar."""
        return self._runtime.account()

    # -- environment and fetched data -----------------------------------------------------

    def get_environment(self, field: str = "platform") -> Any:
        """What the run is, as zipline's ``get_environment``: ``arena`` (``"backtest"``, or
        ``"live"`` in a paper or live session), ``data_frequency`` (``"daily"`` or
        ``"minute"``), ``start`` (the close of the first session's first minute, UTC),
        ``end`` (the last session's close), ``capital_base`` (a float) and ``platform``
        (``"rustybt"``, where zipline says ``"zipline"``); ``"*"`` gives them all in a dict."""
        from rustybt.engine.clock import SimulatedClock  # the engine package imports this one

        runtime = self.runtime
        config = runtime.config
        opens, closes = get_calendar(config.calendar).opens_and_closes(runtime.sessions[[0, -1]])
        environment = {
            "arena": "backtest" if isinstance(runtime.clock, SimulatedClock) else "live",
            "data_frequency": config.frequency,
            "start": opens[0] + pd.Timedelta(minutes=1),
            "end": closes[-1],
            "capital_base": float(config.capital_base),
            "platform": PLATFORM,
        }
        if field == "*":
            return environment
        if field not in environment:
            raise StrategyError(
                f"get_environment: unknown field {field!r}; use one of "
                f"{', '.join(ENVIRONMENT_FIELDS)} or '*'"
            )
        return environment[field]

    def fetch_csv(
        self,
        url: str,
        pre_func: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
        post_func: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
        date_column: str = "date",
        date_format: str | None = None,
        timezone: Any = "UTC",
        symbol: str | None = None,
        mask: bool = True,
        symbol_column: str | None = None,
        country_code: str | None = None,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """Read the CSV at ``url`` (a path, ``file://`` or ``http(s)`` URL) and make its
        columns readable with ``data.current(key, column)``; see :mod:`rustybt.fetcher`.

        Rows are keyed by ``symbol`` (a name for a series about no asset) or by the asset
        of each row's ticker in ``symbol_column`` (default ``"symbol"``; tickers are looked
        up as ``symbol()`` does, rows of unknown ones dropped unless ``mask`` is False).
        Dates in ``date_column`` are read with ``date_format`` (inferred when None) in
        ``timezone``. ``pre_func``/``post_func`` transform the frame before/after that;
        ``kwargs`` go to :func:`pandas.read_csv`. Returns the parsed frame. Only in
        ``initialize``; ``country_code`` is accepted for zipline's sake (a RustyBT data
        source holds one market).
        """
        self._check_setup("fetch_csv")
        layout = CsvLayout(
            pre_func=pre_func,
            post_func=post_func,
            date_column=date_column,
            date_format=date_format,
            timezone=str(timezone),
            symbol=symbol,
            mask=mask,
            symbol_column=symbol_column,
            read_csv=kwargs,
        )
        frame = parse_csv(read_url(url), layout, self._known_asset, url)
        self._fetched.add(frame)
        return frame

    def _known_asset(self, ticker: str) -> Asset | None:
        """The asset of ``ticker``, or None when the data source does not know it."""
        try:
            return self._runtime.resolve_symbol(ticker)
        except StrategyError:
            return None

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
        order. It fills from the next bar on. NaN, an infinity, or more than
        MAX_ORDER_UNITS units is a StrategyError naming the call, as in every order function.
        """
        call = self._order_call("order", asset, amount)
        return self._order(call, call.number(amount), limit_price, stop_price, style)

    def _order_call(self, name: str, asset: Asset, argument: object) -> _OrderCall:
        if not isinstance(asset, Asset):
            raise StrategyError(f"order() needs an asset from symbol('...'), got {asset!r}")
        return _OrderCall(name, asset, argument)

    def _order(
        self,
        call: _OrderCall,
        amount: Decimal,
        limit_price: float | Decimal | None = None,
        stop_price: float | Decimal | None = None,
        style: ExecutionStyle | None = None,
    ) -> str | None:
        """Place the order ``call`` computed: ``amount`` units of its asset."""
        if style is None:
            if limit_price is None and stop_price is None:
                return self._place(call, amount, _MARKET)
            limit = None if limit_price is None else call.number(limit_price, "limit_price")
            stop = None if stop_price is None else call.number(stop_price, "stop_price")
            style = ExecutionStyle(limit_price=limit, stop_price=stop)
        elif limit_price is not None or stop_price is not None:
            raise UnsupportedOrderParameters(
                "pass either style= or limit_price/stop_price, not both"
            )
        elif not isinstance(style, ExecutionStyle):
            raise StrategyError(
                f"{call.with_keyword('style', repr(style))}: style must be an order style "
                "such as LimitOrder(price) from rustybt.finance.execution"
            )
        for label, price in (("limit", style.limit_price), ("stop", style.stop_price)):
            if price is None:
                continue
            if price < 0:
                raise StrategyError(f"{call}: a {label} price of {price} is negative")
            if price > MAX_ORDER_PRICE:
                raise StrategyError(
                    f"{call}: a {label} price of {float(price):.6g} is more than any price "
                    f"may be ({MAX_ORDER_PRICE:.0e}); check how the price is computed"
                )
        return self._place(call, amount, style)

    def _place(self, call: _OrderCall, amount: Decimal, style: ExecutionStyle) -> str | None:
        """Place ``amount`` units of the call's asset in ``style`` (its prices checked),
        rounded to the lot and passed through the trading controls; None when it rounds to
        nothing, or when a backtest is past the asset's last bar (zipline's warning and
        None for a delisted asset)."""
        if not self._runtime.can_order(call.asset):
            self.log.warning(
                "%s: no order placed: the data of %s ended on %s; a position in it is "
                "closed at the end of the session after that",
                call,
                call.asset.symbol,
                call.asset.end_date.date() if call.asset.end_date is not None else "?",
            )
            return None
        if abs(amount) > MAX_ORDER_UNITS:
            raise StrategyError(
                f"{call}: {float(amount):.6g} units is more than any order may be "
                f"({MAX_ORDER_UNITS:.0e}); check how the amount is computed"
            )
        asset = call.asset
        quantity = round_order_amount(asset, amount)
        if quantity == 0:
            return None
        if self._order_controls:
            self._check_controls(asset, quantity)
        return self._runtime.submit_order(asset, quantity, style).id

    def _price_for_sizing(self, asset: Asset) -> Decimal:
        price = self._runtime.last_price(asset)
        if not price:  # None (no price yet) or zero
            raise StrategyError(
                f"cannot size an order for {asset.symbol} at {self.get_datetime()}: "
                "it has no price yet"
            )
        return price

    def order_value(self, asset: Asset, value: float | Decimal, **kwargs: Any) -> str | None:
        """Order ``value`` worth of ``asset`` at the current price (negative sells)."""
        call = self._order_call("order_value", asset, value)
        return self._order(call, call.number(value) / self._price_for_sizing(asset), **kwargs)

    def order_percent(self, asset: Asset, percent: float | Decimal, **kwargs: Any) -> str | None:
        """Order ``percent`` (0.1 = 10 %) of the portfolio value in ``asset``."""
        call = self._order_call("order_percent", asset, percent)
        value = self._runtime.portfolio_value() * call.number(percent)
        return self._order(call, value / self._price_for_sizing(asset), **kwargs)

    def order_target(self, asset: Asset, target: float | Decimal, **kwargs: Any) -> str | None:
        """Order what takes the position to ``target`` units (open orders not counted,
        as in Zipline)."""
        call = self._order_call("order_target", asset, target)
        amount = call.number(target) - self._runtime.position_amount(asset)
        return self._order(call, amount, **kwargs)

    def order_target_value(
        self, asset: Asset, target: float | Decimal, **kwargs: Any
    ) -> str | None:
        """Order what takes the position's value to ``target`` at the current price."""
        call = self._order_call("order_target_value", asset, target)
        return self._order_to(call, call.number(target), **kwargs)

    def order_target_percent(
        self, asset: Asset, target: float | Decimal, **kwargs: Any
    ) -> str | None:
        """Order what makes the position ``target`` (0.5 = 50 %) of the portfolio value."""
        call = self._order_call("order_target_percent", asset, target)
        value = self._runtime.portfolio_value() * call.number(target)
        return self._order_to(call, value, **kwargs)

    def _order_to(self, call: _OrderCall, value: Decimal, **kwargs: Any) -> str | None:
        """Order what takes the position's value to ``value`` at the current price."""
        asset = call.asset
        target = value / self._price_for_sizing(asset)
        return self._order(call, target - self._runtime.position_amount(asset), **kwargs)

    def batch_market_order(
        self, share_counts: Mapping[Asset, float | int] | pd.Series
    ) -> list[str | None]:
        """A market order for each asset of ``share_counts`` (a Series or a mapping of
        asset to units; entries of 0 are skipped, as in zipline), in that order; returns
        their ids, None where an amount rounds to nothing. Each order passes the trading
        controls (zipline's skips them)."""
        if not isinstance(share_counts, Mapping | pd.Series):
            raise StrategyError(
                f"batch_market_order takes a Series or dict of asset -> units, got {share_counts!r}"
            )
        ids = []
        for asset, amount in share_counts.items():
            if amount:
                call = self._order_call("batch_market_order", asset, amount)
                ids.append(self._order(call, call.number(amount), style=_MARKET))
        return ids

    def cancel_order(self, order_param: str | OrderView) -> None:
        """Cancel an open order, given as an id or as an order from ``get_order``."""
        order = self._runtime.get_order(_order_id("cancel_order", order_param))
        if order is not None and order.is_open:
            self._runtime.cancel_order(order)

    def get_open_orders(self, asset: Asset | None = None):
        """Open orders as zipline shows them (snapshots, :class:`OrderView`), oldest first:
        a list for ``asset``, or a dict of lists by asset."""
        orders = self._runtime.open_orders()
        if asset is not None:
            return [OrderView.of(o) for o in orders if o.asset == asset]
        grouped: dict[Asset, list[OrderView]] = {}
        for o in orders:
            grouped.setdefault(o.asset, []).append(OrderView.of(o))
        return grouped

    def get_order(self, order_id: str | OrderView) -> OrderView | None:
        """The order with this id as it stands now, as zipline shows it (a snapshot,
        :class:`OrderView`); None when unknown."""
        order = self._runtime.get_order(_order_id("get_order", order_id))
        return None if order is None else OrderView.of(order)

    # -- recording and scheduling ---------------------------------------------------------

    def record(self, *args: Any, **kwargs: Any) -> None:
        """Record values for today's results row: ``record(name=value)`` or
        ``record("name", value, ...)``."""
        if len(args) % 2:
            raise StrategyError("record() takes name, value pairs or keyword arguments")
        values = dict(zip(args[::2], args[1::2], strict=True))
        values.update(kwargs)
        self._runtime.record(values)

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
        if not callable(func):
            raise StrategyError(
                f"schedule_function({func!r}): the first argument must be the function to "
                "run, def f(context, data):"
            )
        if date_rule is not None and not hasattr(date_rule, "session_mask"):
            raise StrategyError(
                f"schedule_function: date_rule {date_rule!r} is no date rule; pass one of "
                "date_rules, e.g. date_rules.every_day()"
            )
        if time_rule is not None and not isinstance(time_rule, scheduling.TimeRule):
            raise StrategyError(
                f"schedule_function: time_rule {time_rule!r} is no time rule; pass one of "
                "time_rules, e.g. time_rules.market_open()"
            )
        scheduled = ScheduledFunction(
            func=func,
            date_rule=date_rule or scheduling.date_rules.every_day(),
            time_rule=time_rule or scheduling.time_rules.market_open(),
            half_days=half_days,
        )
        self._scheduled.append(scheduled)
        if self._setup_done:
            seeing = self._seeing_strategy_data(func)
            self._runtime.schedule(
                scheduled if seeing is func else attrs.evolve(scheduled, func=seeing)
            )

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

    def _check_setup(self, what: str, error: type[StrategyError] = StrategyError) -> None:
        if self._setup_done:
            raise error(f"{what} can only be called in initialize")

    def set_commission(
        self,
        us_equities: CommissionModel | None = None,
        us_futures: CommissionModel | None = None,
        *,
        crypto: CommissionModel | None = None,
    ) -> None:
        """Set the commission model. A model given for equities (first argument) also
        applies to crypto assets unless ``crypto=`` is given."""
        self._check_setup("set_commission", SetCommissionPostInit)
        if us_futures is not None:
            raise StrategyError("futures are not supported; set us_equities or crypto")
        for model, classes in self._asset_classes(us_equities, crypto):
            if not isinstance(model, CommissionModel):
                raise UnsupportedCommissionModel(
                    f"{model!r} is not a commission model from rustybt.finance.commission"
                )
            self._runtime.costs.set_commission(model, classes)

    def set_slippage(
        self,
        us_equities: SlippageModel | None = None,
        us_futures: SlippageModel | None = None,
        *,
        crypto: SlippageModel | None = None,
    ) -> None:
        """Set the slippage model; same rules as :meth:`set_commission`."""
        self._check_setup("set_slippage", SetSlippagePostInit)
        if us_futures is not None:
            raise StrategyError("futures are not supported; set us_equities or crypto")
        for model, classes in self._asset_classes(us_equities, crypto):
            if not isinstance(model, SlippageModel):
                raise UnsupportedSlippageModel(
                    f"{model!r} is not a slippage model from rustybt.finance.slippage"
                )
            self._runtime.costs.set_slippage(model, classes)

    def set_cancel_policy(self, cancel_policy: CancelPolicy) -> None:
        """Choose what happens to open orders at the end of a session."""
        self._check_setup("set_cancel_policy", SetCancelPolicyPostInit)
        self._cancel_policy = cancel_policy

    def set_benchmark(self, benchmark: Asset) -> None:
        """Compare the strategy's returns with ``benchmark``'s."""
        self._check_setup("set_benchmark", SetBenchmarkOutsideInitialize)
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

    def set_min_leverage(self, min_leverage: float, grace_period: Any) -> None:
        """Stop the run when, after ``grace_period`` (a timedelta) from the run's first
        session, gross leverage is below ``min_leverage`` at the end of a bar (zipline checks
        at the end of each session: the same with daily bars)."""
        self._check_setup("set_min_leverage")
        try:
            grace = pd.Timedelta(grace_period)
        except (TypeError, ValueError):
            raise StrategyError(
                f"set_min_leverage: grace_period must be a timedelta, got {grace_period!r}"
            ) from None
        self._min_leverage = MinLeverage(
            min_leverage=min_leverage, deadline=self._runtime.sessions[0] + grace
        )

    def _checking_min_leverage(
        self, handle_data: Callable[[Any, Any], Any] | None, limit: MinLeverage
    ) -> Callable[[Any, Any], Any]:
        """``handle_data`` (if any), then the check of ``limit`` at the bar."""

        def call(context: Any, data: Any) -> None:
            if handle_data is not None:
                handle_data(context, data)
            now = self.get_datetime()
            message = limit.violation_at(self.account.gross_leverage, now)
            if message is not None:
                raise TradingControlViolation(f"at {now}: {message}")

        return call

    def set_asset_restrictions(self, restrictions: Restrictions, on_error: str = "fail") -> None:
        """Refuse orders in the assets ``restrictions`` restrict at the order's time
        (:mod:`rustybt.finance.asset_restrictions`); ``data.can_trade`` is False for them."""
        self._check_setup("set_asset_restrictions")
        if not isinstance(restrictions, Restrictions):
            raise StrategyError(
                "set_asset_restrictions takes StaticRestrictions or HistoricalRestrictions, "
                f"got {restrictions!r}"
            )
        self._order_controls.append(RestrictedAssets(restrictions=restrictions, on_error=on_error))
        self._restrictions = (
            restrictions if self._restrictions is None else self._restrictions | restrictions
        )

    def set_do_not_order_list(
        self, restricted_list: Restrictions | Iterable[Asset], on_error: str = "fail"
    ) -> None:
        """Refuse orders in the assets of ``restricted_list`` (zipline's older form of
        ``set_asset_restrictions(StaticRestrictions(assets))``; restrictions work too)."""
        self.set_asset_restrictions(as_restrictions(restricted_list), on_error)

    def _check_controls(self, asset: Asset, amount: Decimal) -> None:
        """Raise TradingControlViolation when the order breaks a control set to fail; log
        the ones set to log."""
        if not self._order_controls:
            return
        runtime = self.runtime
        context = OrderContext(
            asset=asset,
            amount=amount,
            price=runtime.last_price(asset),
            position=runtime.position_amount(asset),
            portfolio_value=runtime.portfolio_value(),
            orders_today=runtime.orders_today(),
            dt=runtime.current_dt(),
        )
        for control in self._order_controls:
            message = control.violation(context)
            if message is None:
                continue
            if control.on_error != "log":
                raise TradingControlViolation(f"at {context.dt}: {message}")
            # zipline's "log": say so, and place the order all the same.
            self.log.warning("trading control violated (order placed, on_error='log'): %s", message)

    def _seeing_strategy_data(
        self, function: Callable[[Any, Any], Any] | None
    ) -> Callable[[Any, Any], Any] | None:
        """``function(context, data)`` handed the strategy's view of ``data`` when
        fetch_csv or restrictions extend the bars; ``function`` itself otherwise."""
        if function is None or (not self._fetched.columns and self._restrictions is None):
            return function

        def call(context: Any, data: BarData) -> Any:
            view = self._strategy_data
            if view is None or view.bars is not data:
                view = self._strategy_data = StrategyData(data, self._fetched, self._restrictions)
            return function(context, view)

        return call
