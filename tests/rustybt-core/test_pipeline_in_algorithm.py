"""Pipelines in algorithms: ``attach_pipeline`` in ``initialize``, ``pipeline_output`` from
``before_trading_start`` on, each session's row made from the bars up to the previous close,
holding the run's own assets, precomputed in zipline's chunks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import (
    attach_pipeline,
    get_datetime,
    order_target,
    pipeline_output,
    symbol,
)
from rustybt.backtest import run_algorithm, run_backtest
from rustybt.calendars import get_calendar
from rustybt.data.sample_source import SampleDataSource
from rustybt.errors import StrategyError
from rustybt.pipeline import CustomFactor, Pipeline
from rustybt.pipeline.data import Column, DataSet, EquityPricing
from rustybt.pipeline.loaders import DataFrameLoader

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
SESSION_COUNT = 30
FIRST_RUN_SESSION = 5
"""The run starts on the sixth session written: every asset then has bars before it."""


def sessions(count: int) -> pd.DatetimeIndex:
    """The first ``count`` XNYS sessions from 2024-01-02, where the ``bar_dir`` bars begin."""
    return get_calendar("XNYS").sessions("2024-01-02", "2024-12-31")[:count].tz_localize(None)


def walks() -> dict[str, list[float]]:
    """One random walk of closes per symbol, crossing each other often."""
    rng = np.random.default_rng(20)
    steps = rng.normal(0, 4, size=(SESSION_COUNT, len(SYMBOLS)))
    closes = 100 + np.cumsum(steps, axis=0)
    return {s: [round(float(c), 2) for c in closes[:, k]] for k, s in enumerate(SYMBOLS)}


class LastClose(CustomFactor):
    inputs = (EquityPricing.close,)
    window_length = 1

    def compute(self, today, assets, out, close):
        out[:] = close[-1]


def top_two() -> Pipeline:
    last = LastClose()
    return Pipeline(columns={"last": last}, screen=last.top(2))


@pytest.fixture
def walk_dir(bar_dir: Callable[..., Path]) -> Path:
    """The walks as a files source directory, one CSV per symbol."""
    for name, closes in walks().items():
        directory = bar_dir(name, closes)
    return directory


def backtest(directory: Path, **functions):
    days = sessions(SESSION_COUNT)
    return run_backtest(
        TradingAlgorithm(**functions),
        start=days[FIRST_RUN_SESSION],
        end=days[-1],
        source="files",
        data_dir=directory,
    )


def expected_picks() -> dict[pd.Timestamp, set[str]]:
    """Per run session, the two symbols with the highest close on the session before."""
    closes = pd.DataFrame(walks(), index=sessions(SESSION_COUNT))
    before = closes.shift(1).iloc[FIRST_RUN_SESSION:]
    return {day: set(row.nlargest(2).index) for day, row in before.iterrows()}


def rebalance_to_picks(context, data) -> None:
    """Hold 10 shares of each asset the pipeline picked today, nothing else."""
    picks = set(pipeline_output("top").index)
    for asset in context.portfolio.positions:
        if asset not in picks:
            order_target(asset, 0)
    for asset in picks:
        if asset not in context.portfolio.positions:
            order_target(asset, 10)


def orders_by_session(frame: pd.DataFrame) -> dict[pd.Timestamp, dict[str, int]]:
    """The orders each session's strategy code placed: symbol -> amount."""
    placed = {}
    for close, orders in frame["orders"].items():
        day = close.normalize()
        placed[day.tz_localize(None)] = {
            o["sid"].symbol: o["amount"] for o in orders if o["created"].normalize() == day
        }
    return placed


def test_the_top_two_by_last_close_drive_the_orders_session_by_session(walk_dir: Path) -> None:
    def initialize(context):
        pipeline = top_two()
        assert attach_pipeline(pipeline, "top") is pipeline

    result = backtest(walk_dir, initialize=initialize, handle_data=rebalance_to_picks)

    expected, held = {}, set()
    for day, picks in expected_picks().items():
        expected[day] = {s: -10 for s in held - picks} | {s: 10 for s in picks - held}
        held = picks
    assert orders_by_session(result.frame) == expected
    assert sum(len(orders) for orders in expected.values()) > 10  # the picks do change


def test_the_output_holds_the_runs_own_assets_and_the_previous_close(walk_dir: Path) -> None:
    seen = {}

    def initialize(context):
        attach_pipeline(top_two(), "top")

    def before_trading_start(context, data):
        output = pipeline_output("top")
        seen[get_datetime().normalize().tz_localize(None)] = output
        assert all(asset is symbol(asset.symbol) for asset in output.index)

    backtest(walk_dir, initialize=initialize, before_trading_start=before_trading_start)

    closes = pd.DataFrame(walks(), index=sessions(SESSION_COUNT))
    previous = dict(zip(closes.index[1:], closes.index[:-1], strict=True))
    for day, picks in expected_picks().items():
        last = seen[day]["last"]
        # Prices are read as zipline reads its stored thousandths: n * 0.001.
        assert {a.symbol: v for a, v in last.items()} == {
            s: np.round(closes.at[previous[day], s] * 1000) * 0.001 for s in picks
        }


class VolumeSurge(CustomFactor):
    """Yesterday's volume over the day before's (volumes are unadjusted by dividends, and
    the sample has no split in 2010)."""

    inputs = (EquityPricing.volume,)
    window_length = 2

    def compute(self, today, assets, out, volume):
        out[:] = volume[-1] / volume[-2]


def test_a_pipeline_over_the_sample_source_picks_from_every_listed_symbol() -> None:
    def initialize(context):
        surge = VolumeSurge()
        attach_pipeline(Pipeline(columns={"surge": surge}, screen=surge.top(2)), "top")

    result = run_backtest(
        TradingAlgorithm(initialize=initialize, handle_data=rebalance_to_picks),
        start="2010-03-01",
        end="2010-04-30",
    )

    bars = SampleDataSource().fetch_bars(
        ["AAPL", "GOOG", "IBM", "MSFT", "^GSPC"], "2010-02-20", "2010-04-30", "1d"
    )
    volumes = bars.pivot(index="timestamp", columns="symbol", values="volume")
    volumes.index = volumes.index.tz_localize(None)
    surge = (volumes / volumes.shift(1)).shift(1).loc["2010-03-01":]
    expected, held = {}, set()
    for day, row in surge.iterrows():
        picks = set(row.nlargest(2).index)
        expected[day] = {s: -10 for s in held - picks} | {s: 10 for s in picks - held}
        held = picks
    assert orders_by_session(result.frame) == expected
    assert {s for orders in expected.values() for s in orders} >= {"AAPL", "GOOG", "IBM"}


def outputs_by_session(directory: Path, **attach_keywords) -> dict[pd.Timestamp, pd.DataFrame]:
    """The pipeline's output of every session, attached with ``attach_keywords``."""
    seen = {}

    def initialize(context):
        last = LastClose()
        pipeline = Pipeline(columns={"last": last, "rank": last.rank()}, screen=last.top(3))
        attach_pipeline(pipeline, "p", **attach_keywords)

    def before_trading_start(context, data):
        seen[get_datetime().normalize()] = pipeline_output("p")

    backtest(directory, initialize=initialize, before_trading_start=before_trading_start)
    return seen


def test_every_chunking_gives_the_same_output(walk_dir: Path) -> None:
    default = outputs_by_session(walk_dir)
    assert len(default) == SESSION_COUNT - FIRST_RUN_SESSION
    for chunks in (1, 0, 200, iter([2, 9, 1, 50])):
        chunked = outputs_by_session(walk_dir, chunks=chunks)
        assert chunked.keys() == default.keys()
        for day, output in default.items():
            pd.testing.assert_frame_equal(chunked[day], output)


def sessions_computed_by_each_session(directory: Path, **attach_keywords) -> list[int]:
    """How many sessions the pipeline had computed when each session's
    before_trading_start ran."""
    computed: list[object] = []
    counts = []

    class Seen(CustomFactor):
        inputs = (EquityPricing.close,)
        window_length = 1

        def compute(self, today, assets, out, close):
            computed.append(today)
            out[:] = 1.0

    def initialize(context):
        attach_pipeline(Pipeline(columns={"seen": Seen()}), "seen", **attach_keywords)

    def before_trading_start(context, data):
        counts.append(len(computed))

    backtest(directory, initialize=initialize, before_trading_start=before_trading_start)
    return counts


def test_the_default_chunks_are_six_sessions_then_127_clipped_to_the_end(walk_dir: Path) -> None:
    run_length = SESSION_COUNT - FIRST_RUN_SESSION
    assert sessions_computed_by_each_session(walk_dir) == [6] * 6 + [run_length] * (run_length - 6)
    assert sessions_computed_by_each_session(walk_dir, chunks=1) == [
        min(2 * (k // 2 + 1), run_length) for k in range(run_length)
    ]


def test_a_lazy_pipeline_is_computed_only_when_asked_for(walk_dir: Path) -> None:
    assert set(sessions_computed_by_each_session(walk_dir, eager=False)) == {0}


# -- mistakes, each one clear line -------------------------------------------------------------


def test_pipeline_output_in_initialize_says_where_it_works(walk_dir: Path) -> None:
    def initialize(context):
        attach_pipeline(top_two(), "top")
        pipeline_output("top")

    with pytest.raises(
        StrategyError,
        match=r"pipeline_output\('top'\) was called in initialize, before any session's output "
        r"exists: call it in before_trading_start or handle_data$",
    ):
        backtest(walk_dir, initialize=initialize)


def test_an_unknown_pipeline_name_lists_the_attached_ones(walk_dir: Path) -> None:
    def initialize(context):
        attach_pipeline(top_two(), "top")

    def handle_data(context, data):
        pipeline_output("tops")

    with pytest.raises(
        StrategyError,
        match=r"pipeline_output\('tops'\): no pipeline of that name is attached \(attached: "
        r"'top'\); attach it in initialize with attach_pipeline\(pipeline, 'tops'\)$",
    ):
        backtest(walk_dir, initialize=initialize, handle_data=handle_data)


def test_no_such_pipeline_is_a_key_error_as_in_zipline() -> None:
    from rustybt.pipeline.attached import NoSuchPipeline

    algorithm = TradingAlgorithm()
    algorithm.finish_setup()
    with pytest.raises(KeyError) as raised:
        algorithm.pipeline_output("missing")
    assert isinstance(raised.value, NoSuchPipeline)
    assert str(raised.value).startswith("pipeline_output('missing'): no pipeline")


@pytest.mark.parametrize(
    ("attach", "message"),
    [
        (
            lambda: [attach_pipeline(top_two(), "top"), attach_pipeline(top_two(), "top")],
            r"attach_pipeline: a pipeline named 'top' is already attached; give this one "
            r"another name$",
        ),
        (
            lambda: attach_pipeline(LastClose(), "top"),
            r"attach_pipeline takes a Pipeline first, got LastClose",
        ),
        (
            lambda: attach_pipeline(top_two(), 7),
            r"attach_pipeline: the name must be a string, got 7;",
        ),
        (
            lambda: attach_pipeline(top_two(), "top", chunks=-1),
            r"attach_pipeline\('top'\): chunks must be a number of sessions \(0 or more\) or "
            r"an iterable of them, got -1$",
        ),
    ],
)
def test_a_wrong_attach_pipeline_says_what_is_wrong(walk_dir: Path, attach, message) -> None:
    with pytest.raises(StrategyError, match=message):
        backtest(walk_dir, initialize=lambda context: attach())


def test_chunks_that_run_out_say_so(walk_dir: Path) -> None:
    def initialize(context):
        attach_pipeline(top_two(), "top", chunks=[3])

    with pytest.raises(
        StrategyError, match=r"attach_pipeline\('top'\): its chunks gave None at 2024-01-16"
    ):
        backtest(walk_dir, initialize=initialize)


def test_attach_pipeline_after_initialize_is_refused(walk_dir: Path) -> None:
    def before_trading_start(context, data):
        attach_pipeline(top_two(), "late")

    with pytest.raises(StrategyError, match=r"attach_pipeline can only be called in initialize"):
        backtest(walk_dir, initialize=lambda c: None, before_trading_start=before_trading_start)


# -- entry points ------------------------------------------------------------------------------

STRATEGY_FILE = """
from rustybt.api import attach_pipeline, order_target, pipeline_output
from rustybt.pipeline import CustomFactor, Pipeline
from rustybt.pipeline.data import USEquityPricing


class LastClose(CustomFactor):
    inputs = [USEquityPricing.close]
    window_length = 1

    def compute(self, today, assets, out, close):
        out[:] = close[-1]


def initialize(context):
    last = LastClose()
    attach_pipeline(Pipeline(columns={"last": last}, screen=last.top(2)), "top")


def handle_data(context, data):
    picks = set(pipeline_output("top").index)
    for asset in context.portfolio.positions:
        if asset not in picks:
            order_target(asset, 0)
    for asset in picks:
        if asset not in context.portfolio.positions:
            order_target(asset, 10)
"""


def test_a_strategy_file_using_a_pipeline_runs_as_the_functions_do(
    walk_dir: Path, tmp_path: Path
) -> None:
    strategy = tmp_path / "top_two.py"
    strategy.write_text(STRATEGY_FILE)
    days = sessions(SESSION_COUNT)
    from_file = run_backtest(
        strategy, start=days[FIRST_RUN_SESSION], end=days[-1], source="files", data_dir=walk_dir
    )

    def initialize(context):
        attach_pipeline(top_two(), "top")

    from_functions = backtest(walk_dir, initialize=initialize, handle_data=rebalance_to_picks)
    assert orders_by_session(from_file.frame) == orders_by_session(from_functions.frame)
    assert from_file.ending_value == from_functions.ending_value


class Signal(DataSet):
    score = Column(float)


def test_run_algorithm_passes_custom_loader_to_the_pipeline(walk_dir: Path) -> None:
    days = sessions(SESSION_COUNT)
    scores = pd.DataFrame(
        np.random.default_rng(3).permuted(np.tile(np.arange(4.0), (SESSION_COUNT, 1)), axis=1),
        index=days,
        columns=list(SYMBOLS),
    )

    def initialize(context):
        score = Signal.score.latest
        attach_pipeline(Pipeline(columns={"score": score}, screen=score.top(1)), "best")

    def handle_data(context, data):
        best = pipeline_output("best").index[0]
        order_target(best, 10)
        for asset in context.portfolio.positions:
            if asset != best:
                order_target(asset, 0)

    frame = run_algorithm(
        start=days[FIRST_RUN_SESSION],
        end=days[-1],
        initialize=initialize,
        handle_data=handle_data,
        source="files",
        data_dir=walk_dir,
        custom_loader={Signal.score: DataFrameLoader(Signal.score, scores)},
    )

    bought = {
        day: {s for s, amount in o.items() if amount > 0}
        for day, o in orders_by_session(frame).items()
    }
    best = scores.idxmax(axis=1)
    held = None
    for day in days[FIRST_RUN_SESSION:]:
        assert bought[day] == ({best[day]} if best[day] != held else set())
        held = best[day]
