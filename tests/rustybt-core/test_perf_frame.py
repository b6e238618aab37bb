"""The results frame's zipline columns: cumulative risk metrics on hand-checked returns, the
benchmark's daily returns, and the frame a backtest hands to ``analyze``."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order, set_benchmark, symbol
from rustybt.assets import Asset
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar
from rustybt.data.bar_arrays import BarArrays
from rustybt.engine import benchmark
from rustybt.engine.cumulative_risk import RISK_COLUMNS, cumulative_risk_metrics
from rustybt.errors import ConfigError

ROOT_252 = math.sqrt(252)


def sessions(count: int) -> pd.DatetimeIndex:
    """The first ``count`` XNYS sessions from 2024-01-02, where the ``bar_dir`` bars begin."""
    return get_calendar("XNYS").sessions("2024-01-02", "2024-03-01")[:count]


# Two sessions, hand-checked: r = [1 %, -2 %], b = [1 %, 0 %].
# mean(r) = -0.005, std(r, ddof=1) = 0.03 / √2; mean(min(r, 0)²) = 0.0004 / 2;
# mean(b) = 0.005, var(b) = 0.005² = 2.5e-5, cov(r, b) = (0.005·0.01 + 0.005·0.02) / 2 =
# 7.5e-5, so beta = 3 and alpha = (-0.005 - 3 · 0.005 + 1)²⁵² - 1 = 0.98²⁵² - 1.
RETURNS = np.array([0.01, -0.02])
BENCHMARK = np.array([0.01, 0.0])


def test_risk_metrics_of_two_sessions_are_the_hand_checked_ones() -> None:
    metrics = cumulative_risk_metrics(RETURNS, BENCHMARK)

    second = {name: values[1] for name, values in metrics.items()}
    assert second == pytest.approx(
        {
            "benchmark_period_return": 0.01,
            "benchmark_volatility": 0.01 / math.sqrt(2) * ROOT_252,
            "alpha": 0.98**252 - 1,
            "beta": 3.0,
            "sharpe": -0.005 / (0.03 / math.sqrt(2)) * ROOT_252,
            "sortino": -0.005 * 252 / (math.sqrt(0.0002) * ROOT_252),
            "max_drawdown": -0.02,
            "algo_volatility": 0.03 / math.sqrt(2) * ROOT_252,
        },
        rel=1e-12,
    )
    assert list(metrics) == list(RISK_COLUMNS)


def test_the_first_session_has_only_its_returns_and_drawdown() -> None:
    metrics = cumulative_risk_metrics(RETURNS, BENCHMARK)

    first = {name: values[0] for name, values in metrics.items()}
    assert first.pop("benchmark_period_return") == pytest.approx(0.01)
    assert first.pop("max_drawdown") == 0.0
    assert all(math.isnan(value) for value in first.values())


def test_a_later_peak_resets_the_drawdown_but_not_its_maximum() -> None:
    # 100 → 110 → 88 (-20 % from the peak) → 132 → 118.8 (-10 %).
    metrics = cumulative_risk_metrics(np.array([0.1, -0.2, 0.5, -0.1]), np.zeros(4))

    assert metrics["max_drawdown"] == pytest.approx([0.0, -0.2, -0.2, -0.2])


def test_a_strategy_that_has_not_traded_has_no_ratios_and_zero_volatility() -> None:
    metrics = cumulative_risk_metrics(np.zeros(3), np.array([0.01, -0.01, 0.02]))

    assert metrics["algo_volatility"][1:].tolist() == [0.0, 0.0]
    for name in ("sharpe", "sortino"):
        assert np.isnan(metrics[name]).all()
    assert metrics["beta"][1:].tolist() == [0.0, 0.0]
    assert metrics["alpha"][1:].tolist() == [0.0, 0.0]


def test_without_benchmark_variance_alpha_and_beta_are_undefined() -> None:
    metrics = cumulative_risk_metrics(np.array([0.01, -0.02, 0.03]), np.zeros(3))

    assert np.isnan(metrics["alpha"]).all() and np.isnan(metrics["beta"]).all()
    assert metrics["benchmark_volatility"][1:].tolist() == [0.0, 0.0]


def test_sortino_is_undefined_without_a_losing_session() -> None:
    metrics = cumulative_risk_metrics(np.array([0.01, 0.02]), np.zeros(2))

    assert np.isnan(metrics["sortino"][1])
    assert metrics["sharpe"][1] == pytest.approx(0.015 / (0.01 / math.sqrt(2)) * ROOT_252)


def test_risk_metrics_refuse_returns_and_benchmark_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        cumulative_risk_metrics(np.zeros(3), np.zeros(2))


def test_benchmark_returns_are_matched_to_sessions_by_date() -> None:
    days = sessions(3)
    given = pd.Series(
        [0.01, 0.02],
        index=pd.DatetimeIndex(["2024-01-02 21:00", "2024-01-04 21:00"], tz="UTC"),
    )

    returns = benchmark.returns_on_sessions(benchmark.daily_returns(given), days)

    assert returns.tolist() == [0.01, 0.0, 0.02]


def test_no_benchmark_returns_zero() -> None:
    assert benchmark.returns_on_sessions(None, sessions(2)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([0.01], "must be a pandas Series of daily returns indexed by date"),
        (pd.Series([0.01], index=[0]), "must be a pandas Series of daily returns indexed by date"),
        (
            pd.Series(["up"], index=pd.DatetimeIndex(["2024-01-02"])),
            "holds values that are not numbers",
        ),
        (
            pd.Series([0.01, 0.02], index=pd.DatetimeIndex(["2024-01-02 10:00", "2024-01-02"])),
            "gives 2024-01-02 more than one return",
        ),
    ],
)
def test_benchmark_returns_that_are_not_daily_returns_are_refused(given, message) -> None:
    with pytest.raises(ConfigError, match=message):
        benchmark.daily_returns(given)


def buy_ten_on_the_first_bar(*, benchmark_symbol: str | None = None) -> TradingAlgorithm:
    def initialize(context):
        context.asset = symbol("AAA")
        context.done = False
        if benchmark_symbol is not None:
            set_benchmark(symbol(benchmark_symbol))

    def handle_data(context, data):
        if not context.done:
            order(context.asset, 10)
            context.done = True

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


def backtest(bar_dir: Callable[..., Path], bars: dict[str, list[float]], first: int, **kwargs):
    """Backtest over ``bars`` (one per session from 2024-01-02) from session ``first`` on."""
    for name, closes in bars.items():
        directory = bar_dir(name, closes)
    days = sessions(len(next(iter(bars.values()))))
    return run_backtest(
        kwargs.pop("algorithm"),
        start=days[first],
        end=days[-1],
        source="files",
        data_dir=directory,
        **kwargs,
    )


def test_the_frame_is_indexed_by_session_close_with_zipline_columns(bar_dir) -> None:
    result = backtest(
        bar_dir, {"AAA": [100, 100, 110, 99]}, 0, algorithm=buy_ten_on_the_first_bar()
    )
    frame = result.frame

    closes = pd.DatetimeIndex(
        ["2024-01-02 21:00", "2024-01-03 21:00", "2024-01-04 21:00", "2024-01-05 21:00"],
        tz="UTC",
    )
    assert list(frame.index) == list(closes) and frame.index.name is None
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame["period_close"].tolist() == list(closes)
    assert frame["period_open"].iloc[0] == pd.Timestamp("2024-01-02 14:31", tz="UTC")
    assert frame["period_label"].tolist() == ["2024-01"] * 4
    assert frame["trading_days"].tolist() == [1, 2, 3, 4]
    # Ten shares bought on the second session at 100 × 1.0005 plus $0.01 commission.
    cost = 10 * 100 * 1.0005 + 0.01
    assert frame["starting_cash"].tolist() == pytest.approx(
        [100_000, 100_000] + [100_000 - cost] * 2
    )
    assert frame["ending_value"].tolist() == [0.0, 1000.0, 1100.0, 990.0]
    assert frame["starting_value"].tolist() == [0.0, 0.0, 1000.0, 1100.0]
    assert frame["long_value"].tolist() == frame["ending_exposure"].tolist()
    assert frame["longs_count"].tolist() == [0, 1, 1, 1]
    assert frame["shorts_count"].tolist() == [0, 0, 0, 0]
    leverage = frame["long_value"] / frame["portfolio_value"]
    assert frame["gross_leverage"].tolist() == pytest.approx(leverage.tolist())
    assert frame["max_leverage"].tolist() == pytest.approx(leverage.cummax().tolist())
    assert (frame[["treasury_period_return", "excess_return"]] == 0.0).all().all()
    (fill,) = frame["transactions"].iloc[1]
    assert fill["sid"].symbol == fill["symbol"] == "AAA"


def test_a_short_position_is_counted_and_valued_short(bar_dir) -> None:
    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(context.asset, -10)

    result = backtest(
        bar_dir,
        {"AAA": [100, 100, 100]},
        0,
        algorithm=TradingAlgorithm(initialize=initialize, handle_data=handle_data),
    )
    last = result.frame.iloc[-1]

    assert (last["short_value"], last["short_exposure"], last["long_value"]) == (-1000, -1000, 0)
    assert (last["shorts_count"], last["longs_count"]) == (1, 0)
    assert last["net_leverage"] == pytest.approx(-1000 / last["portfolio_value"])
    assert last["gross_leverage"] == pytest.approx(1000 / last["portfolio_value"])


def test_set_benchmark_returns_start_from_the_close_before_the_run(bar_dir) -> None:
    bars = {"AAA": [100, 100, 100, 100], "BBB": [50, 55, 44, 44]}
    result = backtest(bar_dir, bars, 1, algorithm=buy_ten_on_the_first_bar(benchmark_symbol="BBB"))

    # 50 → 55 is the first session's return (+10 %), then -20 % and 0.
    assert result.frame["benchmark_period_return"].tolist() == pytest.approx([0.1, -0.12, -0.12])


def test_benchmark_returns_given_to_the_run_make_the_benchmark_columns(bar_dir) -> None:
    days = sessions(3)
    given = pd.Series([0.01, -0.02, 0.03], index=days.tz_localize(None))
    result = backtest(
        bar_dir,
        {"AAA": [100, 101, 99]},
        0,
        algorithm=buy_ten_on_the_first_bar(),
        benchmark_returns=given,
    )
    frame = result.frame

    expected = cumulative_risk_metrics(frame["returns"].to_numpy(), given.to_numpy())
    for name, values in expected.items():
        np.testing.assert_array_equal(frame[name].to_numpy(), values, err_msg=name)
    assert frame["benchmark_period_return"].iloc[-1] == pytest.approx(1.01 * 0.98 * 1.03 - 1)


@pytest.mark.parametrize(
    ("session_end_bars", "expected"),
    [
        # Its first bar is the run's first session: open to close, then close to close.
        ([1, 2, 3], [0.1, 0.1]),
        # Its first bar comes a session into the run: 0 until then.
        ([0, 1, 2, 3], [0.0, 0.1, 0.1]),
    ],
)
def test_a_benchmark_without_a_close_before_the_run_returns_open_to_close_first(
    session_end_bars: list[int], expected: list[float]
) -> None:
    timeline = sessions(4)
    bars = pd.DataFrame(
        {
            "symbol": "BBB",
            "timestamp": timeline[2:],
            "open": [20.0, 22.0],
            "high": [22.0, 24.2],
            "low": [20.0, 22.0],
            "close": [22.0, 24.2],
            "volume": [1000.0, 1000.0],
        }
    )
    arrays = BarArrays(bars, [Asset(symbol="BBB")], timeline)

    returns = benchmark.asset_returns(arrays, 0, np.array(session_end_bars))

    assert returns.tolist() == pytest.approx(expected)
