"""The fast paths of pipelines give the numbers of the slow ones, and zipline's.

Built-ins with ``compute_rolling`` compute every session at once from rolling sums of
back-adjusted values; each must match its per-session ``compute`` (zipline's semantics)
within rounding, with the same NaN pattern, on data with missing bars, empty windows and
splits and dividends inside windows. The pricing loader reads prices as zipline's bar reader
gives them and lists an asset for its whole history's lifetime; the files source answers a
batch of symbols at once as it does symbol by symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rustybt.calendars import get_calendar
from rustybt.data.file_source import FileDataSource
from rustybt.errors import DataError
from rustybt.pipeline import Pipeline, PipelineEngine
from rustybt.pipeline.custom import compute_all_sessions, compute_per_session, has_rolling_path
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import (
    RSI,
    VWAP,
    AverageDollarVolume,
    DailyReturns,
    PercentChange,
    RateOfChangePercentage,
    Returns,
    SimpleMovingAverage,
)
from rustybt.pipeline.windows import Windows, rolling_nansum

CLOSE, VOLUME = EquityPricing.close, EquityPricing.volume
SESSIONS = 300
ASSETS = 6


def random_prices(seed: int) -> np.ndarray:
    """Random walks with missing bars: asset 3 has a gap longer than every window, asset 5
    has no bar at all."""
    rng = np.random.default_rng(seed)
    prices = 40.0 * np.exp(np.cumsum(rng.normal(0, 0.02, (SESSIONS, ASSETS)), axis=0))
    prices[rng.random(prices.shape) < 0.05] = np.nan
    prices[100:180, 3] = np.nan
    prices[:, 5] = np.nan
    return prices


ADJUSTMENTS = {
    # row -> [(asset column, ratio)]: a 2-for-1 split and dividends inside windows.
    40: [(0, 0.5), (2, 0.98)],
    150: [(1, 0.25)],
    151: [(1, 0.99), (4, 0.97)],
    299: [(0, 0.995)],
}
VOLUME_ADJUSTMENTS = {40: [(0, 2.0)], 150: [(1, 4.0)]}


def windows(values: np.ndarray, length: int, adjustments: Any = None) -> Windows:
    return Windows(values, length, len(values) - length + 1, adjustments)


def both_paths(term: Any, *inputs: Windows) -> tuple[np.ndarray, np.ndarray]:
    """The term's values by ``compute_rolling`` and by ``compute`` session by session, for
    every asset of every session."""
    count = inputs[0].count
    mask = np.ones((count, ASSETS), dtype=bool)
    dates = pd.date_range("2020-01-01", periods=count)
    sids = np.arange(ASSETS, dtype=np.int64)
    fast = compute_all_sessions(term, list(inputs), mask)
    slow = compute_per_session(term, list(inputs), dates, sids, mask)
    assert fast is not None, f"{term!r} declined the rolling path"
    return fast, slow


def assert_same(fast: np.ndarray, slow: np.ndarray) -> None:
    """Same NaNs; values within rounding. Back-adjusting by a ratio product differs from
    multiplying the ratios in one by one in the last bit, which a change between two
    close prices magnifies (1e-4 returns: ~1e-12)."""
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=0)


@pytest.mark.parametrize("length", [2, 14, 50, 200])
def test_moving_averages_of_adjusted_prices_agree_session_by_session(length: int) -> None:
    closes = random_prices(length)
    fast, slow = both_paths(
        SimpleMovingAverage(inputs=[CLOSE], window_length=length),
        windows(closes, length, ADJUSTMENTS),
    )
    assert_same(fast, slow)
    assert np.isnan(fast[:, 5]).all()  # no bar at all: nanmean of nothing is NaN
    if length < 80:
        assert np.isnan(fast[180 - length, 3])  # a window inside the gap


@pytest.mark.parametrize(
    "term",
    [
        Returns(window_length=20),
        DailyReturns(),
        PercentChange(inputs=[CLOSE], window_length=5),
        RateOfChangePercentage(inputs=[CLOSE], window_length=10),
        RSI(),
        RSI(window_length=30),
    ],
    ids=repr,
)
def test_returns_and_rsi_agree_session_by_session(term: Any) -> None:
    closes = random_prices(term.window_length)
    fast, slow = both_paths(term, windows(closes, term.window_length, ADJUSTMENTS))
    assert_same(fast, slow)


@pytest.mark.parametrize("term", [AverageDollarVolume(window_length=30), VWAP(window_length=7)])
def test_volume_weighted_factors_agree_session_by_session(term: Any) -> None:
    closes = random_prices(3)
    volumes = np.where(np.isnan(closes), 0.0, np.random.default_rng(4).integers(1, 9, closes.shape))
    volumes = volumes * 1000.0
    length = term.window_length
    fast, slow = both_paths(
        term,
        windows(closes, length, ADJUSTMENTS),
        windows(volumes, length, VOLUME_ADJUSTMENTS),
    )
    assert_same(fast, slow)


def test_rsi_is_100_when_nothing_fell_and_nan_when_nothing_moved() -> None:
    closes = np.column_stack([np.arange(40.0, 60.0), np.full(20, 7.0)])
    term = RSI(window_length=5)
    fast = compute_all_sessions(term, [windows(closes, 5)], np.ones((16, 2), dtype=bool))
    assert fast is not None
    assert (fast[:, 0] == 100.0).all()
    assert np.isnan(fast[:, 1]).all()


def test_a_mean_of_values_of_both_signs_is_computed_session_by_session() -> None:
    returns = np.random.default_rng(5).normal(0, 0.01, (60, 2))
    term = SimpleMovingAverage(inputs=[Returns(window_length=2)], window_length=10)
    mask = np.ones((51, 2), dtype=bool)
    assert compute_all_sessions(term, [windows(returns, 10)], mask) is None
    assert term.compute_rows(
        [windows(returns, 10)], pd.date_range("2020-01-01", periods=51), np.arange(2), mask
    )[0].tolist() == pytest.approx(returns[:10].mean(axis=0).tolist(), rel=1e-15)


def test_a_subclass_with_its_own_compute_gets_it_called() -> None:
    class LastClose(SimpleMovingAverage):
        def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:
            out[:] = data[-1]

    assert has_rolling_path(SimpleMovingAverage) and has_rolling_path(DailyReturns)
    assert not has_rolling_path(LastClose)


def test_rolling_sums_of_a_long_history_stay_within_rounding() -> None:
    rng = np.random.default_rng(6)
    # Prices falling a thousandfold: early running sums dwarf late windows.
    data = np.exp(np.linspace(np.log(1000.0), np.log(1.0), 20_000))[:, None] * rng.uniform(
        0.9, 1.1, (20_000, 3)
    )
    data[rng.random(data.shape) < 0.1] = np.nan
    sums, counts = rolling_nansum(data, 200)
    view = np.lib.stride_tricks.sliding_window_view(data, 200, axis=0)
    np.testing.assert_allclose(sums, np.nansum(view, axis=2), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(counts, (~np.isnan(view)).sum(axis=2))


DAYS = get_calendar("XNYS").sessions("2020-01-02", "2020-03-31").strftime("%Y-%m-%d")


def test_prices_are_read_as_zipline_reads_its_thousandths(
    tmp_path: Path, write_bars: Callable[..., None]
) -> None:
    write_bars(tmp_path, "AAA", np.full(len(DAYS), 20.644))
    frame = PipelineEngine(FileDataSource(data_dir=tmp_path)).run(
        Pipeline(columns={"close": CLOSE.latest, "volume": VOLUME.latest}), DAYS[5], DAYS[6]
    )
    # zipline stores 20644 thousandths and reads back 20644 * 0.001.
    assert frame["close"].tolist() == [20644 * 0.001] * 2 == [20.644000000000002] * 2
    assert frame["volume"].tolist() == [1000.0, 1000.0]


def test_an_asset_lives_from_its_first_bar_in_the_whole_history(
    tmp_path: Path, write_bars: Callable[..., None]
) -> None:
    # GAPS trades from the first day but has no bar on 2020-02-14 nor 2020-03-02..03-06,
    # so neither the session before the pipeline's first date nor the end of the first
    # chunk shows a bar of it; zipline's lifetimes use the whole history.
    gaps = [d for d in DAYS if d != "2020-02-14" and not "2020-03-02" <= d <= "2020-03-06"]
    write_bars(tmp_path, "GAPS", np.arange(len(gaps)) + 10.0, days=gaps)
    write_bars(tmp_path, "LATE", np.arange(len(DAYS) - 30) + 10.0, days=DAYS[30:])
    engine = PipelineEngine(FileDataSource(data_dir=tmp_path))
    pipeline = Pipeline(columns={"close": CLOSE.latest})
    frame = engine.run(pipeline, "2020-02-18", "2020-03-10", chunksize=10)
    listed = frame.reset_index(level=0).index.map(lambda a: a.symbol)
    dates = frame.index.get_level_values(0)
    gaps_dates = dates[listed == "GAPS"].strftime("%Y-%m-%d").tolist()
    assert gaps_dates == [d for d in DAYS if "2020-02-18" <= d <= "2020-03-10"]
    # LATE's first bar is 2020-02-14: listed from the session after it.
    assert dates[listed == "LATE"][0] == pd.Timestamp("2020-02-18")
    assert np.isnan(frame.xs(pd.Timestamp("2020-03-03"))["close"].iloc[0])


def test_a_batch_of_symbols_is_fetched_as_symbol_by_symbol(
    tmp_path: Path, write_bars: Callable[..., None]
) -> None:
    write_bars(tmp_path, "AAA", np.arange(len(DAYS)) + 10.0)
    write_bars(tmp_path, "BBB", np.arange(40) + 20.0, days=DAYS[10:50])
    source = FileDataSource(data_dir=tmp_path)
    start, end = pd.Timestamp(DAYS[20], tz="UTC"), pd.Timestamp(DAYS[30], tz="UTC")
    batch = source.fetch_bars(["BBB", "AAA"], start, end, "1d")
    one_by_one = pd.concat(
        [source.fetch_bars([s], start, end, "1d") for s in ("AAA", "BBB")], ignore_index=True
    )
    pd.testing.assert_frame_equal(batch, one_by_one)
    with pytest.raises(DataError, match="no bars for BBB"):
        source.fetch_bars(
            ["AAA", "BBB"], pd.Timestamp(DAYS[55], tz="UTC"), end + pd.Timedelta(days=40), "1d"
        )
