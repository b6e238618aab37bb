"""Built-in benchmarks: backtest throughput in bars per second on three workloads.

Each writes synthetic bars (see :mod:`rustybt.benchmarks.synthetic_bars`) as Parquet files,
then times a whole ``run_backtest`` through the ``files`` source: loading, validation, the
bar loop, the ledger and the results frame. The plugin registry is loaded in setup, as the
CLI loads it once at startup. The strategy is a Zipline-style SMA(20)/SMA(50)
crossover using ``data.history``, targeting equal weights while fast > slow, paying
$0.001 per share.
"""

from __future__ import annotations

import time
from pathlib import Path

import attrs
import pandas as pd

from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order_target_percent, set_commission, symbol, symbols
from rustybt.backtest import run_backtest
from rustybt.benchmarks.measurement import Metric
from rustybt.benchmarks.synthetic_bars import synthetic_symbols, write_symbol_files
from rustybt.calendars import get_calendar
from rustybt.finance import commission
from rustybt.frequencies import RUN_FREQUENCIES
from rustybt.plugins import PluginRegistry

FAST, SLOW = 20, 50


def sma_crossover_one(symbol_name: str, frequency: str) -> TradingAlgorithm:
    """The single-asset benchmark strategy, written as a Zipline user would."""

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
    """The multi-asset benchmark strategy, written as a Zipline user would."""

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


@attrs.define
class BacktestThroughput:
    """Bars per second of the SMA crossover over ``assets`` × ``sessions`` of one frequency."""

    assets: int
    sessions: int
    frequency: str
    description: str
    first_session: str = "2004-01-02"
    data_dir: Path | None = attrs.field(default=None, init=False)
    run_sessions: pd.DatetimeIndex | None = attrs.field(default=None, init=False)
    bars: int = attrs.field(default=0, init=False)
    registry: PluginRegistry | None = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the synthetic bars, including warm-up before the first session."""
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
        write_symbol_files(workdir, synthetic_symbols(self.assets), stamps)
        self.data_dir = workdir
        # Loaded once, as the CLI does at startup, not on every timed run.
        self.registry = PluginRegistry.from_environment()
        self.bars = self.assets * int((stamps >= self.run_sessions[0]).sum())

    def run(self) -> dict[str, Metric]:
        """Time one full backtest."""
        history_frequency = RUN_FREQUENCIES[self.frequency]
        names = synthetic_symbols(self.assets)
        if len(names) == 1:
            algorithm = sma_crossover_one(names[0], history_frequency)
        else:
            algorithm = sma_crossover(names, history_frequency)
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
        del result  # freed after the clock stops: a user keeps the results they asked for
        return {
            "bars_per_second": Metric(
                value=self.bars / seconds, unit="bars/s", higher_is_better=True
            ),
            "seconds": Metric(value=seconds, unit="s", higher_is_better=False),
        }


def _sessions(full: int, scale: float, least: int) -> int:
    return max(least, int(full * scale))


def daily_single_asset(scale: float = 1.0) -> BacktestThroughput:
    """One asset, 20 years of daily bars."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(5040, scale, 60),
        frequency="daily",
        description="SMA crossover, 1 asset, 20 years of daily bars",
    )


def daily_hundred_assets(scale: float = 1.0) -> BacktestThroughput:
    """100 assets, 10 years of daily bars (about 252,000 bars)."""
    return BacktestThroughput(
        assets=100,
        sessions=_sessions(2520, scale, 60),
        frequency="daily",
        description="SMA crossover, 100 assets, 10 years of daily bars, 1/N weights",
    )


def minute_single_asset(scale: float = 1.0) -> BacktestThroughput:
    """One asset, one year of minute bars (about 98,000 bars)."""
    return BacktestThroughput(
        assets=1,
        sessions=_sessions(252, scale, 2),
        frequency="minute",
        description="SMA crossover, 1 asset, 1 year of minute bars",
        first_session="2023-01-03",
    )
