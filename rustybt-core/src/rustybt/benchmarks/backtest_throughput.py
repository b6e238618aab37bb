"""Built-in benchmarks: backtest throughput in bars per second.

Each writes synthetic bars (see :mod:`rustybt.benchmarks.synthetic_bars`) as Parquet files,
then times a whole ``run_backtest`` through the ``files`` source: loading, validation, the
bar loop, the ledger and the results frame. The plugin registry is loaded in setup, as the
CLI loads it once at startup. Two figures of throughput come from one run:
``bars_per_second`` over the whole run, and ``sim_bars_per_second`` over the run without
loading (the result's ``timings.simulate + timings.results``), the "sim" of the peer
comparison.

The main rows (W1, W2, M1, M10) run the strategy as a Zipline user writes it, with pandas
reductions on the window (:mod:`rustybt.benchmarks.user_strategy`), from a strategy file as
``rustybt run`` does. The ``-numpy`` rows run it as the peer comparison's script writes it
(the window as an array, numpy means) and also time that form's own work with no engine on
the same closes (``bare_loop_bars_per_second``): the ceiling of any engine running it.
The ``-tuned`` rows run SMA(20)/SMA(50) crossovers written for the engine's fast paths (a
``data.history`` Series or frame sliced and compared directly, holdings tracked by the
strategy instead of looked up in the portfolio), paying $0.001 per share.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import attrs
import numpy as np
import pandas as pd

from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order_target_percent, set_commission, symbol, symbols
from rustybt.assets import Asset
from rustybt.backtest import run_backtest
from rustybt.benchmarks.measurement import Metric
from rustybt.benchmarks.synthetic_bars import (
    random_walk_bars,
    synthetic_symbols,
    write_symbol_files,
)
from rustybt.benchmarks.user_strategy import bare_loop_seconds, write_user_strategy
from rustybt.calendars import get_calendar
from rustybt.finance import commission
from rustybt.frequencies import RUN_FREQUENCIES
from rustybt.plugins import PluginRegistry

FAST, SLOW = 20, 50


def sma_crossover_one(symbol_name: str, frequency: str) -> TradingAlgorithm:
    """The tuned single-asset strategy: a Series window, holdings tracked in ``context``."""

    def initialize(context):
        context.asset = symbol(symbol_name)
        context.invested = False
        set_commission(commission.PerShare(cost=0.001, min_trade_cost=0))

    def handle_data(context, data):
        prices = data.history(context.asset, "price", SLOW, frequency)
        fast = prices[-FAST:].mean()
        slow = prices.mean()
        if fast > slow and not context.invested:
            order_target_percent(context.asset, 1.0)
            context.invested = True
        elif fast < slow and context.invested:
            order_target_percent(context.asset, 0)
            context.invested = False

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


def sma_crossover(symbol_names: list[str], frequency: str) -> TradingAlgorithm:
    """The tuned multi-asset strategy: frame comparisons, holdings tracked in ``context``."""

    def initialize(context):
        context.assets = symbols(*symbol_names)
        context.weight = 1.0 / len(context.assets)
        context.long = set()
        set_commission(commission.PerShare(cost=0.001, min_trade_cost=0))

    def handle_data(context, data):
        prices = data.history(context.assets, "price", SLOW, frequency)
        fast = prices.iloc[-FAST:].mean()
        slow = prices.mean()
        for asset, above in (fast > slow).items():
            if above and asset not in context.long:
                order_target_percent(asset, context.weight)
                context.long.add(asset)
            elif not above and asset in context.long:
                order_target_percent(asset, 0)
                context.long.discard(asset)

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


Style = Literal["pandas", "numpy", "tuned"]


@attrs.define
class BacktestThroughput:
    """Bars per second of an SMA crossover over ``assets`` × ``sessions`` of one frequency,
    written as a user writes it (``style`` ``"pandas"`` or ``"numpy"``, the forms of
    :mod:`rustybt.benchmarks.user_strategy`) or for the fast paths (``"tuned"``)."""

    assets: int
    sessions: int
    frequency: str
    description: str
    style: Style = "pandas"
    first_session: str = "2004-01-02"
    data_dir: Path | None = attrs.field(default=None, init=False)
    strategy_file: Path | None = attrs.field(default=None, init=False)
    run_sessions: pd.DatetimeIndex | None = attrs.field(default=None, init=False)
    bars: int = attrs.field(default=0, init=False)
    registry: PluginRegistry | None = attrs.field(default=None, init=False)
    closes: np.ndarray | None = attrs.field(default=None, init=False, repr=False)
    """The closes written (bar × asset), which the bare loop reads."""
    first_run_bar: int = attrs.field(default=0, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the synthetic bars, including warm-up before the first session, to
        ``workdir/bars``, and the user-style strategy (in this row's form; the pandas form
        for a tuned row) to ``workdir/strategy.py``."""
        calendar = get_calendar("XNYS")
        start = pd.Timestamp(self.first_session)
        days = calendar.sessions(start, start + pd.Timedelta(days=int(self.sessions * 1.5) + 10))
        self.run_sessions = days[: self.sessions]
        warmup = calendar.sessions(start - pd.Timedelta(days=400), start)[:-1]
        all_days = warmup.append(self.run_sessions)
        if self.frequency == "minute":
            stamps, _ = calendar.minutes_and_session_index(all_days[-(self.sessions + 7) :])
        else:
            stamps = all_days
        self.data_dir = workdir / "bars"
        self.data_dir.mkdir()
        names = synthetic_symbols(self.assets)
        write_symbol_files(self.data_dir, names, stamps)
        self.strategy_file = write_user_strategy(
            workdir / "strategy.py",
            names,
            RUN_FREQUENCIES[self.frequency],
            "numpy" if self.style == "numpy" else "pandas",
        )
        # Loaded once, as the CLI does at startup, not on every timed run.
        self.registry = PluginRegistry.from_environment()
        self.bars = self.assets * int((stamps >= self.run_sessions[0]).sum())
        self.first_run_bar = int((stamps < self.run_sessions[0]).sum())
        self.closes = np.column_stack(
            [random_walk_bars(name, stamps, seed)["close"] for seed, name in enumerate(names)]
        )

    def algorithm(self) -> TradingAlgorithm | Path:
        """What ``run_backtest`` runs: the user-style strategy file, or a tuned algorithm."""
        if self.style != "tuned":
            assert self.strategy_file is not None, "setup() writes the strategy file"
            return self.strategy_file
        history_frequency = RUN_FREQUENCIES[self.frequency]
        names = synthetic_symbols(self.assets)
        if len(names) == 1:
            return sma_crossover_one(names[0], history_frequency)
        return sma_crossover(names, history_frequency)

    def run(self) -> dict[str, Metric]:
        """Time one full backtest."""
        algorithm = self.algorithm()
        assert self.run_sessions is not None, "setup() chooses the sessions"
        began = time.perf_counter()
        result = run_backtest(
            algorithm,
            start=self.run_sessions[0],
            end=self.run_sessions[-1],
            capital_base=1_000_000,
            data_frequency=self.frequency,
            source="files",
            data_dir=self.data_dir,
            registry=self.registry,
        )
        seconds = time.perf_counter() - began
        timings = result.timings
        del result  # freed after the clock stops: a user keeps the results they asked for
        assert timings is not None, "run_backtest times its phases"
        simulated = timings.simulate + timings.results
        metrics = {
            "bars_per_second": Metric(
                value=self.bars / seconds, unit="bars/s", higher_is_better=True
            ),
            "sim_bars_per_second": Metric(
                value=self.bars / simulated, unit="bars/s", higher_is_better=True
            ),
            "seconds": Metric(value=seconds, unit="s", higher_is_better=False),
        }
        if self.style == "numpy":
            assert self.closes is not None, "setup() keeps the closes"
            assets = [Asset(symbol=name) for name in synthetic_symbols(self.assets)]
            bare = bare_loop_seconds(self.closes, assets, self.first_run_bar, FAST, SLOW)
            metrics["bare_loop_bars_per_second"] = Metric(
                value=self.bars / bare, unit="bars/s", higher_is_better=True
            )
        return metrics


def _sessions(full: int, scale: float, least: int) -> int:
    return max(least, int(full * scale))


def w1_daily_single_asset(scale: float = 1.0) -> BacktestThroughput:
    """W1: one asset, 5,033 daily sessions (2004-01-02 to 2023-12-29), user style."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(5033, scale, 60),
        frequency="daily",
        description="W1: user-style SMA crossover, pandas means, 1 asset, 20 years of daily bars",
    )


def w2_daily_hundred_assets(scale: float = 1.0) -> BacktestThroughput:
    """W2: 100 assets, 2,516 daily sessions (2014-01-02 to 2023-12-29), user style."""
    return BacktestThroughput(
        assets=100,
        sessions=_sessions(2516, scale, 60),
        frequency="daily",
        description="W2: user-style SMA crossover, pandas means, 100 assets, 10 years daily",
        first_session="2014-01-02",
    )


def minute_single_asset(scale: float = 1.0) -> BacktestThroughput:
    """M1: one asset, one year of minute bars (about 98,000 bars), user style."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(252, scale, 2),
        frequency="minute",
        description="M1: user-style SMA crossover, pandas means, 1 asset, 1 year of minute bars",
        first_session="2023-01-03",
    )


def _numpy_form(row: BacktestThroughput, workload: str) -> BacktestThroughput:
    """``row`` with the strategy in numpy form, as the peer comparison's script writes it."""
    return attrs.evolve(
        row,
        style="numpy",
        description=f"{row.description.split(':')[0]}, numpy form: np.asarray window, numpy "
        f"means, {workload}",
    )


def w1_numpy(scale: float = 1.0) -> BacktestThroughput:
    """W1 with the strategy in numpy form."""
    return _numpy_form(w1_daily_single_asset(scale), "1 asset, 20 years daily")


def w2_numpy(scale: float = 1.0) -> BacktestThroughput:
    """W2 with the strategy in numpy form."""
    return _numpy_form(w2_daily_hundred_assets(scale), "100 assets, 10 years daily")


def m1_numpy(scale: float = 1.0) -> BacktestThroughput:
    """M1 with the strategy in numpy form."""
    return _numpy_form(minute_single_asset(scale), "1 asset, 1 year of minutes")


def minute_ten_assets(scale: float = 1.0) -> BacktestThroughput:
    """M10: ten assets, one month of minute bars (about 82,000 bars), user style."""
    return BacktestThroughput(
        assets=10,
        sessions=_sessions(21, scale, 2),
        frequency="minute",
        description="M10: user-style SMA crossover, pandas means, 10 assets, 1 month of minutes",
        first_session="2023-06-01",
    )


def daily_single_asset_tuned(scale: float = 1.0) -> BacktestThroughput:
    """One asset, 20 years of daily bars, the strategy tuned for the fast paths."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(5040, scale, 60),
        frequency="daily",
        style="tuned",
        description="Tuned SMA crossover, 1 asset, 20 years of daily bars",
    )


def daily_hundred_assets_tuned(scale: float = 1.0) -> BacktestThroughput:
    """100 assets, 10 years of daily bars, 1/N weights, tuned for the fast paths."""
    return BacktestThroughput(
        assets=100,
        sessions=_sessions(2520, scale, 60),
        frequency="daily",
        style="tuned",
        description="Tuned SMA crossover, 100 assets, 10 years of daily bars, 1/N weights",
    )


def minute_single_asset_tuned(scale: float = 1.0) -> BacktestThroughput:
    """One asset, one year of minute bars, tuned for the fast paths."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(252, scale, 2),
        frequency="minute",
        style="tuned",
        description="Tuned SMA crossover, 1 asset, 1 year of minute bars",
        first_session="2023-01-03",
    )
