"""The trading engine: runs a ``TradingAlgorithm`` bar by bar over a clock, a bar feed and
an execution (:mod:`rustybt.engine.parts`). A backtest, a paper session and a live session
are this one engine with different parts; the engine has no mode of its own.

Per session: the attached pipelines' output (:mod:`rustybt.pipeline.attached`), then
``before_trading_start`` (seeing the previous bar), then for each bar: the
clock lets it run, the feed brings it when it arrives live, the execution reports fills of
orders placed in earlier bars, ``handle_data``, scheduled functions; at the end of the
session: in a backtest, zipline's auto-close of the assets whose data ended, then the cancel
policy, one results row, and the observers (a journal's checkpoint).
Everything the loop touches per bar is a numpy array prepared once
(:class:`rustybt.data.bar_arrays.BarArrays`); Decimals appear only when orders are sized or
filled and when the portfolio is valued.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from rustybt import api
from rustybt.algorithm import ScheduledFunction, TradingAlgorithm
from rustybt.assets import Asset, AssetClass
from rustybt.bar_data import BarData
from rustybt.calendars import TradingCalendar, get_calendar
from rustybt.collector import collections_of_run_objects_only, no_collections
from rustybt.data.actions import RunActions, adjustment_mode, has_actions, source_actions
from rustybt.data.bar_arrays import BarArrays
from rustybt.data.schema import date_option
from rustybt.engine import benchmark
from rustybt.engine.books import Books
from rustybt.engine.clock import SimulatedClock
from rustybt.engine.feed import fetch_run_bars
from rustybt.engine.parts import BarFeed, Clock, Execution, SessionObserver
from rustybt.engine.perf_frame import perf_frame
from rustybt.engine.records import (
    AppliedAction,
    AppliedSplit,
    HeldPositionChanges,
    PaidDividend,
    SessionRecords,
)
from rustybt.engine.results import BacktestResult, LazyFrame, RunTimings
from rustybt.errors import (
    ConfigError,
    DataError,
    SidsNotFound,
    StrategyCodeError,
    StrategyError,
    SymbolNotFound,
    TradingControlViolation,
    VenueUnavailable,
)
from rustybt.finance.cancel_policy import NeverCancel
from rustybt.finance.controls import MaxLeverage
from rustybt.finance.execution import CostModels
from rustybt.finance.order import ExecutionStyle, Order
from rustybt.finance.transaction import Transaction
from rustybt.frequencies import RUN_FREQUENCIES, run_frequency
from rustybt.metrics import summarize
from rustybt.portfolio import (
    Account,
    BarQuotes,
    HeldPositions,
    LiveViewToken,
    Portfolio,
    Positions,
    live_view,
    live_view_token,
)
from rustybt.scheduling import once_per_day
from rustybt.strategy_file import strategy_error

if TYPE_CHECKING:
    from rustybt.finance.ledger import Ledger
    from rustybt.pipeline.attached import PipelineOutputs

WARMUP_DAYS = {"daily": 600, "minute": 7}
BEFORE_OPEN = pd.Timedelta(minutes=45)
MINUTE = pd.Timedelta(minutes=1)
DAY_NS = 86_400 * 10**9

Progress = Callable[[int, int], None]
CAPITAL_BASE_RANGE = (Decimal("1e-8"), Decimal(10) ** 15)
"""The least and the most starting cash a run takes (a satoshi, a quadrillion): anything
outside comes from a typo, and would overflow the float columns of the results."""


def _capital(value: object) -> Decimal:
    """``value`` read exactly (a float through its shortest representation), or a
    ConfigError when it is no number inside CAPITAL_BASE_RANGE."""
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        raise ConfigError(f"capital base must be a number, got {value!r}") from None
    if not amount.is_finite():
        raise ConfigError(f"capital base must be a finite number, got {value!r}")
    if amount <= 0:
        raise ConfigError(f"capital base must be positive, got {value}")
    if not CAPITAL_BASE_RANGE[0] <= amount <= CAPITAL_BASE_RANGE[1]:
        low, high = CAPITAL_BASE_RANGE
        raise ConfigError(f"capital base must be from {low:.0e} to {high:.0e}, got {value}")
    return amount


@attrs.frozen(kw_only=True)
class BacktestConfig:
    """What to simulate: the span, the money, the bar frequency and the calendar.

    ``symbols`` are loaded in addition to those the strategy asks for with ``symbol()``.
    ``warmup`` bars before ``start`` (about 600 calendar days for daily data, 7 for minute
    data) are loaded so ``data.history`` has lookback from the first bar.
    ``benchmark_returns`` (daily returns by date, :func:`rustybt.engine.benchmark.daily_returns`)
    is the benchmark unless the strategy sets one; without either it returns 0.
    """

    start: pd.Timestamp = attrs.field(converter=lambda value: date_option("start", value))
    end: pd.Timestamp = attrs.field(converter=lambda value: date_option("end", value))
    capital_base: Decimal = attrs.field(default=Decimal(100000), converter=lambda v: _capital(v))
    frequency: str = attrs.field(default="daily", converter=run_frequency)
    calendar: str = "XNYS"
    symbols: tuple[str, ...] = attrs.field(
        default=(), converter=lambda value: (value,) if isinstance(value, str) else tuple(value)
    )
    benchmark_returns: pd.Series | None = attrs.field(
        default=None, eq=False, converter=attrs.converters.optional(benchmark.daily_returns)
    )
    adjustment: str = attrs.field(default="raw", converter=adjustment_mode)
    """``raw``: the bars as they traded, the source's splits and dividends applied to the
    positions and cash on their dates, history windows adjusted as of each bar (zipline's
    way); ``adjusted``: the bars adjusted for every action up to the end, no actions."""

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ConfigError(f"end {self.end.date()} is before start {self.start.date()}")


def _check_inside_calendar(config: BacktestConfig, calendar: TradingCalendar) -> None:
    """Refuse a start or end outside ``calendar``'s span, quoting the date as given."""
    first, last = calendar.first_day.date(), calendar.last_day.date()
    for name, day in (("start", config.start.date()), ("end", config.end.date())):
        if not first <= day <= last:
            raise ConfigError(
                f"the backtest's {name} {day} is outside the {calendar.name} calendar, which "
                f"covers {first} to {last}; choose dates in that range"
            )


class TradingEngine:
    """One run of ``algorithm``: the engine side of
    :class:`rustybt.algorithm.AlgorithmRuntime`, over ``clock``, ``feed`` and ``execution``.

    Its books (one order book, one ledger, the cost models) exist from construction, so
    ``context.portfolio`` and ``context.account`` can be read in ``initialize``.
    """

    def __init__(
        self,
        algorithm: TradingAlgorithm,
        config: BacktestConfig,
        *,
        clock: Clock,
        feed: BarFeed,
        execution: Execution,
        observers: Sequence[SessionObserver] = (),
        id_prefix: str = "o",
        progress: Progress | None = None,
        pipeline_loaders: Mapping[Any, Any] | None = None,
        pipelines_each_session: bool = False,
    ) -> None:
        """``pipeline_loaders``: the loaders of the custom datasets the strategy's
        pipelines read (zipline's ``custom_loader``: BoundColumn or DataSet -> loader).
        ``pipelines_each_session``: compute each session's pipeline output at its start
        (a trading session, whose later bars do not exist yet) instead of in chunks ahead."""
        self.algorithm = algorithm
        self.config = config
        self.clock = clock
        self.feed = feed
        self.execution = execution
        self.observers: list[SessionObserver] = []
        """Told of orders, fills and session ends (a session's journal and event log)."""
        self.pre_trade_checks: list[Callable[[Order], str | None]] = []
        """Each new order passes these before it is executed; the first reason one gives
        rejects the order (a session's risk limits)."""
        self.progress = progress
        self.pipeline_loaders = pipeline_loaders
        self.pipelines_each_session = pipelines_each_session
        self.pipelines: PipelineOutputs | None = None
        """The attached pipelines' outputs (None when the strategy attaches none)."""
        self.calendar: TradingCalendar = get_calendar(config.calendar)
        _check_inside_calendar(config, self.calendar)
        self.sessions = self.calendar.sessions(config.start, config.end)
        if len(self.sessions) == 0:
            raise ConfigError(
                f"no {self.calendar.name} sessions between {config.start.date()} and "
                f"{config.end.date()}"
            )
        self.books = Books(config.capital_base, id_prefix=id_prefix)
        self.ledger = self.books.ledger
        self.orders = self.books.orders
        self._assets: dict[str, Asset] = {}
        self._source_symbols: list[str] | None = None
        self._setup = True
        self._recorded: dict[str, Any] = {}
        self._now_ns = config.start.value
        self._now_timestamp = config.start
        self._bar = -1
        self._value_cache: tuple[int, int, Decimal, int] | None = None
        """(bar, ledger revision, portfolio value, positions value in ledger units) of the
        last valuation."""
        self._start_date = self.sessions[0]
        self._held_positions = HeldPositions(
            BarQuotes(lambda: self.arrays, lambda: self._timeline_ns, lambda: self._bar)
        )
        self.live_portfolio = Portfolio.live(
            self, starting_cash=float(self.ledger.starting_cash), start_date=self._start_date
        )
        """What ``context.portfolio`` gives, as it stands (:meth:`portfolio` brings it up to
        date first)."""
        self._portfolio_bar = self._bar
        self._portfolio_revision = self.ledger.revision
        """The bar and ledger revision the portfolio was last brought up to date at."""
        self._account_cache: tuple[int, int, Account] | None = None
        # A backtest's stored data ending means the asset ended (zipline's auto-close); a
        # session's feed merely stopping does not, and its broker holds the positions.
        self._closes_ended_assets = not feed.grows and isinstance(clock, SimulatedClock)
        self._auto_close = np.zeros(0, dtype=np.int64)
        """Per asset (ledger order), the session at whose end its positions are closed
        and its orders cancelled (:meth:`_auto_close_sessions`)."""
        self._first_auto_close = 0
        """The first session of ``_auto_close`` (past the last session when there is none)."""
        self._session = -1
        """The position in ``all_sessions`` of the session being run (-1 before the first)."""
        execution.bind(self)
        for observer in observers:
            self.observe(observer)

    def observe(self, observer: SessionObserver) -> None:
        """Tell ``observer`` of every order, fill and session end from now on."""
        self.observers.append(observer)
        self.books.listeners.append(observer.order_filled)

    @property
    def costs(self) -> CostModels:
        """The commission and slippage models in force (set by the strategy or config)."""
        return self.books.costs

    @property
    def current_bar(self) -> int:
        """The index of the bar being processed (-1 before the first)."""
        return self._bar

    @property
    def assets(self) -> Mapping[str, Asset]:
        """The run's assets by symbol."""
        return MappingProxyType(self._assets)

    @property
    def recorded(self) -> Mapping[str, Any]:
        """The variables recorded so far, by name (each with its latest value)."""
        return self._recorded

    @property
    def fill_count(self) -> int:
        """Fills booked in this run."""
        return len(self.books.fills)

    def resume_after(self, bar: int, recorded: Mapping[str, Any]) -> None:
        """Carry on after bar ``bar`` of an earlier process (a checkpoint's), with the
        variables it had recorded."""
        self._bar = bar
        self._recorded = {**self._recorded, **recorded}

    # -- AlgorithmRuntime -------------------------------------------------------------------

    def resolve_symbol(self, symbol: str) -> Asset:
        """The asset for ``symbol``. A symbol first asked for after ``initialize`` joins the
        run there and then: its bars are loaded from the stored data (a live feed polls
        only the symbols it started with, so there it is refused)."""
        asset = self._assets.get(symbol)
        if asset is not None:
            return asset
        source = self.feed.source
        has_symbol = getattr(source, "has_symbol", None)
        if has_symbol is not None and not has_symbol(symbol):
            available = ", ".join(getattr(source, "symbols", [])) or "no symbols at all"
            raise SymbolNotFound(
                f"unknown symbol '{symbol}' in source '{source.name}' (has: {available})"
            )
        if not self._setup and self.feed.grows:
            raise StrategyError(
                f"symbol({symbol!r}) was first asked for after initialize; a live session "
                "polls the symbols it starts with: ask for every symbol in initialize"
            )
        asset = self._new_asset(symbol)
        if not self._setup:
            self._join_run(asset)
        self._assets[symbol] = asset
        return asset

    def resolve_sid(self, sid: int) -> Asset:
        """The asset whose sid is ``sid``: the position of its symbol in the source's
        sorted symbol list (Zipline's csvdir bundles number assets so)."""
        symbols = self._listed_symbols()
        if not symbols:
            raise StrategyError(
                f"sid({sid}): source '{self.feed.source.name}' does not list its symbols; "
                "use symbol('…')"
            )
        if isinstance(sid, bool) or not 0 <= int(sid) < len(symbols) or int(sid) != sid:
            raise SidsNotFound(
                f"sid({sid!r}) is not an asset of source '{self.feed.source.name}' "
                f"(sids 0 to {len(symbols) - 1})"
            )
        return self.resolve_symbol(symbols[int(sid)])

    def schedule(self, scheduled: ScheduledFunction) -> None:
        """Run ``scheduled``, registered after ``initialize``, from the current bar on: as
        in Zipline, a function scheduled in ``handle_data`` can fire in the same bar."""
        # Registered in a bar, it is checked from that bar on; before the session's first
        # bar (before_trading_start), from that first bar.
        within_bar = self._bar >= 0 and self._now_ns == self.bar_times.asi8[self._bar]
        bars = self._fire_bars(scheduled, self._bar if within_bar else self._bar + 1)
        self._schedule.append((scheduled.func, bars))
        self._next_fire.append(int(np.searchsorted(bars, self._bar)))

    def _listed_symbols(self) -> list[str]:
        """The source's symbols, sorted (empty when it does not list them); read once, as
        listing can mean reading a directory."""
        if self._source_symbols is None:
            self._source_symbols = sorted(getattr(self.feed.source, "symbols", None) or [])
        return self._source_symbols

    def _sid_of(self, symbol: str) -> int:
        """Zipline's sid: the position in the sorted listing, else the order of first use."""
        listed = self._listed_symbols()
        position = bisect.bisect_left(listed, symbol)
        if position < len(listed) and listed[position] == symbol:
            return position
        return len(listed) + len(self._assets)

    def _new_asset(self, symbol: str) -> Asset:
        sid = self._sid_of(symbol)
        if self.calendar.always_open:
            return Asset(
                symbol=symbol,
                asset_class=AssetClass.CRYPTO,
                tick_size=Decimal("1E-8"),
                lot_size=Decimal("1E-8"),
                calendar=self.calendar.name,
                sid=sid,
            )
        asset_class = AssetClass.INDEX if symbol.startswith("^") else AssetClass.EQUITY
        return Asset(symbol=symbol, asset_class=asset_class, calendar=self.calendar.name, sid=sid)

    def _join_run(self, asset: Asset) -> None:
        """Add ``asset`` to a run already under way: a ledger entry, a column of bars."""
        ledger = self.ledger
        if self.books.fills and asset.lot_exponent + asset.tick_exponent < ledger.value_exponent:
            # Sessions recorded with positions hold values in the ledger's units; a finer
            # unit would re-base them.
            raise StrategyError(
                f"symbol({asset.symbol!r}) was first asked for after initialize and trades "
                "on a finer price grid than the run's other assets: ask for it in initialize"
            )
        ledger.add_assets([asset])
        bars = self.feed.load(
            [asset],
            self.arrays.timeline,
            int(self.session_bounds[self.first_session]),
            RUN_FREQUENCIES[self.config.frequency],
        )
        self.arrays.add_assets([asset], bars)
        self.units = ledger.value_units(self.arrays.ticks)
        self._record_trading_dates([asset])
        self._auto_close = np.concatenate([self._auto_close, self._auto_close_sessions([asset])])
        self._first_auto_close = int(self._auto_close.min())

    def current_dt(self) -> pd.Timestamp:
        """The algorithm's current time (UTC)."""
        now_ns = self._now_ns
        if self._now_timestamp.value != now_ns:
            self._now_timestamp = pd.Timestamp(now_ns, tz=datetime.UTC)
        return self._now_timestamp

    def last_price(self, asset: Asset) -> Decimal | None:
        """The asset's current price on its tick grid (None before its first bar)."""
        column = self._column(asset)
        bar = self._bar
        if bar < 0:
            return None
        ticks = int(self.arrays.ticks[bar, column])
        # Zero ticks is either no price yet (NaN) or a real price of zero.
        if ticks == 0 and np.isnan(self.arrays.fields["price"][bar, column]):
            return None
        return asset.price_from_ticks(ticks)

    def position_amount(self, asset: Asset) -> Decimal:
        """The current position in ``asset``."""
        return self.ledger.amount(asset)

    def portfolio_value(self) -> Decimal:
        """The exact portfolio value at the current bar (kept until the bar or ledger changes)."""
        cache = self._current_valuation()
        if cache is not None:
            return cache[2]
        ledger = self.ledger
        if ledger.held_count:
            units = ledger.positions_value_units(self.units[max(self._bar, 0)])
            value = ledger.cash + ledger.units_to_money(units)
        else:
            units, value = 0, ledger.cash
        self._value_cache = (self._bar, ledger.revision, value, units)
        return value

    def _current_valuation(self) -> tuple[int, int, Decimal, int] | None:
        """The last valuation while it still holds: same bar, no change to the ledger."""
        cache = self._value_cache
        if cache is not None and cache[0] == self._bar and cache[1] == self.ledger.revision:
            return cache
        return None

    def _gross_exposure(self) -> Decimal:
        """``Σ |amount × price|`` of the held positions at the current bar, exactly."""
        ledger = self.ledger
        if not ledger.held_count:
            return Decimal(0)
        return ledger.units_to_money(ledger.gross_value_units(self.units[max(self._bar, 0)]))

    def cash(self) -> Decimal:
        """The exact cash in the account."""
        return self.ledger.cash

    def held_positions(self) -> Positions:
        """The positions the strategy reads, brought up to date with the ledger."""
        return self._held_positions.update(self.ledger)

    def live_view_token(self, view: object) -> LiveViewToken | None:
        """What a checkpoint keeps for ``view`` when it is a live view of the portfolio
        (:func:`rustybt.portfolio.live_view_token`), else None."""
        return live_view_token(view, self.live_portfolio)

    def live_view(self, token: LiveViewToken) -> object:
        """This run's live view for ``token`` (:func:`rustybt.portfolio.live_view`)."""
        return live_view(token, self.live_portfolio, self._held_positions, self.ledger)

    def portfolio(self) -> Portfolio:
        """The portfolio, live as zipline's is (:mod:`rustybt.portfolio`): always the same
        object, brought up to date when read after the bar or the ledger changed (or after
        the strategy edited its positions); each figure is worked out when first read."""
        portfolio = self.live_portfolio
        revision = self.ledger.revision
        if revision != self._portfolio_revision or portfolio.positions_edited:
            portfolio.refresh()
            self._portfolio_revision = revision
            self._portfolio_bar = self._bar
        elif self._bar != self._portfolio_bar:
            # Only the prices moved: the positions dict, a view of the ledger, still holds.
            portfolio.forget_figures()
            self._portfolio_bar = self._bar
        return portfolio

    def account(self) -> Account:
        """Leverage figures at the current bar (the same object until the bar or the ledger
        changes)."""
        bar, revision = self._bar, self.ledger.revision
        cached = self._account_cache
        if cached is not None and cached[0] == bar and cached[1] == revision:
            return cached[2]
        gross = self._gross_exposure()
        value = self.portfolio_value()
        net = value - self.ledger.cash
        account = Account(
            settled_cash=float(self.ledger.cash),
            net_liquidation=float(value),
            gross_leverage=float(gross / value) if value else float("inf"),
            net_leverage=float(net / value) if value else float("inf"),
            total_positions_value=float(net),
            total_positions_exposure=float(net),
        )
        self._account_cache = (bar, revision, account)
        return account

    def submit_order(self, asset: Asset, amount: Decimal, style: ExecutionStyle) -> Order:
        """Place an order and hand it to the execution unless a pre-trade check rejects it;
        it can fill from the next bar on."""
        self._column(asset)
        order = self.orders.place(
            asset=asset,
            amount=amount,
            created=self.current_dt(),
            created_bar=self._bar,
            limit=style.limit_price,
            stop=style.stop_price,
        )
        for check in self.pre_trade_checks:
            reason = check(order)
            if reason is not None:
                self.orders.reject(order, reason)
                break
        else:
            self.execution.submit(order)
        for observer in self.observers:
            observer.order_placed(order)
        return order

    def cancel_order(self, order: Order) -> None:
        """Cancel what is left of ``order``."""
        self.execution.cancel(order)
        self.orders.cancel(order)

    def open_orders(self) -> list[Order]:
        """Open orders, oldest first."""
        return self.orders.open_orders()

    def get_order(self, order_id: str) -> Order | None:
        """Any order of this run by id."""
        return self.orders.get(order_id)

    def orders_today(self) -> int:
        """Orders placed in the current session."""
        return self.orders.placed_today

    def record(self, values: Mapping[str, Any]) -> None:
        """Record variables; each keeps its value in later rows until recorded again."""
        # A new dict, not an update: rows already taken keep the dict they were given.
        self._recorded = {**self._recorded, **values}

    def pipeline_output(self, name: str) -> pd.DataFrame:
        """The current session's output of the attached pipeline ``name``, by asset."""
        assert self.pipelines is not None  # the algorithm asks only for attached names
        return self.pipelines.output(name)

    # -- setup ------------------------------------------------------------------------------

    def _column(self, asset: Asset) -> int:
        try:
            return self.arrays.column[asset]
        except KeyError:
            raise StrategyError(f"{asset.symbol} is not part of this run") from None

    def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return function(*args)
        except (StrategyCodeError, VenueUnavailable):
            # A venue that stays unreachable stops the session; it is not the strategy's bug.
            raise
        except Exception as exc:
            raise strategy_error(exc, self.algorithm.source_path) from exc

    def _prepare(self) -> None:
        config = self.config
        # The warm-up stops at the calendar's first day: a run may start there.
        warmup = self.calendar.sessions(
            max(
                self.sessions[0] - pd.Timedelta(days=WARMUP_DAYS[config.frequency]),
                self.calendar.first_day,
            ),
            self.sessions[0],
        )
        all_sessions = warmup[warmup < self.sessions[0]].append(self.sessions)
        self.first_session = len(all_sessions) - len(self.sessions)
        self.opens, self.closes = self.calendar.opens_and_closes(all_sessions)
        if config.frequency == "daily":
            timeline = all_sessions
            self.session_of_bar = np.arange(len(all_sessions))
            self.bar_times = self.closes
        else:
            timeline, self.session_of_bar = self.calendar.minutes_and_session_index(all_sessions)
            self.bar_times = timeline + MINUTE
        self.all_sessions = all_sessions
        self.session_bounds = np.searchsorted(self.session_of_bar, np.arange(len(all_sessions) + 1))
        first_run_bar = int(self.session_bounds[self.first_session])
        universe_bars = (
            self._join_pipeline_universe(timeline, first_run_bar)
            if self.algorithm.attached_pipelines
            else None
        )
        # Added at once (the ledger re-bases its value units per call); the ledger's asset
        # order is the arrays' column order, which records rely on.
        self.ledger.add_assets(list(self._assets.values()))
        assets = list(self.ledger.assets)
        bars = (
            self._load_bars(assets, timeline, first_run_bar)
            if universe_bars is None
            else universe_bars
        )
        self.arrays = BarArrays(bars, assets, timeline)
        placed = self._run_actions(assets, all_sessions)
        if config.adjustment == "adjusted":
            symbols = [a.symbol for a in assets]
            self.arrays = BarArrays(placed.back_adjust(bars, timeline, symbols), assets, timeline)
        self.actions = placed if config.adjustment == "raw" else RunActions()
        self._actions_found = placed
        self._timeline_ns = timeline.asi8
        self.data = BarData(
            self.arrays,
            RUN_FREQUENCIES[config.frequency],
            growing=self.feed.grows,
            sessions=all_sessions,
            session_of_bar=self.session_of_bar,
        )
        if self.actions.prices:
            self.data.set_actions(self.actions)
        self._unpaid_dividends: dict[int, list[PaidDividend]] = {}
        """The dividends earned and not paid yet, by the session that pays them."""
        self._position_change_tracker = HeldPositionChanges(self.ledger)
        self.units = self.ledger.value_units(self.arrays.ticks)
        self._schedule = self._compile_schedule()
        self._next_fire = [0] * len(self._schedule)
        self._record_trading_dates(assets)
        self._auto_close = self._auto_close_sessions(assets)
        self._first_auto_close = int(self._auto_close.min(initial=len(all_sessions)))
        self._check_run_inside_data()
        if self.algorithm.attached_pipelines:
            self.pipelines = self._pipeline_outputs()

    def _pipeline_universe(self) -> list[str]:
        """The symbols a pipeline computes over: every symbol the source lists (sorted,
        so sids are positions), else the run's own."""
        return self._listed_symbols() or list(self._assets)

    def _join_pipeline_universe(
        self, timeline: pd.DatetimeIndex, first_run_bar: int
    ) -> pd.DataFrame:
        """Add the pipeline universe's symbols to the run, before its books and arrays
        are made, so pipeline outputs hold the run's own assets; return the bars of them
        all. A listed symbol without bars over the run's timeline cannot pass any
        session's mask and stays out (found only when the source refuses the whole load)."""
        joining = [s for s in self._pipeline_universe() if s not in self._assets]
        for symbol in joining:
            self._assets[symbol] = self._new_asset(symbol)
        if not joining:
            return self._load_bars(list(self._assets.values()), timeline, first_run_bar)
        frequency = RUN_FREQUENCIES[self.config.frequency]
        try:
            return self.feed.load(list(self._assets.values()), timeline, first_run_bar, frequency)
        except DataError:
            pass
        # The range a feed reads up front: the whole timeline, or a live feed's warm-up.
        end = timeline[-1] if not self.feed.grows else timeline[max(first_run_bar - 1, 0)]
        for symbol in joining:
            try:
                self.feed.source.fetch_bars([symbol], timeline[0], end, frequency)
            except DataError:
                del self._assets[symbol]
        return self._load_bars(list(self._assets.values()), timeline, first_run_bar)

    def _pipeline_outputs(self) -> PipelineOutputs:
        """The outputs of the strategy's attached pipelines over the run's sessions, on
        the run's source, calendar and adjustment, holding the run's assets."""
        # Imported here: runs without a pipeline never load the pipeline machinery.
        from rustybt.pipeline.attached import PipelineOutputs
        from rustybt.pipeline.engine import PipelineEngine

        assets = [self._assets[s] for s in self._pipeline_universe() if s in self._assets]
        if self.feed.grows:
            # A live feed has loaded only the warm-up: its assets trade on through the run,
            # and a pipeline counts them alive (zipline's lifetimes) until its last session.
            last = self.sessions[-1]
            for asset in assets:
                if asset.start_date is not None:
                    asset.record_trading_dates(asset.start_date, last)
        engine = PipelineEngine(
            self.feed.source,
            assets=assets,
            calendar=self.config.calendar,
            adjustment=self.config.adjustment,
            loaders=self.pipeline_loaders,
        )
        return PipelineOutputs(
            self.algorithm.attached_pipelines,
            engine,
            self.sessions,
            each_session=self.pipelines_each_session,
        )

    def _run_actions(self, assets: Sequence[Asset], sessions: pd.DatetimeIndex) -> RunActions:
        """The source's splits and dividends of the run's assets, placed on its sessions."""
        found = source_actions(
            self.feed.source, [a.symbol for a in assets], sessions[0], sessions[-1]
        )
        arrays = self.arrays
        return RunActions.build(
            found,
            columns={a.symbol: arrays.column[a] for a in assets},
            sessions=sessions,
            session_bounds=self.session_bounds,
            closes=arrays.fields["close"],
        )

    def _apply_actions(self, session: int, records: SessionRecords) -> bool:
        """The session's corporate actions, at its start, in zipline's order: dividends
        earned on their ex-date (by the shares held now; a short owes them) and those due
        paid, then splits of the open orders and of the positions (the fraction of a share
        paid in cash). What changed the books goes to ``records`` for the session; returns
        whether a position changed."""
        actions, ledger, assets = self.actions, self.ledger, self.arrays.assets
        sessions = self.all_sessions
        unpaid = self._unpaid_dividends
        for dividend in actions.dividends.get(session, ()):
            asset = assets[dividend.column]
            held = ledger.amount(asset)
            if held:
                pay = dividend.pay_session
                unpaid.setdefault(pay, []).append(
                    PaidDividend(
                        asset=asset,
                        ex_date=sessions[session],
                        pay_date=sessions[pay] if pay < len(sessions) else None,
                        amount=dividend.amount,
                        shares=held,
                        cash=held * dividend.amount,
                    )
                )
        applied: list[AppliedAction] = list(unpaid.pop(session, ()))
        if applied:
            ledger.credit(sum((paid.cash for paid in applied), Decimal(0)))
        moved = False
        for split in actions.splits.get(session, ()):
            asset = assets[split.column]
            held = ledger.amount(asset)
            ordered = asset in self.orders.open_by_asset
            self.orders.split(asset, split.ratio)
            cash = ledger.split(asset, split.ratio)
            if held or ordered:
                applied.append(
                    AppliedSplit(
                        asset=asset,
                        ex_date=sessions[session],
                        ratio=split.ratio,
                        shares=held,
                        new_shares=ledger.amount(asset),
                        cash=cash,
                    )
                )
            moved = moved or bool(held)
        if applied:
            records.add_actions(tuple(applied))
        return moved

    def unpaid_dividends(self) -> list[dict[str, Any]]:
        """The dividends earned and not paid yet, as plain values a checkpoint keeps
        (:meth:`restore_unpaid_dividends` takes them back)."""
        return [
            {
                "symbol": d.asset.symbol,
                "ex_date": d.ex_date,
                "pay_date": d.pay_date,
                "amount": d.amount,
                "shares": d.shares,
            }
            for pay in sorted(self._unpaid_dividends)
            for d in self._unpaid_dividends[pay]
        ]

    def restore_unpaid_dividends(self, dividends: Sequence[Mapping[str, Any]]) -> None:
        """Owe again the dividends :meth:`unpaid_dividends` gave (of this run's assets and
        sessions), each paid on its pay date's session, in place of those owed now."""
        unpaid: dict[int, list[PaidDividend]] = {}
        sessions = self.all_sessions
        for kept in dividends:
            pay_date = kept["pay_date"]
            pay = len(sessions) if pay_date is None else int(sessions.searchsorted(pay_date))
            amount, shares = Decimal(kept["amount"]), Decimal(kept["shares"])
            unpaid.setdefault(pay, []).append(
                PaidDividend(
                    asset=self._assets[kept["symbol"]],
                    ex_date=kept["ex_date"],
                    pay_date=pay_date,
                    amount=amount,
                    shares=shares,
                    cash=shares * amount,
                )
            )
        self._unpaid_dividends = unpaid

    def _load_bars(
        self, assets: Sequence[Asset], timeline: pd.DatetimeIndex, first_run_bar: int
    ) -> pd.DataFrame:
        """The feed's bars over ``timeline``, the warm-up included. When the source refuses
        them, the error a user sees is about the dates they asked for: the range is read
        again without the warm-up, whose start they never gave."""
        frequency = RUN_FREQUENCIES[self.config.frequency]
        try:
            return self.feed.load(assets, timeline, first_run_bar, frequency)
        except DataError:
            if self.feed.grows:
                raise
            fetch_run_bars(self.feed.source, assets, self.config.start, self.config.end, frequency)
            raise

    def _record_trading_dates(self, assets: Sequence[Asset]) -> None:
        """Give each asset the sessions of its first and last bar in the loaded data."""
        arrays, sessions = self.arrays, self.all_sessions
        for asset in assets:
            column = arrays.column[asset]
            first, last = int(arrays.first_bar[column]), int(arrays.last_bar[column])
            if first < 0:
                asset.record_trading_dates(None, None)
            else:
                session_of_bar = self.session_of_bar
                asset.record_trading_dates(
                    sessions[session_of_bar[first]], sessions[session_of_bar[last]]
                )

    def _auto_close_sessions(self, assets: Sequence[Asset]) -> np.ndarray:
        """Per asset, the session at whose end its positions are closed, as zipline does
        with a csvdir bundle's ``auto_close_date`` (the day after the asset's last bar): the
        first session closing on or after that day. Past the last session when the asset's
        data lasts the run, or in a paper or live session.

        Data ending on the run's last session is taken to go on (the run loaded no later
        bars): on a calendar whose sessions close at midnight (24/7) zipline would close
        such positions at the end of the run if its bundle ended there too."""
        sessions = np.full(len(assets), len(self.all_sessions), dtype=np.int64)
        if not self._closes_ended_assets:
            return sessions
        closes, last_session = self.closes.asi8, self.all_sessions[-1]
        for i, asset in enumerate(assets):
            if asset.end_date is not None and asset.end_date < last_session:
                auto_close_ns = asset.end_date.normalize().value + DAY_NS
                sessions[i] = np.searchsorted(closes, auto_close_ns)
        return sessions

    def can_order(self, asset: Asset) -> bool:
        """Whether an order for ``asset`` may be placed now: in a backtest, not once the run
        is past the session of the asset's last bar (zipline refuses orders for an asset
        after its end date; its position is closed by :meth:`_close_ended_assets`). Data
        lasting the run, and paper and live sessions, never end an asset."""
        if self._session < self._first_auto_close:
            # Each auto-close session is the first to close after its asset's last day, so
            # before the first of them every asset's data still lasts (the usual case).
            return True
        if not self._closes_ended_assets or asset.end_date is None:
            return True
        if self._auto_close[self.ledger.index[asset]] >= len(self.all_sessions):
            return True
        return bool(self.all_sessions[self._session] <= asset.end_date)

    def _close_ended_assets(self, session: int) -> None:
        """Zipline's auto-close at the end of ``session``: every position in an asset whose
        auto-close session has come is closed at the asset's last price by a transaction of
        no order and no commission, and the asset's open orders are cancelled."""
        ended = self._auto_close <= session
        ledger = self.ledger
        held = ledger.held()
        closing = held[ended[held]].tolist()
        if closing:
            ticks, now = self.arrays.ticks[self._bar], self.current_dt()
            for column in closing:
                asset = ledger.assets[column]
                transaction = Transaction(
                    order_id=None,
                    asset=asset,
                    amount=-ledger.amount(asset),
                    price=asset.price_from_ticks(int(ticks[column])),
                    dt=now,
                )
                ledger.apply(transaction)
                self.books.fills.append(transaction)
        open_by_asset, index = self.orders.open_by_asset, ledger.index
        for asset in [a for a in open_by_asset if ended[index[a]]]:
            for order in list(open_by_asset.get(asset, ())):
                if order.is_open:
                    self.cancel_order(order)

    def _check_run_inside_data(self) -> None:
        """Refuse a backtest whose first or last session lies outside every asset's data:
        its sessions there would be made up of nothing."""
        arrays = self.arrays
        if self.feed.grows or not arrays.assets:
            return
        has_bars = arrays.first_bar >= 0
        if not has_bars.any():
            return
        first = self.session_of_bar[int(arrays.first_bar[has_bars].min())]
        last = self.session_of_bar[int(arrays.last_bar[has_bars].max())]
        start, end = self.sessions[0], self.sessions[-1]
        asked_from, asked_to = self.config.start.date(), self.config.end.date()
        data_from = self.all_sessions[first].date()
        data_to = self.all_sessions[last].date()
        symbols = ", ".join(a.symbol for a in arrays.assets)
        if self.all_sessions[last] < end:
            raise ConfigError(
                f"the data of {symbols} in source '{self.feed.source.name}' ends on "
                f"{data_to}, before the backtest's end {asked_to}: end it by {data_to}"
            )
        if self.all_sessions[first] > start:
            raise ConfigError(
                f"the data of {symbols} in source '{self.feed.source.name}' begins on "
                f"{data_from}, after the backtest's start {asked_from}: start it on "
                f"{data_from} or later"
            )

    def _compile_schedule(self) -> list[tuple[Callable[..., Any], np.ndarray]]:
        """Per scheduled function, the bar indices at which it runs (sorted)."""
        first_bar = int(self.session_bounds[self.first_session])
        return [(f.func, self._fire_bars(f, first_bar)) for f in self.algorithm.scheduled_functions]

    def _fire_bars(self, scheduled: ScheduledFunction, first_checked: int) -> np.ndarray:
        """The bars (sorted indices) of the run at which ``scheduled`` fires, its rules
        checked from bar ``first_checked`` on: those its date and time rules pick, at most
        one per Zipline "day" (:func:`rustybt.scheduling.once_per_day`)."""
        run_sessions = self.all_sessions[self.first_session :]
        # Date rules judge whole weeks and months, as Zipline does over its full calendar.
        padded = self.calendar.sessions(
            max(run_sessions[0] - pd.Timedelta(days=40), self.calendar.first_day),
            min(run_sessions[-1] + pd.Timedelta(days=40), self.calendar.last_day),
        )
        mask = scheduled.date_rule.session_mask(padded)[padded.get_indexer(run_sessions)]
        if not scheduled.half_days:
            mask &= ~self.calendar.early_closes(run_sessions)
        sessions = np.flatnonzero(mask) + self.first_session
        if self.config.frequency == "daily":
            rule_bars = np.asarray(sessions, dtype=np.int64)
        else:
            rule_bars = np.asarray(
                self._minute_bars_for(scheduled.time_rule, sessions), dtype=np.int64
            )
        return once_per_day(rule_bars, self.bar_times.asi8, first_checked)

    def _minute_bars_for(self, time_rule: Any, sessions: np.ndarray) -> np.ndarray:
        if getattr(time_rule, "every_minute", False):
            return np.concatenate(
                [np.arange(self.session_bounds[s], self.session_bounds[s + 1]) for s in sessions]
                or [np.array([], dtype=np.int64)]
            )
        fire = time_rule.fire_times(self.opens[sessions], self.closes[sessions])
        bars = np.searchsorted(self.bar_times, fire)
        in_session = (bars < len(self.bar_times)) & (
            self.session_of_bar[np.minimum(bars, len(self.bar_times) - 1)] == sessions
        )
        return bars[in_session]

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> BacktestResult:
        """Run the strategy from start to end and return the results, with the time each
        phase took (:class:`~rustybt.engine.results.RunTimings`)."""
        with api.running(self.algorithm), collections_of_run_objects_only():
            began = time.perf_counter()
            self.start()
            loaded = time.perf_counter()
            records = self.run_sessions(self.first_session)
            simulated = time.perf_counter()
            result = self.finish(records)
            timings = RunTimings(
                load=loaded - began,
                simulate=simulated - loaded,
                results=time.perf_counter() - simulated,
            )
            return attrs.evolve(result, timings=timings)

    def start(self) -> None:
        """Run ``initialize``, then load the bars and compile the schedule."""
        algorithm = self.algorithm
        algorithm.attach(self)
        for symbol in self.config.symbols:
            self.resolve_symbol(symbol)
        self._call(algorithm.initialize, algorithm)
        algorithm.finish_setup()
        self._setup = False
        self._prepare()

    def run_sessions(self, from_session: int) -> SessionRecords:
        """Run every session from ``from_session`` (an index into ``all_sessions``) to the
        end, or until the clock stops the run, and return what each session's results row
        is made of."""
        algorithm = self.algorithm
        cancels_at_session_end = (
            algorithm.cancel_policy or NeverCancel()
        ).cancels_at_session_end and self.config.frequency == "minute"
        before_trading_start = algorithm.handler("before_trading_start")
        # zipline's daily before_trading_start reads the session's own bar (its data portal
        # answers by session label); a live feed has no such bar before the open.
        sees_its_session = self.config.frequency == "daily" and not self.feed.grows
        handle_data = algorithm.handler("handle_data")
        schedule, next_fire = self._schedule, self._next_fire
        ledger = self.ledger
        records = SessionRecords(starting_value=self.portfolio_value(), starting_cash=ledger.cash)
        total = len(self.all_sessions) - from_session
        data = self.data
        set_bar, call = data.set_bar, self._call
        execute_bar = self.execution.execute_bar
        bars_of_session = self.clock.bars
        arrive = self.feed.arrive if self.feed.grows else None
        timeline = self.arrays.timeline
        orders = self.orders
        start_session, fills = orders.start_session, self.books.fills
        observers, progress, record_session = self.observers, self.progress, self._record_session
        source_path = algorithm.source_path
        sessions_ns = self.all_sessions.asi8.tolist()
        opens_ns = self.opens.asi8.tolist()
        bar_times_ns = self.bar_times.asi8.tolist()
        bounds = self.session_bounds.tolist()
        has_actions = not self.actions.empty
        pipelines, first_session = self.pipelines, self.first_session
        for s in range(from_session, len(self.all_sessions)):
            session = sessions_ns[s]
            first, stop = bounds[s], bounds[s + 1]
            self._session = s
            start_session()
            moved = has_actions and self._apply_actions(s, records)
            session_first_fill = len(fills)
            if pipelines is not None:
                call(pipelines.begin_session, s - first_session)
            if before_trading_start is not None:
                self._bar = first - 1
                self._now_ns = opens_ns[s] - BEFORE_OPEN.value
                set_bar(first if sees_its_session else first - 1, self._now_ns, session)
                call(before_trading_start, algorithm, data)
            bar = first - 1
            for bar in bars_of_session(first, stop, bar_times_ns):
                now_ns = bar_times_ns[bar]
                if arrive is not None:
                    arrived = arrive(bar, timeline[bar])
                    if arrived is not None:
                        self._write_bar(bar, arrived)
                self._bar = bar
                self._now_ns = now_ns
                set_bar(bar, now_ns, session)
                execute_bar(bar)
                if handle_data is not None:
                    # self._call, written out: the one call made on every bar.
                    try:
                        handle_data(algorithm, data)
                    except (StrategyCodeError, VenueUnavailable):
                        raise
                    except Exception as exc:
                        raise strategy_error(exc, source_path) from exc
                if schedule:
                    for k, (function, bars) in enumerate(schedule):
                        position = next_fire[k]
                        while position < len(bars) and bars[position] < bar:
                            position += 1
                        if position < len(bars) and bars[position] == bar:
                            call(function, algorithm, data)
                            position += 1
                        next_fire[k] = position
                if algorithm.max_leverage is not None:
                    self._check_leverage(algorithm.max_leverage)
            if bar != stop - 1:  # the clock stopped the run
                return records
            if s >= self._first_auto_close:
                self._close_ended_assets(s)
            if cancels_at_session_end and orders.open_by_asset:
                self._cancel_open_orders()
            record_session(records, session_first_fill, moved)
            for observer in observers:
                observer.session_ended(stop - 1)
            if progress is not None:
                progress(s - from_session + 1, total)
        return records

    def _write_bar(self, bar: int, bars: pd.DataFrame) -> None:
        """Store bars that arrived live for row ``bar`` and value them in ledger units."""
        self.arrays.write_bar(bar, bars)
        self.units[bar] = self.ledger.value_units(self.arrays.ticks[bar : bar + 1])[0]

    def _cancel_open_orders(self) -> None:
        for order in self.open_orders():
            self.cancel_order(order)

    def _check_leverage(self, limit: MaxLeverage) -> None:
        message = limit.violation_at(self._gross_exposure(), self.portfolio_value())
        if message is not None:
            raise TradingControlViolation(f"at {self.current_dt()}: {message}")

    def _record_session(self, records: SessionRecords, fills_before: int, moved: bool) -> None:
        """Add the session's row; ``fills_before`` is how many fills the books held when
        the session began (during a session, positions change only through fills), and
        ``moved`` whether a split changed a position at its start."""
        fills = self.books.fills
        filled = moved or len(fills) > fills_before or not records.cash
        valuation = self._current_valuation()
        records.add(
            self.ledger.cash,
            self._position_change_tracker.changes() if filled else (),
            None if valuation is None else valuation[3],
            self._recorded,
            fills[fills_before:] if filled else (),
            self.orders.touched.values(),
        )

    def finish(self, records: SessionRecords) -> BacktestResult:
        """The results of the sessions in ``records``; ``analyze`` sees the frame first
        (:func:`rustybt.engine.perf_frame.perf_frame`: zipline's columns, indexed by each
        session's close). The frame is built when first read (:class:`LazyFrame`): here
        only when the strategy has an ``analyze``."""
        # The last bar of the session before the run (-1 without one), then of each session.
        session_ends = self.session_bounds[self.first_session :] - 1
        closing_ticks = self.arrays.ticks[session_ends[1:]]
        with no_collections():
            columns = records.value_columns(closing_ticks, self.ledger)
        benchmark_asset = self.algorithm.benchmark
        if benchmark_asset is None:
            benchmark_returns = benchmark.returns_on_sessions(
                self.config.benchmark_returns, self.sessions
            )
        else:
            column = self._column(benchmark_asset)
            benchmark_returns = benchmark.asset_returns(self.arrays, column, session_ends)
        frame_arguments = {
            "sessions": self.sessions,
            "opens": self.opens[self.first_session :],
            "closes": self.closes[self.first_session :],
            "starting_cash": float(self.ledger.starting_cash),
            "benchmark_returns": benchmark_returns,
        }
        frame = LazyFrame(
            functools.partial(
                _results_frame, records, closing_ticks, self.ledger, columns, **frame_arguments
            ),
            figures=functools.partial(
                _results_frame, records, None, self.ledger, columns, **frame_arguments
            ),
        )
        analyze = self.algorithm.handler("analyze")
        if analyze is not None:
            self._call(analyze, self.algorithm, frame.get())
        ending_value = self.portfolio_value()
        summary = summarize(
            pd.Series(columns["portfolio_value"], index=self.sessions),
            starting_value=float(self.ledger.starting_cash),
            periods_per_year=self.calendar.periods_per_year,
            trades=len(self.books.fills),
            realized_pnl=[float(p) for p in self.ledger.realized_pnl],
        )
        return BacktestResult(
            frame=frame,
            summary=summary,
            starting_cash=self.ledger.starting_cash,
            ending_cash=self.ledger.cash,
            ending_value=ending_value,
            transactions=tuple(self.books.fills),
            actions=records.applied_actions(),
            data_provenance={
                "source": self.feed.source.name,
                "symbols": [a.symbol for a in self.arrays.assets],
                "calendar": self.calendar.name,
                "frequency": self.config.frequency,
                "bars_outside_calendar": self.arrays.dropped_rows,
                "adjustment": self.config.adjustment,
                "actions": self._actions_found.applied_counts(self.first_session)
                if has_actions(self.feed.source)
                else None,
            },
        )


def _results_frame(
    records: SessionRecords,
    closing_ticks: np.ndarray | None,
    ledger: Ledger,
    columns: dict[str, np.ndarray],
    **frame_arguments: Any,
) -> pd.DataFrame:
    """The results frame of a finished run: ``columns`` (its sessions' figures) with what
    each session held, traded and ordered, which are made now from ``closing_ticks`` (each
    session's closing prices); with ``closing_ticks`` None, the figures alone (see
    :func:`perf_frame` for ``frame_arguments``)."""
    if closing_ticks is not None:
        with no_collections():
            columns = {**columns, **records.detail_columns(closing_ticks, ledger)}
    return perf_frame(columns, records.recorded_columns(), **frame_arguments)
