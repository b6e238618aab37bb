"""The quicker paths of a pipeline give the numbers of the plain ones.

A folder of Parquet files is read in part (only the columns the pipeline's terms use) and
placed symbol by symbol; the same bars written as CSV files take the files source's whole
reading, so both folders must give the same frame to the last bit. Ordinal ranks come from
an unstable sort with equal values put back in asset order, and ``top``/``bottom`` from
each session's N-th value; both must be what a stable sort gives (zipline's ``rank``, and
``rank(...) <= N``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.calendars import get_calendar
from rustybt.data.file_source import FileDataSource
from rustybt.errors import DataError
from rustybt.pipeline import Pipeline, PipelineEngine
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import AverageDollarVolume, Returns, SimpleMovingAverage
from rustybt.pipeline.rowwise import first_ordinal, masked_rank

SESSIONS = get_calendar("XNYS").sessions("2019-01-02", "2020-06-30").tz_localize(None)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"]
START, END = "2019-03-01", "2020-06-30"


def symbol_bars(symbol: str, seed: int) -> pd.DataFrame:
    """Valid daily bars of a random walk in whole cents, so that many closes are equal, in
    a shape that depends on the symbol: a late listing, an early delisting, missing
    sessions, a weekend bar, a split and a dividend."""
    rng = np.random.default_rng(seed)
    days = SESSIONS
    if symbol == "BBB":
        days = days[days >= "2019-09-03"]
    if symbol == "CCC":
        days = days[days <= "2020-02-28"]
    if symbol == "DDD":
        days = days[rng.random(len(days)) > 0.1]
    if symbol == "EEE":
        days = days.append(pd.DatetimeIndex(["2019-06-15"])).sort_values()
    closes = np.round(20 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))), 2)
    frame = pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "open": closes,
            "high": closes + 0.5,
            "low": closes - 0.5,
            "close": closes,
            "volume": rng.integers(0, 5, len(days)) * 1000.0,
        }
    )
    if symbol == "FFF":
        frame["split"] = np.where(frame["date"] == "2019-11-01", 2.0, 1.0)
        frame["dividend"] = np.where(frame["date"] == "2020-02-03", 0.25, 0.0)
    return frame


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same bars as Parquet files (dates as timestamps) and as CSV files."""
    parquet = tmp_path_factory.mktemp("parquet")
    csv = tmp_path_factory.mktemp("csv")
    for seed, symbol in enumerate(SYMBOLS):
        bars = symbol_bars(symbol, seed)
        bars.to_csv(csv / f"{symbol}.csv", index=False)
        bars.assign(date=pd.to_datetime(bars["date"])).to_parquet(parquet / f"{symbol}.parquet")
    return parquet, csv


def run(folder: Path, pipeline: Pipeline) -> pd.DataFrame:
    frame = PipelineEngine(FileDataSource(data_dir=folder)).run(pipeline, START, END)
    frame.index = frame.index.set_levels([asset.symbol for asset in frame.index.levels[1]], level=1)
    return frame


def test_parquet_files_are_read_in_part(folders: tuple[Path, Path]) -> None:
    parquet, csv = folders
    assert FileDataSource(data_dir=parquet).bar_columns(SYMBOLS, ["close"]) is not None
    assert FileDataSource(data_dir=csv).bar_columns(SYMBOLS, ["close"]) is None


@pytest.mark.parametrize("with_open", [False, True])
def test_a_folder_read_in_part_gives_the_frame_of_a_folder_read_whole(
    folders: tuple[Path, Path], with_open: bool
) -> None:
    close, volume = EquityPricing.close, EquityPricing.volume
    columns = {
        "close": close.latest,
        "volume": volume.latest,
        "sma": SimpleMovingAverage(inputs=[close], window_length=20),
        "returns": Returns(window_length=10),
        "dollar_volume": AverageDollarVolume(window_length=5),
        "rank": close.latest.rank(),
    }
    if with_open:
        columns["open"] = EquityPricing.open.latest
    pipeline = Pipeline(columns=columns)
    parquet, csv = folders
    pd.testing.assert_frame_equal(run(parquet, pipeline), run(csv, pipeline))


def test_top_and_bottom_are_ranks_at_most_n(folders: tuple[Path, Path]) -> None:
    close = EquityPricing.close.latest
    cheap = close < 21
    columns = {
        "top": close.top(3),
        "top_by_rank": close.rank(ascending=False) <= 3,
        "bottom": close.bottom(2),
        "bottom_by_rank": close.rank() <= 2,
        "top_of_cheap": close.top(2, mask=cheap),
        "top_of_cheap_by_rank": close.rank(ascending=False, mask=cheap) <= 2,
    }
    frame = run(folders[0], Pipeline(columns=columns))
    for name in ("top", "bottom", "top_of_cheap"):
        assert frame[name].any()
        assert frame[name].equals(frame[f"{name}_by_rank"]), name


def stable_ranks(data: np.ndarray, mask: np.ndarray, ascending: bool) -> np.ndarray:
    """Ordinal ranks the plain way: each row's usable values sorted stably."""
    ranks = np.full(data.shape, np.nan)
    for row in range(data.shape[0]):
        usable = np.flatnonzero(mask[row] & ~np.isnan(data[row]))
        values = data[row, usable] if ascending else -data[row, usable]
        order = usable[np.argsort(values, kind="stable")]
        ranks[row, order] = np.arange(1, len(order) + 1)
    return ranks


def awkward_rows(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows full of equal values, NaN, infinities and zeros of both signs, half masked."""
    rng = np.random.default_rng(seed)
    data = np.round(rng.normal(0, 1, (40, 30)))
    data[rng.random(data.shape) < 0.15] = np.nan
    for special in (np.inf, -np.inf, 0.0, -0.0):
        data[rng.random(data.shape) < 0.05] = special
    return data, rng.random(data.shape) < 0.7


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ascending", [True, False])
def test_ordinal_ranks_are_those_of_a_stable_sort(seed: int, ascending: bool) -> None:
    data, mask = awkward_rows(seed)
    expected = stable_ranks(data, mask, ascending)
    assert np.array_equal(masked_rank(data, mask, "ordinal", ascending), expected, equal_nan=True)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("count", [1, 3, 10, 30, 31])
def test_the_first_n_are_those_ranked_n_or_better(seed: int, count: int) -> None:
    data, mask = awkward_rows(seed)
    for ascending in (True, False):
        ranks = stable_ranks(data, mask, ascending)
        expected = np.nan_to_num(ranks, nan=np.inf) <= count
        assert np.array_equal(first_ordinal(data, mask, count, ascending), expected)


def write_parquet(folder: Path, symbol: str, **changes: tuple[int, object]) -> Path:
    bars = symbol_bars("AAA", 0).assign(date=lambda f: pd.to_datetime(f["date"]))
    for column, (row, value) in changes.items():
        bars.loc[row, column] = value
    path = folder / f"{symbol}.parquet"
    bars.to_parquet(path)
    return path


def test_a_bad_close_is_reported_as_a_backtest_reads_it(tmp_path: Path) -> None:
    write_parquet(tmp_path, "AAA", close=(5, -1.0))
    with pytest.raises(DataError) as whole:
        FileDataSource(data_dir=tmp_path).fetch_bars(
            ["AAA"], pd.Timestamp(START, tz="UTC"), pd.Timestamp(END, tz="UTC"), "1d"
        )
    pipeline = Pipeline(columns={"close": EquityPricing.close.latest})
    with pytest.raises(DataError) as in_part:
        PipelineEngine(FileDataSource(data_dir=tmp_path)).run(pipeline, START, END)
    assert str(in_part.value) == str(whole.value)
    assert "row 6" in str(whole.value)


def test_a_pipeline_checks_only_the_columns_it_reads(tmp_path: Path) -> None:
    # The high below the low breaks a bar rule of a column the pipeline does not read.
    write_parquet(tmp_path, "AAA", high=(5, 1.0))
    closes = Pipeline(columns={"close": EquityPricing.close.latest})
    assert len(PipelineEngine(FileDataSource(data_dir=tmp_path)).run(closes, START, END))
    highs = Pipeline(columns={"high": EquityPricing.high.latest})
    with pytest.raises(DataError, match="high is below"):
        PipelineEngine(FileDataSource(data_dir=tmp_path)).run(highs, START, END)


NOT_MIDNIGHT = pd.Timestamp("2019-01-02 15:30")


@pytest.mark.parametrize(
    "change", [{"close": (3, np.nan)}, {"volume": (3, -5.0)}, {"date": (3, NOT_MIDNIGHT)}]
)
def test_files_that_are_not_usual_are_read_whole(
    tmp_path: Path, change: dict[str, tuple[int, object]]
) -> None:
    write_parquet(tmp_path, "AAA", **change)
    assert FileDataSource(data_dir=tmp_path).bar_columns(["AAA"], ["close", "volume"]) is None


def test_actions_of_files_read_in_part_are_those_of_files_read_whole(
    folders: tuple[Path, Path],
) -> None:
    parquet = folders[0]
    start, end = pd.Timestamp("2019-01-01", tz="UTC"), pd.Timestamp("2020-12-31", tz="UTC")
    in_part = FileDataSource(data_dir=parquet)
    assert in_part.bar_columns(SYMBOLS, ["close"]) is not None
    actions = in_part.fetch_actions(SYMBOLS, start, end)
    assert list(actions["kind"]) == ["split", "dividend"]
    whole = FileDataSource(data_dir=parquet).fetch_actions(SYMBOLS, start, end)
    pd.testing.assert_frame_equal(actions, whole)
