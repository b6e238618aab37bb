"""The Pipeline core where zipline's behaviour is subtle: term equality, custom data masked
by asset lifetimes, string classifiers, downsampling, aliases, correlation methods and the
pipeline errors' home in rustybt.errors.

Each expectation was checked against zipline-reloaded (the oracle in .nox/zipline-oracle).
The data are csvdir folders written per test (conftest.py's ``data_dir``): AAA rises 1 a day
from 100, BBB falls 1 a day from 200, CCC trades from 2020-02-03 (so it is in the universe
from 2020-02-04 on).
"""

from __future__ import annotations

# zipline's API declares inputs as mutable class attributes (inputs = [...]).
# ruff: noqa: RUF012
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rustybt.errors
from rustybt.calendars import get_calendar
from rustybt.data.file_source import FileDataSource
from rustybt.errors import ConfigError, StrategyError
from rustybt.pipeline import CustomFactor, Filter, Pipeline, PipelineEngine
from rustybt.pipeline.data import Column, DataSet, EquityPricing
from rustybt.pipeline.factors import Returns, RollingLinearRegression, RollingPearson
from rustybt.pipeline.loaders import DataFrameLoader, FilesLoader

SESSIONS = get_calendar("XNYS").sessions("2020-01-02", "2020-03-31").tz_localize(None)
DAYS = SESSIONS.strftime("%Y-%m-%d")
CLOSE = EquityPricing.close


def run(folder: Path, columns, start, end, **options) -> pd.DataFrame:
    loaders = options.pop("loaders", None)
    engine = PipelineEngine(FileDataSource(data_dir=folder), loaders=loaders)
    return engine.run(Pipeline(columns=columns), start, end, **options)


def by_symbol(frame: pd.DataFrame, column: str, day: str) -> dict[str, object]:
    rows = frame.xs(pd.Timestamp(day), level=0)[column]
    return {asset.symbol: value for asset, value in rows.items()}


def close_before(day: str, offset: float) -> float:
    """AAA's close on the session before ``day`` (AAA closes 100 + session number)."""
    return offset + SESSIONS.get_loc(pd.Timestamp(day)) - 1


# ---- equality: terms compare by identity, as zipline's ---------------------------------


def test_factor_equal_a_number_is_plain_false_and_terms_are_dict_keys():
    latest = CLOSE.latest
    assert (latest == 0) is False
    assert latest == latest
    assert isinstance(latest != 0, Filter)
    sector = Sector.code.latest
    assert (sector == 3) is False and isinstance(sector.eq(3), Filter)
    names = {latest: "close", latest.rank(): "rank", sector: "sector"}
    assert names[CLOSE.latest] == "close" and len({latest, CLOSE.latest, sector}) == 2


def test_a_filter_or_false_is_the_filter(data_dir):
    up = CLOSE.latest > 150
    frame = run(
        data_dir,
        {"up": up, "or_false": up | (CLOSE.latest == 0), "and_true": True & up},
        "2020-01-06",
        "2020-01-06",
    )
    assert frame["up"].tolist() == frame["or_false"].tolist() == frame["and_true"].tolist()
    assert frame["up"].tolist() == [False, True]


def test_a_one_session_window_may_read_a_rank(data_dir):
    class LastRank(CustomFactor):
        window_length = 1

        def compute(self, today, assets, out, rank):
            out[:] = rank[-1]

    frame = run(data_dir, {"r": LastRank(inputs=[CLOSE.latest.rank()])}, "2020-01-06", "2020-01-06")
    assert frame["r"].tolist() == [1.0, 2.0]


def test_a_rank_is_window_safe_as_in_zipline(data_dir):
    class MeanRank(CustomFactor):
        window_length = 3

        def compute(self, today, assets, out, ranks):
            out[:] = ranks.mean(axis=0)

    frame = run(data_dir, {"r": MeanRank(inputs=[CLOSE.latest.rank()])}, "2020-01-08", "2020-01-08")
    assert frame["r"].tolist() == [1.0, 2.0]


# ---- custom data is masked by the assets' lifetimes (zipline's DataFrameLoader) --------


class Score(DataSet):
    value = Column(float)


class Present(CustomFactor):
    inputs = [Score.value]
    window_length = 5

    def compute(self, today, assets, out, values):
        out[:] = (~np.isnan(values)).sum(axis=0)


def test_frame_values_before_an_assets_first_session_are_missing(data_dir):
    baseline = pd.DataFrame({"AAA": 1.0, "BBB": 2.0, "CCC": 3.0}, index=SESSIONS)
    frame = run(
        data_dir,
        {"present": Present(), "latest": Score.value.latest},
        "2020-02-06",
        "2020-02-06",
        loaders={Score.value: DataFrameLoader(Score.value, baseline)},
    )
    # The window of 2020-02-06 holds 01-31 ... 02-06; CCC is alive from 02-04 only.
    assert by_symbol(frame, "present", "2020-02-06") == {"AAA": 5.0, "BBB": 5.0, "CCC": 3.0}
    assert by_symbol(frame, "latest", "2020-02-06")["CCC"] == 3.0


def test_file_values_before_an_assets_first_session_are_missing(data_dir, tmp_path_factory):
    rows = [f"{day},{symbol},1.0" for day in DAYS for symbol in ("AAA", "CCC")]
    csv = tmp_path_factory.mktemp("scores") / "scores.csv"
    csv.write_text("date,symbol,value\n" + "\n".join(rows) + "\n")
    frame = run(
        data_dir,
        {"present": Present()},
        "2020-02-06",
        "2020-02-06",
        loaders={Score: FilesLoader(csv)},
    )
    assert by_symbol(frame, "present", "2020-02-06") == {"AAA": 5.0, "BBB": 0.0, "CCC": 3.0}


def test_a_missing_loader_names_both_ways_to_give_one(data_dir):
    with pytest.raises(ConfigError, match=r"loaders=\{Score: a loader\}.*custom_loader="):
        run(data_dir, {"s": Score.value.latest}, "2020-01-06", "2020-01-06")


# ---- string classifiers ---------------------------------------------------------------


class Sector(DataSet):
    name = Column(object)
    padded = Column(object, missing_value="")
    code = Column(np.int64, missing_value=-1)


@pytest.fixture
def sectors() -> dict:
    names = pd.DataFrame({"AAA": "tech", "BBB": "finance", "CCC": "biotech"}, index=SESSIONS)
    names = names.astype(object)
    names.loc["2020-02-07", "BBB"] = None
    padded = names.fillna("")
    return {
        Sector.name: DataFrameLoader(Sector.name, names),
        Sector.padded: DataFrameLoader(Sector.padded, padded),
    }


def test_string_classifier_predicates(data_dir, sectors):
    name = Sector.name.latest
    columns = {
        "eq": name.eq("tech"),
        "ne": name != "tech",
        "starts": name.startswith("fi"),
        "ends": name.endswith("ech"),
        "has": name.has_substring("an"),
        "matches": name.matches(r"b.o"),
        "element_of": name.element_of(["tech", "biotech"]),
        "null": name.isnull(),
        "peers": name.peer_count(),
        "relabeled": name.relabel(lambda label: label[0]).eq("f"),
    }
    frame = run(data_dir, columns, "2020-02-06", "2020-02-07", loaders=sectors)
    expected = {
        "eq": [True, False, False],
        "ne": [False, True, True],
        "starts": [False, True, False],
        "ends": [True, False, True],
        "has": [False, True, False],
        "matches": [False, False, True],
        "element_of": [True, False, True],
        "null": [False, False, False],
        "peers": [1.0, 1.0, 1.0],
        "relabeled": [False, True, False],
    }
    for column, values in expected.items():
        assert list(by_symbol(frame, column, "2020-02-06").values()) == values, column
    # A missing label matches nothing, is null and has no peers.
    missing = frame.xs(pd.Timestamp("2020-02-07"), level=0).iloc[1]
    assert not missing[["eq", "ne", "starts", "ends", "has", "matches", "element_of"]].any()
    assert missing["null"] and np.isnan(missing["peers"])


def test_string_classifier_output_is_categorical_as_zipline_gives_it(data_dir, sectors):
    columns = {
        "name": Sector.name.latest,
        "padded": Sector.padded.latest,
        "initial": Sector.padded.latest.relabel(lambda label: label[:1]),
    }
    frame = run(data_dir, columns, "2020-02-06", "2020-02-07", loaders=sectors)
    assert frame["name"].dtype == "category"
    assert list(frame["name"].cat.categories) == ["biotech", "finance", "tech"]
    assert frame["name"].isna().tolist() == [False] * 4 + [True, False]
    # zipline's categories hold the missing value when it is not None.
    assert list(frame["padded"].cat.categories) == ["", "biotech", "finance", "tech"]
    assert frame["padded"].tolist()[3:] == ["tech", "", "biotech"]
    assert list(frame["initial"].cat.categories) == ["", "b", "f", "t"]
    chunked = run(data_dir, columns, "2020-02-06", "2020-02-07", loaders=sectors, chunksize=1)
    pd.testing.assert_frame_equal(chunked, frame)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Sector.name.latest.eq(3), "compares with a string"),
        (lambda: Sector.code.latest.eq("x"), "compares with a whole number"),
        (lambda: Sector.code.latest != "x", "compares with a whole number"),
        (lambda: Sector.name.latest.eq(None), "missing value"),
        (lambda: Sector.name.latest.element_of(["a", None]), "missing value"),
        (lambda: Sector.code.latest.element_of(["a"]), "must be whole numbers"),
        (lambda: Sector.code.latest.startswith("a"), "needs a string classifier"),
        (lambda: Sector.code.latest.relabel(str), "needs a string classifier"),
        (lambda: Sector.name.latest.matches(3), "takes a string"),
    ],
)
def test_bad_classifier_comparisons_raise_one_clear_error(build, message):
    with pytest.raises(StrategyError, match=message):
        build()


# ---- downsample and alias -------------------------------------------------------------


def test_downsample_computes_on_each_periods_first_session(data_dir):
    columns = {
        "monthly": CLOSE.latest.downsample("month_start"),
        "weekly": CLOSE.latest.downsample("week_start"),
    }
    frame = run(data_dir, columns, "2020-02-12", "2020-03-04")
    aaa = frame.xs(frame.index.get_level_values(1)[0], level=1)
    # Every February row is the value of 2020-02-03, every March row that of 2020-03-02.
    february = aaa.loc[:"2020-02-28", "monthly"]
    assert set(february) == {close_before("2020-02-03", 100.0)}
    assert set(aaa.loc["2020-03-02":, "monthly"]) == {close_before("2020-03-02", 100.0)}
    # Weeks start on Mondays (2020-02-17 is a holiday: that week starts on the 18th).
    assert aaa.loc["2020-02-19", "weekly"] == close_before("2020-02-18", 100.0)
    assert aaa.loc["2020-02-12", "weekly"] == close_before("2020-02-10", 100.0)
    chunked = run(data_dir, columns, "2020-02-12", "2020-03-04", chunksize=4)
    pd.testing.assert_frame_equal(chunked, frame)


def test_downsample_refuses_an_unknown_frequency():
    with pytest.raises(StrategyError, match="frequency 'daily' is not one of year_start"):
        CLOSE.latest.downsample("daily")


def test_alias_names_an_expression_without_changing_it(data_dir):
    spread = (CLOSE.latest - 1).alias("spread")
    frame = run(data_dir, {"spread": spread, "plain": CLOSE.latest - 1}, "2020-01-06", "2020-01-07")
    assert frame["spread"].tolist() == frame["plain"].tolist()
    assert spread.name == "spread" and "name='spread'" in repr(spread)


# ---- correlation and regression methods -----------------------------------------------


def test_statistics_methods_build_zipline_s_rolling_factors():
    returns = Returns(window_length=2)
    target = Returns(window_length=3)
    assert returns.pearsonr(target, 10) is RollingPearson(
        base_factor=returns, target=target, correlation_length=10
    )
    regression = returns.linear_regression(target, regression_length=10)
    assert regression is RollingLinearRegression(
        dependent=returns, independent=target, regression_length=10
    )
    assert type(returns.spearmanr(target, 10)).__name__ == "RollingSpearman"


def test_a_factor_correlates_perfectly_with_itself(data_dir):
    returns = Returns(window_length=2)
    frame = run(
        data_dir,
        {"r": returns.pearsonr(returns, 5), "s": returns.spearmanr(returns, 5)},
        "2020-01-14",
        "2020-01-14",
    )
    np.testing.assert_allclose(frame.to_numpy(), 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda r: r.pearsonr("SPY", 10), "target must be a factor"),
        (lambda r: r.spearmanr(r, 10.5), "correlation_length must be a whole number"),
        (lambda r: r.linear_regression(r, 10, mask=r), "mask must be a Filter"),
    ],
)
def test_statistics_methods_check_their_arguments(build, message):
    with pytest.raises(StrategyError, match=message):
        build(Returns(window_length=2))


# ---- the pipeline errors live in rustybt.errors ---------------------------------------


def test_pipeline_errors_are_importable_from_rustybt_errors():
    from rustybt.pipeline import attached

    for name in (
        "AttachPipelineAfterInitialize",
        "PipelineOutputDuringInitialize",
        "DuplicatePipelineName",
        "NoSuchPipeline",
    ):
        error = getattr(rustybt.errors, name)
        assert error is getattr(attached, name) and issubclass(error, StrategyError)
    assert issubclass(rustybt.errors.NoSuchPipeline, KeyError)
    assert str(rustybt.errors.NoSuchPipeline("no pipeline 'x'")) == "no pipeline 'x'"
