"""A custom dataset can name its own loader, so a strategy file that reads it runs as it is
(``rustybt run -f strategy.py``): no ``custom_loader=`` to pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from rustybt.backtest import run_backtest
from rustybt.calendars import get_calendar

SESSIONS = get_calendar("XNYS").sessions("2020-01-02", "2020-01-31")

STRATEGY = """
from pathlib import Path

from rustybt.api import attach_pipeline, order_target, pipeline_output, record
from rustybt.pipeline import Pipeline
from rustybt.pipeline.data import Column, DataSet
from rustybt.pipeline.loaders import FilesLoader


class Ratings(DataSet):
    stars = Column(float)
    loader = FilesLoader(Path(__file__).parent / "ratings.csv")


def initialize(context):
    stars = Ratings.stars.latest
    attach_pipeline(Pipeline(columns={"stars": stars}, screen=stars.top(1)), "best")


def before_trading_start(context, data):
    best = pipeline_output("best")
    context.best = best.index[0] if len(best) else None


def handle_data(context, data):
    if context.best is not None:
        record(best=context.best.symbol)
        for asset in context.portfolio.positions:
            if asset != context.best:
                order_target(asset, 0)
        order_target(context.best, 10)
"""


def test_a_dataset_with_its_own_loader_drives_a_strategy_file(
    tmp_path: Path, write_bars: Callable[..., None]
) -> None:
    bars = tmp_path / "bars"
    bars.mkdir()
    closes, days = 50.0 + np.arange(len(SESSIONS)), SESSIONS.strftime("%Y-%m-%d")
    for symbol in ("AAA", "BBB"):
        write_bars(bars, symbol, closes, days=days, volume=1e6)
    (tmp_path / "ratings.csv").write_text(
        "date,symbol,stars\n2020-01-02,AAA,5\n2020-01-02,BBB,3\n2020-01-10,BBB,9\n"
    )
    strategy = tmp_path / "ratings_strategy.py"
    strategy.write_text(STRATEGY)

    result = run_backtest(
        strategy, start="2020-01-06", end="2020-01-17", source="files", data_dir=bars
    )

    best = result.frame["best"]
    # A rating dated D is known from the session after D.
    assert best.loc[:"2020-01-10"].eq("AAA").all()
    assert best.loc["2020-01-13":].eq("BBB").all()
    held = result.frame["positions"].iloc[-1]
    assert [(p["sid"].symbol, p["amount"]) for p in held] == [("BBB", 10)]
