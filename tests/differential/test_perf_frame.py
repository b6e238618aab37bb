"""The results frame each strategy of the corpus hands to ``analyze`` under RustyBT is
zipline-reloaded's perf frame: the same columns and dtypes, indexed by the same session
closes, with the same numbers. The strategies run against a benchmark (see conftest.py), so
alpha, beta and the benchmark's volatility have something to measure.

The cumulative risk metrics are checked twice: computed by RustyBT on zipline's own daily
returns (the formulas, to 1e-9 relative), and as our run reports them (formulas and
returns together).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt import api
from rustybt.backtest import run_algorithm
from rustybt.engine.cumulative_risk import RISK_COLUMNS, cumulative_risk_metrics
from test_against_zipline import zipline_imports_as_rustybt

STRATEGIES = sorted((Path(__file__).parent / "strategies").glob("*.py"))

RELATIVE = 1e-9
"""Figures agree to 1e-9 relative."""
NEAR_ZERO = 1e-12
"""Our run's figures may differ by this much too: zipline compounds its returns in floats,
so a figure near 0 (a cumulative return of 1e-6) carries its rounding at 1e-15 or so."""

NOT_A_NUMBER_WHEN_UNDEFINED = ("alpha", "beta")
"""Zipline's columns are object, all None, when the benchmark is flat; ours float64 NaN."""

FIGURES = (
    *("returns", "pnl", "capital_used", "portfolio_value", "algorithm_period_return"),
    *("starting_cash", "ending_cash", "starting_value", "ending_value"),
    *("starting_exposure", "ending_exposure", "long_exposure", "short_exposure"),
    *("long_value", "short_value", "longs_count", "shorts_count"),
    *("gross_leverage", "net_leverage", "max_leverage"),
    *RISK_COLUMNS,
    *("treasury_period_return", "excess_return", "trading_days"),
)
"""Zipline's numeric perf columns (the recorded variables aside)."""


def run_with_rustybt(
    strategy: Path,
    data_dir: Path,
    window: tuple[str, str],
    mode: str,
    benchmark: tuple[str, pd.Series],
) -> pd.DataFrame:
    """Our frame of ``strategy``, benchmarked as the oracle's run was (``mode``)."""
    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    code = compile(zipline_imports_as_rustybt(strategy.read_text()), str(strategy), "exec")
    exec(code, namespace)
    symbol, returns = benchmark
    strategy_initialize = namespace["initialize"]

    def initialize(context):
        if mode == "asset":
            api.set_benchmark(api.symbol(symbol))
        strategy_initialize(context)

    return run_algorithm(
        *window,
        initialize=initialize,
        handle_data=namespace.get("handle_data"),
        before_trading_start=namespace.get("before_trading_start"),
        analyze=namespace.get("analyze"),
        capital_base=namespace.get("CAPITAL_BASE", 100_000),
        source="files",
        data_dir=data_dir,
        benchmark_returns=returns if mode == "returns" else None,
    )


@pytest.fixture(scope="module")
def our_frame(
    csvdir: Path,
    window: tuple[str, str],
    benchmark_modes: dict[str, str],
    benchmark_symbol: str,
    benchmark_returns: pd.Series,
) -> Callable[[Path], pd.DataFrame]:
    """``frame(strategy)``: our frame of the strategy, run once per module."""
    frames: dict[Path, pd.DataFrame] = {}

    def frame(strategy: Path) -> pd.DataFrame:
        if strategy not in frames:
            frames[strategy] = run_with_rustybt(
                strategy,
                csvdir,
                window,
                benchmark_modes[strategy.stem],
                (benchmark_symbol, benchmark_returns),
            )
        return frames[strategy]

    return frame


def zipline_perf(oracle: dict[str, dict], strategy: Path) -> dict:
    answer = oracle[strategy.stem]
    assert "error" not in answer, f"zipline itself failed: {answer.get('error')}"
    return answer["perf"]


def same_dtype(name: str, ours: str, theirs: str) -> bool:
    """Whether our column's dtype is zipline's, or differs from it by design: text is
    pandas 3's ``str`` where zipline's pandas 2 has ``object``, and see
    NOT_A_NUMBER_WHEN_UNDEFINED."""
    return (
        ours == theirs
        or (ours, theirs) == ("str", "object")
        or (name in NOT_A_NUMBER_WHEN_UNDEFINED and (ours, theirs) == ("float64", "object"))
    )


def disagreements(
    ours: np.ndarray, theirs: np.ndarray, absolute: float | np.ndarray = 0.0
) -> list[tuple[int, float, float]]:
    """(session, ours, theirs) wherever the two differ by more than RELATIVE of zipline's
    figure plus ``absolute`` (one figure, or one per session), NaN only matching NaN."""
    both_nan = np.isnan(ours) & np.isnan(theirs)
    with np.errstate(invalid="ignore"):
        close = np.isclose(ours, theirs, rtol=RELATIVE, atol=absolute, equal_nan=False)
    return [(int(i), ours[i], theirs[i]) for i in np.flatnonzero(~(close | both_nan))]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_the_frame_has_zipline_columns_dtypes_and_index(
    strategy: Path, oracle: dict[str, dict], our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_perf(oracle, strategy)
    frame = our_frame(strategy)

    assert set(theirs["dtypes"]) <= set(frame.columns)
    differ = {
        name: (str(frame[name].dtype), dtype)
        for name, dtype in theirs["dtypes"].items()
        if not same_dtype(name, str(frame[name].dtype), dtype)
    }
    assert not differ, f"(ours, zipline's) dtypes: {differ}"
    assert [t.isoformat() for t in frame.index] == theirs["index"]
    assert (str(frame.index.dtype), frame.index.name) == ("datetime64[ns, UTC]", None)
    for column, times in theirs["times"].items():
        assert [t.isoformat() for t in frame[column]] == times, column
    assert frame["period_label"].tolist() == theirs["period_label"]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_risk_metrics_of_zipline_returns_are_zipline_risk_metrics(
    strategy: Path, oracle: dict[str, dict]
) -> None:
    theirs = zipline_perf(oracle, strategy)
    values = theirs["values"]

    ours = cumulative_risk_metrics(
        np.array(values["returns"]), np.array(theirs["benchmark_returns"])
    )

    off = {
        name: found[:3]
        for name in RISK_COLUMNS
        if (found := disagreements(ours[name], np.array(values[name], dtype=np.float64)))
    }
    assert not off, f"(session, ours, zipline's), first three per metric: {off}"


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_our_run_reports_zipline_perf_figures(
    strategy: Path, oracle: dict[str, dict], our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_perf(oracle, strategy)["values"]
    frame = our_frame(strategy)
    # A P&L is the difference of two portfolio values: zipline's float rounding of it is
    # relative to them, not to the P&L (a cent's P&L on 100,000 carries 1e-11).
    near_zero = {"pnl": RELATIVE * np.abs(np.array(theirs["portfolio_value"], dtype=np.float64))}

    off = {
        name: found[:3]
        for name in FIGURES
        if (
            found := disagreements(
                frame[name].to_numpy(dtype=np.float64),
                np.array(theirs[name], dtype=np.float64),
                near_zero.get(name, NEAR_ZERO),
            )
        )
    }
    assert not off, f"(session, ours, zipline's), first three per column: {off}"


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_recorded_variables_are_zipline_recorded_variables(
    strategy: Path, oracle: dict[str, dict], our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_perf(oracle, strategy)["values"]
    frame = our_frame(strategy)
    recorded = [name for name in theirs if name not in FIGURES]

    off = {}
    for name in recorded:
        if any(isinstance(value, str) for value in theirs[name]):
            ours = [None if pd.isna(value) else value for value in frame[name]]
            pairs = enumerate(zip(ours, theirs[name], strict=True))
            found = [(i, a, b) for i, (a, b) in pairs if a != b]
        else:
            found = disagreements(
                frame[name].to_numpy(dtype=np.float64),
                np.array(theirs[name], dtype=np.float64),
                NEAR_ZERO,
            )
        if found:
            off[name] = found[:3]
    assert not off, f"(session, ours, zipline's), first three per variable: {off}"
