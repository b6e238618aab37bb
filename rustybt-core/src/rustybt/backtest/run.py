"""Running backtests: ``run_algorithm`` (Zipline's entry point), ``run_backtest`` (the full
result) and ``backtest_engine``, the engine composed for a backtest."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

from rustybt.algorithm import TradingAlgorithm
from rustybt.data.source import DataSource
from rustybt.data.store import read_through_store
from rustybt.engine import (
    BacktestConfig,
    Progress,
    SimulatedClock,
    SimulatedExecution,
    StoredBars,
    TradingEngine,
)
from rustybt.engine.results import BacktestResult
from rustybt.params import bind_params
from rustybt.plugins import PluginRegistry
from rustybt.strategy_file import load_strategy


def backtest_engine(
    algorithm: TradingAlgorithm,
    source: DataSource,
    config: BacktestConfig,
    *,
    progress: Progress | None = None,
    custom_loader: Mapping[Any, Any] | None = None,
) -> TradingEngine:
    """A backtest: the engine on simulated time, over ``source``'s stored bars, filling
    orders with the simulated execution. ``engine.run()`` returns the result.
    ``custom_loader`` maps the columns (or datasets) of the strategy's custom pipeline
    datasets to their loaders."""
    return TradingEngine(
        algorithm,
        config,
        clock=SimulatedClock(),
        feed=StoredBars(source),
        execution=SimulatedExecution(),
        progress=progress,
        pipeline_loaders=custom_loader,
    )


def run_backtest(
    algorithm: TradingAlgorithm | str | Path,
    *,
    start: Any,
    end: Any,
    capital_base: float | int | Decimal | str = 100000,
    data_frequency: str = "daily",
    source: str = "sample",
    data_dir: str | Path | None = None,
    exchange: str | None = None,
    symbols: Sequence[str] = (),
    trading_calendar: str = "XNYS",
    registry: PluginRegistry | None = None,
    progress: Progress | None = None,
    benchmark_returns: pd.Series | None = None,
    adjustment: str = "raw",
    custom_loader: Mapping[Any, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """Run ``algorithm`` (an instance, or the path of a strategy file) on a registered source.

    Returns the results frame, the performance summary, the exact final ledger figures and
    the time each phase took (``timings``: loading the strategy and the bars, simulating,
    building the results).
    ``capital_base`` is read exactly (a float through its shortest representation).
    ``data_dir`` and ``exchange`` go to the data source's factory when given.
    ``benchmark_returns`` (daily returns by date) is the benchmark of the frame's
    benchmark and risk columns unless the strategy calls ``set_benchmark``; with neither,
    the benchmark returns 0 every session.
    ``adjustment`` (:data:`rustybt.data.actions.ADJUSTMENTS`): ``raw`` applies the
    source's splits and dividends on their dates, ``adjusted`` runs on bars adjusted for
    them (see :class:`rustybt.engine.BacktestConfig`).
    ``custom_loader`` (zipline's): the loaders of the custom datasets the strategy's
    pipelines read, keyed by BoundColumn or DataSet; pricing columns come from ``source``.
    ``params`` are the strategy's parameters by name (``context.params``), converted to the
    types its ``PARAMS`` declares (:mod:`rustybt.params`); the frame's
    ``attrs["params"]`` holds them JSON-ready, and the Parquet file keeps them.

    Raises:
        ConfigError: ``benchmark_returns`` is not a Series of numbers indexed by date with
            one return per date; a parameter is unknown, mistyped or missing.
    """
    began = time.perf_counter()
    if not isinstance(algorithm, TradingAlgorithm):
        algorithm = load_strategy(algorithm)
    resolved = bind_params(algorithm, params)
    registry = registry or PluginRegistry.from_environment()
    data_source = read_through_store(
        registry.data_source(source, data_dir=data_dir, exchange=exchange)
    )
    config = BacktestConfig(
        start=start,
        end=end,
        capital_base=capital_base,
        frequency=data_frequency,
        calendar=trading_calendar,
        symbols=symbols,
        benchmark_returns=benchmark_returns,
        adjustment=adjustment,
    )
    engine = backtest_engine(
        algorithm, data_source, config, progress=progress, custom_loader=custom_loader
    )
    prepared = time.perf_counter() - began
    result = engine.run()
    timings = result.timings
    assert timings is not None  # TradingEngine.run always times its phases
    # Loading the strategy file and opening the source count as loading too.
    return attrs.evolve(
        result,
        timings=attrs.evolve(timings, load=timings.load + prepared),
        params=resolved.to_json(),
    )


def run_algorithm(
    start: Any,
    end: Any,
    initialize: Callable[..., Any] | None = None,
    capital_base: float | int | Decimal = 100000,
    handle_data: Callable[..., Any] | None = None,
    before_trading_start: Callable[..., Any] | None = None,
    analyze: Callable[..., Any] | None = None,
    data_frequency: str = "daily",
    bundle: str | None = None,
    trading_calendar: str | None = None,
    *,
    source: str = "sample",
    symbols: Sequence[str] = (),
    data_dir: str | Path | None = None,
    algorithm: TradingAlgorithm | None = None,
    benchmark_returns: pd.Series | None = None,
    custom_loader: Mapping[Any, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Zipline's ``run_algorithm``: run the given functions and return the results frame.

    ``bundle``, when given, names the data source (Zipline's bundles become RustyBT data
    sources); ``trading_calendar`` is a calendar name (default XNYS). Pass ``algorithm``
    instead of the functions to run a ``TradingAlgorithm`` subclass.
    ``benchmark_returns`` is zipline's: the benchmark's daily returns, indexed by date (a
    session it leaves out returns 0); ``set_benchmark`` in the strategy takes precedence,
    and without either the benchmark returns 0, as zipline's ``run_algorithm`` assumes.
    ``custom_loader`` is zipline's: BoundColumn (or DataSet) -> the loader of the strategy's
    custom pipeline datasets. ``params`` are the strategy's ``context.params`` (see
    :func:`run_backtest`).
    """
    if algorithm is None:
        algorithm = TradingAlgorithm(
            initialize=initialize,
            handle_data=handle_data,
            before_trading_start=before_trading_start,
            analyze=analyze,
        )
    result = run_backtest(
        algorithm,
        start=start,
        end=end,
        capital_base=capital_base,
        data_frequency=data_frequency,
        source=bundle or source,
        data_dir=data_dir,
        symbols=symbols,
        trading_calendar=trading_calendar or "XNYS",
        benchmark_returns=benchmark_returns,
        custom_loader=custom_loader,
        params=params,
    )
    return result.frame
