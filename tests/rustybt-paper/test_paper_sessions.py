"""Paper sessions through the library: one set of books, and a polled feed that trades
exactly like a replay."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
from rustybt.data.sample_source import SampleDataSource
from rustybt.engine import BacktestConfig
from rustybt.engine.clock import ReplayClock
from rustybt.live import SessionParts, SessionSettings, paper_session, run_trading_session
from rustybt.live.config import TradingConfig
from rustybt.live.journal import Journal
from rustybt.operations.event_log import EventLogWriter
from rustybt.strategy_file import load_strategy
from rustybt_paper.broker import PaperBroker

STRATEGY = """
from rustybt.api import order_target_percent, symbol


def initialize(context):
    context.asset = symbol("MSFT")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    if context.days % 5 == 0:
        order_target_percent(context.asset, 0.5 if context.days % 10 else 0.1)
"""


def fills(state: Path) -> list[tuple]:
    journal = Journal(state)
    try:
        return [(f.symbol, f.amount, f.price, f.commission, f.dt) for f in journal.fills()]
    finally:
        journal.close()


def test_bars_polled_one_at_a_time_give_the_same_session_as_a_replay(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY)
    summaries = {}
    for feed in ("replay", "poll"):
        summaries[feed] = run_trading_session(
            strategy,
            config=TradingConfig(),
            log_file=tmp_path / f"{feed}.log",
            state_file=tmp_path / f"{feed}.sqlite",
            start="2010-03-01",
            end="2010-05-28",
            feed=feed,
            clock=ReplayClock(pd.Timestamp("2010-03-01", tz="UTC").value),
        )
    assert summaries["poll"].to_dict() | {"resumed_from": None} == summaries["replay"].to_dict()
    assert fills(tmp_path / "poll.sqlite") == fills(tmp_path / "replay.sqlite")
    assert len(fills(tmp_path / "replay.sqlite")) >= 5


def test_a_paper_session_keeps_one_ledger_and_one_order_book(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY)
    broker = PaperBroker()
    journal = Journal(tmp_path / "state.sqlite")
    events = EventLogWriter(tmp_path / "events.log")
    try:
        session = paper_session(
            SessionParts(
                algorithm=load_strategy(strategy),
                source=SampleDataSource(),
                config=BacktestConfig(start="2010-03-01", end="2010-04-30"),
                journal=journal,
                events=events,
                time=ReplayClock(pd.Timestamp("2010-03-01", tz="UTC").value),
                settings=SessionSettings(),
            ),
            broker,
        )
        assert session.engine.execution is broker
        assert broker.books is session.engine.books
        summary = session.run()
    finally:
        journal.close()
        events.close()
    assert summary.fills >= 4
    assert broker.positions() == summary.positions
    assert broker.balances()["USD"].total == summary.cash
    placed = [order for order in broker.books.orders.touched.values()]
    assert all(broker.get_order(order_id=order.id) is not None for order in placed)


def test_get_environment_says_live_in_a_paper_session(tmp_path: Path) -> None:
    seen = tmp_path / "environment.txt"
    strategy = tmp_path / "strategy.py"
    strategy.write_text(
        textwrap.dedent(f"""
            from pathlib import Path
            from rustybt.api import get_environment


            def initialize(context):
                arena, end = get_environment("arena"), get_environment("end")
                Path({str(seen)!r}).write_text(f"{{arena}},{{end}}")
        """)
    )
    run_trading_session(
        strategy,
        config=TradingConfig(),
        log_file=tmp_path / "session.log",
        state_file=tmp_path / "state.sqlite",
        start="2010-03-01",
        end="2010-03-05",
        clock=ReplayClock(pd.Timestamp("2010-03-01", tz="UTC").value),
    )
    assert seen.read_text() == "live,2010-03-05 21:00:00+00:00"
