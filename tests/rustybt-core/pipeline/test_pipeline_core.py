"""The Pipeline core: terms, the engine's windows, masks, adjustments and output frame.

The data are small csvdir folders written per test (conftest.py: ``data_dir`` and
``write_bars``; FileDataSource reads them, with their split and dividend columns), so every
expected number can be worked out by hand.
"""

from __future__ import annotations

# zipline's API declares inputs as mutable class attributes (inputs = [...]).
# ruff: noqa: RUF012
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.calendars import get_calendar
from rustybt.data.file_source import FileDataSource
from rustybt.errors import ConfigError, DataError, StrategyError
from rustybt.pipeline import (
    CustomClassifier,
    CustomFactor,
    CustomFilter,
    Pipeline,
    PipelineEngine,
    run_pipeline,
)
from rustybt.pipeline.data import Column, DataSet, EquityPricing, USEquityPricing
from rustybt.pipeline.filters import StaticSids
from rustybt.pipeline.loaders import DataFrameLoader, FilesLoader

SESSIONS = get_calendar("XNYS").sessions("2020-01-02", "2020-03-31")
DAYS = SESSIONS.strftime("%Y-%m-%d")


def engine(folder: Path, **options) -> PipelineEngine:
    return PipelineEngine(FileDataSource(data_dir=folder), **options)


class MeanClose(CustomFactor):
    inputs = [EquityPricing.close]
    window_length = 3

    def compute(self, today, assets, out, close):
        out[:] = close.mean(axis=0)


def test_latest_close_is_the_previous_sessions_bar(data_dir):
    frame = engine(data_dir).run(
        Pipeline(columns={"close": EquityPricing.close.latest}), "2020-01-06", "2020-01-07"
    )
    # 2020-01-06's row holds the bar of 2020-01-03 (the second session: 101 for AAA).
    assert frame["close"].tolist() == [101.0, 199.0, 102.0, 198.0]
    dates = frame.index.get_level_values(0)
    assert dates.tz is None and dates.dtype == "datetime64[ns]"
    assert [a.symbol for a in frame.index.get_level_values(1)] == ["AAA", "BBB"] * 2
    assert [a.sid for a in frame.index.get_level_values(1)][:2] == [0, 1]


def test_custom_factor_windows_and_pipeline_columns_in_order(data_dir):
    pipeline = Pipeline(columns={"mean": MeanClose(), "last": EquityPricing.close.latest})
    frame = engine(data_dir).run(pipeline, "2020-01-08", "2020-01-08")
    # The window on 2020-01-08 is the bars of 01-03, 01-06, 01-07: AAA 101, 102, 103.
    assert list(frame.columns) == ["mean", "last"]
    assert frame["mean"].tolist() == [102.0, 198.0]


def test_an_asset_enters_the_universe_the_session_after_its_first_bar(data_dir):
    frame = engine(data_dir).run(
        Pipeline(columns={"close": EquityPricing.close.latest}), "2020-01-31", "2020-02-05"
    )
    ccc = frame.xs("2020-02-04", level=0)
    assert [a.symbol for a in frame.xs("2020-02-03", level=0).index] == ["AAA", "BBB"]
    assert [a.symbol for a in ccc.index] == ["AAA", "BBB", "CCC"]
    assert ccc["close"].iloc[2] == 50.0


def test_windows_reaching_before_an_assets_first_bar_hold_nan(data_dir):
    frame = engine(data_dir).run(
        Pipeline(columns={"mean": MeanClose()}), "2020-02-04", "2020-02-06"
    )
    ccc = frame[[a.symbol == "CCC" for a in frame.index.get_level_values(1)]]
    assert np.isnan(ccc["mean"].iloc[0]) and np.isnan(ccc["mean"].iloc[1])
    assert ccc["mean"].iloc[2] == 51.0


def test_split_inside_a_window_is_adjusted_as_of_each_session(tmp_path, write_bars):
    closes = np.full(len(DAYS), 100.0)
    closes[DAYS >= "2020-01-10"] = 50.0
    write_bars(tmp_path, "SPL", closes, split={"2020-01-10": 2.0})
    pipeline = Pipeline(
        columns={"mean": MeanClose(), "last": EquityPricing.close.latest, "vol": MeanVolume()}
    )
    frame = engine(tmp_path).run(pipeline, "2020-01-09", "2020-01-14")
    # Before the ex-date nothing is adjusted; from it on, the earlier closes are halved
    # and volumes doubled, including the bar of the session before the ex-date.
    assert frame["mean"].tolist() == [100.0, 50.0, 50.0, 50.0]
    assert frame["last"].tolist() == [100.0, 50.0, 50.0, 50.0]
    assert frame["vol"].tolist() == [1000.0, 2000.0, 5000 / 3, 4000 / 3]


class MeanVolume(CustomFactor):
    inputs = [EquityPricing.volume]
    window_length = 3

    def compute(self, today, assets, out, volume):
        out[:] = volume.mean(axis=0)


def test_dividend_ratio_uses_the_close_before_the_ex_date(tmp_path, write_bars):
    write_bars(tmp_path, "DIV", np.full(len(DAYS), 100.0), dividend={"2020-01-10": 2.0})
    frame = engine(tmp_path).run(
        Pipeline(columns={"mean": MeanClose()}), "2020-01-10", "2020-01-10"
    )
    assert frame["mean"].iloc[0] == pytest.approx(98.0, rel=1e-12)


def test_adjusted_mode_gives_back_adjusted_bars_without_as_of_adjustments(tmp_path, write_bars):
    closes = np.full(len(DAYS), 100.0)
    closes[DAYS >= "2020-01-10"] = 50.0
    write_bars(tmp_path, "SPL", closes, split={"2020-01-10": 2.0})
    frame = engine(tmp_path, adjustment="adjusted").run(
        Pipeline(columns={"last": EquityPricing.close.latest}), "2020-01-09", "2020-01-14"
    )
    assert frame["last"].tolist() == [50.0, 50.0, 50.0, 50.0]


def test_params_reach_compute_as_keywords_and_attributes(data_dir):
    class Scaled(CustomFactor):
        inputs = [EquityPricing.close]
        window_length = 1
        params = {"k": 2.0}

        def compute(self, today, assets, out, close, k):
            assert self.k == k
            out[:] = close[-1] * k

    frame = engine(data_dir).run(
        Pipeline(columns={"x": Scaled(k=10.0), "y": Scaled()}), "2020-01-06", "2020-01-06"
    )
    assert frame["x"].tolist() == [1010.0, 1990.0]
    assert frame["y"].tolist() == [202.0, 398.0]


def test_compute_sees_only_the_masked_assets(data_dir):
    seen = []

    class Spy(CustomFactor):
        inputs = [EquityPricing.close]
        window_length = 2

        def compute(self, today, assets, out, close):
            seen.append((assets.tolist(), close.shape))
            out[:] = assets

    only_bbb = StaticSids([1])
    frame = engine(data_dir).run(
        Pipeline(columns={"spy": Spy(mask=only_bbb)}), "2020-01-06", "2020-01-06"
    )
    assert seen == [([1], (2, 1))]
    assert np.isnan(frame["spy"].iloc[0]) and frame["spy"].iloc[1] == 1.0


def test_outputs_unpack_into_one_factor_each(data_dir):
    class HighLow(CustomFactor):
        inputs = [EquityPricing.high, EquityPricing.low]
        window_length = 2
        outputs = ["high", "low"]

        def compute(self, today, assets, out, high, low):
            out.high[:] = high.max(axis=0)
            out["low"][:] = low.min(axis=0)

    high, _ = HighLow()
    frame = engine(data_dir).run(
        Pipeline(columns={"h": high, "l": HighLow().low}), "2020-01-06", "2020-01-06"
    )
    assert frame["h"].tolist() == [102.0, 201.0]
    assert frame["l"].tolist() == [99.0, 198.0]


def test_rank_top_bottom_and_screen(data_dir):
    close = EquityPricing.close.latest
    pipeline = Pipeline(
        columns={
            "rank": close.rank(),
            "desc": close.rank(ascending=False),
            "top": close.top(1),
            "bottom": close.bottom(1),
            "between": close.percentile_between(0, 50),
        },
        screen=close > 150,
    )
    frame = engine(data_dir).run(pipeline, "2020-01-06", "2020-01-06")
    assert [a.symbol for a in frame.index.get_level_values(1)] == ["BBB"]
    row = frame.iloc[0]
    assert (row["rank"], row["desc"], row["top"], row["bottom"], row["between"]) == (
        2.0,
        1.0,
        True,
        False,
        False,
    )


def test_arithmetic_math_and_reflected_operators(data_dir):
    close = EquityPricing.close.latest
    pipeline = Pipeline(
        columns={
            "a": (close + 1) * 2 - close / 2,
            "b": 1 - close,
            "c": -close,
            "d": close.log10(),
            "e": (close - 200).abs(),
        }
    )
    frame = engine(data_dir).run(pipeline, "2020-01-06", "2020-01-06")
    aaa = frame.iloc[0]
    assert aaa["a"] == (101 + 1) * 2 - 101 / 2
    assert aaa["b"] == -100.0 and aaa["c"] == -101.0
    assert aaa["d"] == pytest.approx(np.log10(101.0))
    assert aaa["e"] == 99.0


def test_demean_zscore_winsorize_by_group(data_dir):
    class Parity(CustomClassifier):
        inputs = []
        window_length = 1
        dtype = np.int64
        missing_value = -1

        def compute(self, today, assets, out):
            out[:] = assets % 2

    close = EquityPricing.close.latest
    pipeline = Pipeline(
        columns={
            "dm": close.demean(),
            "dmg": close.demean(groupby=Parity()),
            "z": close.zscore(),
            "w": close.winsorize(0.0, 0.5),
            "g": Parity(),
        }
    )
    frame = engine(data_dir).run(pipeline, "2020-02-05", "2020-02-05")
    # The bars of 2020-02-04: AAA 122, BBB 178, CCC 51 (sids 0, 1, 2; groups 0, 1, 0).
    assert frame["dm"].tolist() == pytest.approx([5.0, 61.0, -66.0])
    assert frame["dmg"].tolist() == pytest.approx([35.5, 0.0, -35.5])
    assert frame["z"].tolist() == pytest.approx(
        list((np.array([122, 178, 51]) - 117) / np.std([122, 178, 51]))
    )
    assert frame["w"].tolist() == [122.0, 122.0, 51.0]
    assert frame["g"].dtype == np.int64


def test_nan_handling_isnan_notnan_fillna(data_dir):
    mean = MeanClose()
    pipeline = Pipeline(
        columns={"nan": mean.isnan(), "ok": mean.notnan(), "filled": mean.fillna(-1.0)}
    )
    frame = engine(data_dir).run(pipeline, "2020-02-04", "2020-02-04")
    ccc = frame.iloc[2]
    assert (ccc["nan"], ccc["ok"], ccc["filled"]) == (True, False, -1.0)


def test_custom_filter_and_logic(data_dir):
    class Rising(CustomFilter):
        inputs = [EquityPricing.close]
        window_length = 2

        def compute(self, today, assets, out, close):
            out[:] = close[-1] > close[0]

    close = EquityPricing.close.latest
    frame = engine(data_dir).run(
        Pipeline(columns={"r": Rising(), "x": Rising() | (close > 150), "n": ~Rising()}),
        "2020-01-06",
        "2020-01-06",
    )
    assert frame["r"].tolist() == [True, False]
    assert frame["x"].tolist() == [True, True]
    assert frame["n"].tolist() == [False, True]


def test_an_empty_screen_gives_zipline_s_empty_frame(data_dir):
    close = EquityPricing.close.latest
    frame = engine(data_dir).run(
        Pipeline(columns={"c": close, "f": close > 0}, screen=close > 1e9),
        "2020-01-06",
        "2020-01-08",
    )
    assert frame.empty
    assert frame.dtypes.to_dict() == {"c": np.float64, "f": np.bool_}
    assert frame.index.nlevels == 2


def test_chunks_give_the_same_frame_as_one_run(data_dir):
    pipeline = Pipeline(columns={"m": MeanClose(), "r": MeanClose().rank()})
    whole = engine(data_dir).run(pipeline, "2020-01-10", "2020-03-20")
    chunked = engine(data_dir).run(pipeline, "2020-01-10", "2020-03-20", chunksize=7)
    pd.testing.assert_frame_equal(whole, chunked)


def test_terms_are_memoized_and_computed_once(data_dir):
    calls = []

    class Counted(CustomFactor):
        inputs = [EquityPricing.close]
        window_length = 1

        def compute(self, today, assets, out, close):
            calls.append(today)
            out[:] = close[-1]

    assert Counted() is Counted()
    pipeline = Pipeline(columns={"a": Counted(), "b": Counted() + 1, "c": Counted().rank()})
    engine(data_dir).run(pipeline, "2020-01-06", "2020-01-07")
    assert len(calls) == 2


def test_us_equity_pricing_is_equity_pricing():
    assert USEquityPricing.close is EquityPricing.close
    assert EquityPricing.close.latest is USEquityPricing.close.latest


def test_custom_dataset_from_a_frame_and_from_a_file(data_dir, tmp_path_factory):
    class Fundamentals(DataSet):
        pe = Column(float)
        sector = Column(np.int64, missing_value=-1)

    days = pd.to_datetime(["2020-01-06", "2020-01-07"])
    baseline = pd.DataFrame({0: [10.0, 11.0], 1: [20.0, 21.0]}, index=days)
    frame_loader = DataFrameLoader(Fundamentals.pe, baseline)
    csv = tmp_path_factory.mktemp("fundamentals") / "sectors.csv"
    csv.write_text("date,symbol,sector,pe\n2020-01-03,AAA,7,1\n2020-01-06,BBB,9,2\n")
    out = engine(
        data_dir, loaders={Fundamentals.pe: frame_loader, Fundamentals.sector: FilesLoader(csv)}
    ).run(
        Pipeline(columns={"pe": Fundamentals.pe.latest, "sector": Fundamentals.sector.latest}),
        "2020-01-06",
        "2020-01-07",
    )
    assert out["pe"].tolist() == [10.0, 20.0, 11.0, 21.0]
    # A file row dated D is known from the next session on.
    assert out["sector"].tolist() == [7, -1, 7, 9]
    assert out["sector"].dtype == np.int64


def test_run_pipeline_reads_a_registered_source(data_dir):
    frame = run_pipeline(
        Pipeline(columns={"close": EquityPricing.close.latest}),
        "2020-01-06",
        "2020-01-06",
        source="files",
        data_dir=str(data_dir),
    )
    assert frame["close"].tolist() == [101.0, 199.0]


def test_run_pipeline_on_the_sample_source():
    frame = run_pipeline(
        Pipeline(columns={"close": EquityPricing.close.latest}, screen=MeanClose().notnan()),
        "2012-01-04",
        "2012-01-05",
    )
    symbols = {a.symbol for a in frame.index.get_level_values(1)}
    assert {"AAPL", "MSFT"} <= symbols
    assert frame["close"].notna().all()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: type("NoWindow", (CustomFactor,), {"inputs": [EquityPricing.close]})(),
            "window_length",
        ),
        (lambda: MeanClose(bogus=1), "unexpected keyword"),
        (lambda: EquityPricing.close.latest.rank(method="wild"), "method"),
        (lambda: Pipeline(columns={"c": EquityPricing.close}), "did you mean"),
        (lambda: Pipeline(screen=EquityPricing.close.latest), "screen must be a Filter"),
        (lambda: EquityPricing.close.latest + "x", "cannot combine"),
        (lambda: MeanClose(inputs=[MeanClose()]), "window-safe"),
        (lambda: EquityPricing.get_column("adj_close"), "no column 'adj_close'"),
    ],
)
def test_bad_definitions_raise_one_clear_error(build, message):
    with pytest.raises(StrategyError, match=message):
        build()


def test_a_pipeline_over_dates_before_the_data_says_so(data_dir):
    with pytest.raises(DataError, match="has bars before"):
        engine(data_dir).run(
            Pipeline(columns={"c": EquityPricing.close.latest}), "2019-01-02", "2019-01-04"
        )


def test_a_custom_dataset_without_a_loader_says_how_to_give_one(data_dir):
    class Sentiment(DataSet):
        score = Column(float)

    with pytest.raises(ConfigError, match=r"no loader for Sentiment\.score"):
        engine(data_dir).run(
            Pipeline(columns={"s": Sentiment.score.latest}), "2020-01-06", "2020-01-06"
        )


def test_an_error_in_compute_names_the_factor(data_dir):
    class Broken(CustomFactor):
        inputs = [EquityPricing.close]
        window_length = 1

        def compute(self, today, assets, out, close):
            raise ZeroDivisionError("boom")

    with pytest.raises(
        StrategyError,
        match=r"test_pipeline_core\.py:\d+ in compute: ZeroDivisionError: boom "
        r"\(Broken\.compute, on 2020-01-06\)",
    ):
        engine(data_dir).run(Pipeline(columns={"b": Broken()}), "2020-01-06", "2020-01-06")
