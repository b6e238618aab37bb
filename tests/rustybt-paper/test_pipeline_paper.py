"""Pipelines in paper sessions: each session's output is computed at its start from the
source, agrees with a backtest's chunked output, and is computed again alike after a restart
from a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from replayed_sessions import replay_session
from rustybt.backtest import run_backtest
from rustybt.live.journal import Journal

START, END = "2010-03-01", "2010-04-30"

TRADER = """
from pathlib import Path

from rustybt.api import attach_pipeline, get_datetime, order_target, pipeline_output
from rustybt.pipeline import CustomFactor, Pipeline
from rustybt.pipeline.data import EquityPricing


class VolumeSurge(CustomFactor):
    inputs = [EquityPricing.volume]
    window_length = 2

    def compute(self, today, assets, out, volume):
        out[:] = volume[-1] / volume[-2]


def initialize(context):
    surge = VolumeSurge()
    attach_pipeline(Pipeline(columns={"surge": surge}, screen=surge.top(2)), "top")


def before_trading_start(context, data):
    picks = " ".join(sorted(a.symbol for a in pipeline_output("top").index))
    with Path(__file__).with_name("picks.txt").open("a") as seen:
        seen.write(f"{get_datetime().date()} {picks}\\n")


def handle_data(context, data):
    picks = set(pipeline_output("top").index)
    for asset in context.portfolio.positions:
        if asset not in picks:
            order_target(asset, 0)
    for asset in picks:
        if asset not in context.portfolio.positions:
            order_target(asset, 10)
"""
"""Holds 10 shares of the two listed symbols whose volume rose most the session before;
writes each session's picks to ``picks.txt`` beside it."""


def write_trader(workdir: Path) -> Path:
    workdir.mkdir(exist_ok=True)
    trader = workdir / "trader.py"
    trader.write_text(TRADER)
    return trader


def picks(workdir: Path) -> dict[str, str]:
    """Each session's picks (a session redone after a restart: its last line)."""
    lines = (workdir / "picks.txt").read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines)


def paper(workdir: Path, name: str, **options: object) -> dict:
    return replay_session(write_trader(workdir), name, START, END, **options)


def fills(state: Path) -> list[tuple]:
    """Each journaled fill, its id without the state file's own prefix."""
    journal = Journal(state)
    try:
        return [
            (f.fill_id.partition("-")[2], f.symbol, f.amount, f.price, f.dt)
            for f in journal.fills()
        ]
    finally:
        journal.close()


def test_a_paper_session_picks_what_the_backtest_picks(tmp_path: Path) -> None:
    paper(tmp_path / "paper", "paper")
    run_backtest(write_trader(tmp_path / "backtest"), start=START, end=END)

    assert picks(tmp_path / "paper") == picks(tmp_path / "backtest")
    assert len(set(picks(tmp_path / "paper").values())) > 3  # the picks do change


def test_a_polled_session_computes_the_same_picks_from_its_fresh_bars(tmp_path: Path) -> None:
    paper(tmp_path / "replay", "replay")
    paper(tmp_path / "poll", "poll", feed="poll")

    assert picks(tmp_path / "poll") == picks(tmp_path / "replay")
    assert fills(tmp_path / "poll" / "poll.sqlite") == fills(tmp_path / "replay" / "replay.sqlite")


def test_a_session_restarted_from_its_checkpoint_computes_the_same_output(tmp_path: Path) -> None:
    clean = paper(tmp_path / "clean", "clean")
    stopped = paper(tmp_path / "restarted", "paper", duration=pd.Timedelta(days=20))
    resumed = paper(tmp_path / "restarted", "paper")

    assert stopped["stopped"] == "duration reached"
    assert resumed["resumed_from"] == stopped["last_bar"]
    assert picks(tmp_path / "restarted") == picks(tmp_path / "clean")
    assert resumed["positions"] == clean["positions"] and resumed["cash"] == clean["cash"]
    assert fills(tmp_path / "restarted" / "paper.sqlite") == fills(
        tmp_path / "clean" / "clean.sqlite"
    )
