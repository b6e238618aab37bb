"""A paper session restarted from its checkpoint goes on with what its strategy kept of the
portfolio still live: the portfolio, its positions dict and a position object kept in
``context`` are the restarted session's own, as they were the first session's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rustybt.engine.clock import ReplayClock
from rustybt.live import run_trading_session
from rustybt.live.config import TradingConfig
from rustybt.live.journal import Journal

START, END = "2010-03-01", "2010-06-30"

KEEPER = """
from rustybt.api import order, order_target, symbol


def initialize(context):
    context.asset = symbol("MSFT")
    context.kept_positions = context.portfolio.positions
    context.kept_portfolio = context.portfolio
    context.kept_position = None
    context.day = 0


def handle_data(context, data):
    context.day += 1
    context.portfolio  # brings what was kept up to date, as in zipline
    held = context.kept_positions.get(context.asset)
    if context.kept_position is None and held is not None:
        context.kept_position = held
    kept = context.kept_position
    if kept is not None and kept.amount >= 40:
        order_target(context.asset, 0)
        context.kept_position = None
    elif context.day % 3 == 0 and context.kept_portfolio.cash > 20_000:
        order(context.asset, 10)
"""
"""Buys 10 MSFT every third session and sells out at 40 shares, reading only what it kept
from ``initialize`` and from the session its position opened."""


def paper(workdir: Path, name: str, **options: object) -> dict:
    workdir.mkdir(exist_ok=True)
    strategy = workdir / "keeper.py"
    strategy.write_text(KEEPER)
    summary = run_trading_session(
        strategy,
        config=TradingConfig(),
        log_file=workdir / f"{name}.log",
        state_file=workdir / f"{name}.sqlite",
        start=START,
        end=END,
        clock=ReplayClock(pd.Timestamp(START, tz="UTC").value),
        **options,
    )
    return summary.to_dict()


def fills(state: Path) -> list[tuple]:
    journal = Journal(state)
    try:
        return [(f.fill_id.partition("-")[2], f.amount, f.price, f.dt) for f in journal.fills()]
    finally:
        journal.close()


def test_a_restarted_session_trades_on_the_live_views_its_strategy_kept(tmp_path: Path) -> None:
    paper(tmp_path / "clean", "clean")
    for days in (20, 45):  # stopped twice: once flat, once holding
        paper(tmp_path / "restarted", "paper", duration=pd.Timedelta(days=days))
    paper(tmp_path / "restarted", "paper")

    clean = fills(tmp_path / "clean" / "clean.sqlite")
    assert fills(tmp_path / "restarted" / "paper.sqlite") == clean
    assert sum(amount < 0 for _, amount, _, _ in clean) >= 2  # it did sell out, twice or more
