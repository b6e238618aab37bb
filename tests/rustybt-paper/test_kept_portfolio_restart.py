"""A paper session restarted from its checkpoint goes on with what its strategy kept of the
portfolio still live: the portfolio, its positions dict and a position object kept in
``context`` are the restarted session's own, as they were the first session's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from replayed_sessions import replay_session
from rustybt.live.journal import Journal

START, END = "2010-03-01", "2010-06-30"

KEEPER = Path(__file__).parents[1] / "differential" / "strategies" / "kept_portfolio_views.py"
"""The differential suite's strategy that trades on the live views it kept: there it gives
zipline's trades, here the same trades with restarts."""


def paper(workdir: Path, name: str, **options: object) -> dict:
    workdir.mkdir(exist_ok=True)
    strategy = workdir / "keeper.py"
    strategy.write_text(KEEPER.read_text().replace("from zipline.api", "from rustybt.api"))
    return replay_session(strategy, name, START, END, **options)


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
