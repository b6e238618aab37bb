"""Heartbeats and checkpoints of a paper replay: a replay runs far ahead of the wall clock,
so it writes one heartbeat line standing for every heartbeat due since the last, and
checkpoints a few times a second instead of every session; `analyze-uptime` still counts
every heartbeat, and a session stopped or failing part-way resumes to the same end."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from rustybt.engine.clock import ReplayClock, WallClock
from rustybt.errors import StrategyCodeError
from rustybt.live import run_trading_session
from rustybt.live.config import TradingConfig
from rustybt.live.journal import Journal
from rustybt.live.session_clock import SessionClock, StopConditions
from rustybt.operations.event_log import EventLogWriter, read_event_log
from rustybt.operations.uptime import analyze_uptime

TRADER = """
from pathlib import Path

from rustybt.api import order_target_percent, symbol


def initialize(context):
    context.asset = symbol("MSFT")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    order_target_percent(context.asset, 0.9 if context.days % 3 else 0.3)
    failing_on = Path(__file__).with_name("fail-on-day")
    if failing_on.exists() and context.days == int(failing_on.read_text()):
        failing_on.unlink()
        raise RuntimeError("a crash part-way")
"""
"""Trades every day; fails once on the day written to ``fail-on-day`` beside it."""

START, END = "2010-03-01", "2010-05-28"
HOUR = pd.Timedelta(hours=1)


def replay(workdir: Path, name: str, **options: object) -> dict:
    (workdir / "trader.py").write_text(TRADER)
    summary = run_trading_session(
        workdir / "trader.py",
        config=TradingConfig(),
        log_file=workdir / f"{name}.log",
        state_file=workdir / f"{name}.sqlite",
        start=START,
        end=END,
        **options,
    )
    return summary.to_dict()


def events(log: Path, name: str) -> list[dict]:
    return [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == name]


def beats_of(line: dict) -> list[pd.Timestamp]:
    """The heartbeats one line stands for: itself, or ``beats`` of them from ``since``."""
    if "beats" not in line:
        return [pd.Timestamp(line["ts"])]
    since = pd.Timestamp(line["since"])
    return [since + k * HOUR for k in range(line["beats"])]


def fills(state: Path) -> list[tuple]:
    """Each journaled fill, its id without the state file's own prefix."""
    journal = Journal(state)
    try:
        return [
            (f.fill_id.partition("-")[2], f.symbol, f.amount, f.price, f.commission, f.dt)
            for f in journal.fills()
        ]
    finally:
        journal.close()


def outcome(summary: dict) -> dict:
    """What a session ended with, its order ids without the state file's own prefix."""
    return summary | {
        "resumed_from": None,
        "open_orders": [order.partition("-")[2] for order in summary["open_orders"]],
    }


def test_a_replay_writes_few_heartbeat_lines_that_stand_for_every_hourly_beat(
    tmp_path: Path,
) -> None:
    replay(tmp_path, "paper")

    lines = events(tmp_path / "paper.log", "heartbeat")
    beats = [beat for line in lines for beat in beats_of(line)]
    sessions = len(pd.bdate_range(START, END))
    assert len(lines) < sessions / 4
    assert beats[0] == pd.Timestamp(START, tz="UTC")
    assert {b - a for a, b in itertools.pairwise(beats)} == {HOUR}
    assert beats[-1] >= pd.Timestamp(END, tz="UTC") + pd.Timedelta(hours=20)
    assert all(pd.Timestamp(line["since"]) < pd.Timestamp(line["ts"]) for line in lines[1:])
    report = analyze_uptime(read_event_log([tmp_path / "paper.log"]))
    assert (report.uptime_percent, report.downtime) == (100.0, ())


def test_a_summarized_heartbeat_vouches_from_its_since_and_a_gap_before_it_is_downtime(
    tmp_path: Path,
) -> None:
    start = pd.Timestamp("2024-01-01", tz="UTC")
    now = [start]
    with EventLogWriter(tmp_path / "engine.log", clock=lambda: now[0].to_pydatetime()) as log:
        log.log("engine_started", mode="paper", strategy="s.py", heartbeat_interval=3600)
        for since, beats in ((1, 10), (20, 11)):
            now[0] = start + (since + beats - 1) * HOUR
            log.log(
                "heartbeat",
                portfolio_value="100000",
                open_orders=0,
                last_bar=None,
                beats=beats,
                since=(start + since * HOUR).isoformat(),
            )

    report = analyze_uptime(read_event_log([tmp_path / "engine.log"]))

    [gap] = report.downtime
    assert (gap.start, gap.end, gap.cause) == (
        start + 10 * HOUR,
        start + 20 * HOUR,
        "heartbeat gap",
    )


def test_in_real_time_every_heartbeat_is_a_line_of_its_own() -> None:
    wall = WallClock()
    clock = SessionClock(wall, heartbeat_interval=0.05, stop=StopConditions(wall))
    lines: list[int] = []
    clock.heartbeat = lambda beats, first_ns: lines.append(beats)

    assert clock.advance_to(time.time_ns() + 300_000_000)

    assert len(lines) >= 5 and set(lines) == {1}


def test_a_replay_clock_counts_the_beats_due_and_logs_them_when_asked() -> None:
    start = pd.Timestamp("2024-01-01", tz="UTC").value
    replayed = ReplayClock(start)
    clock = SessionClock(
        replayed, heartbeat_interval=3600, stop=StopConditions(replayed), simulated=True
    )
    lines: list[tuple[int, int]] = []
    clock.heartbeat = lambda beats, first_ns: lines.append((beats, first_ns))

    assert clock.advance_to(start + 2 * 86_400 * 10**9)
    assert lines == []
    clock.flush_heartbeats()

    assert lines == [(49, start)]


def test_an_instant_replay_stops_before_a_bar_once_there_is_a_reason_or_its_duration_is_over(
    tmp_path: Path,
) -> None:
    day = 86_400 * 10**9
    start = pd.Timestamp("2024-01-01", tz="UTC").value
    bar_times = [start + k * day for k in range(1, 11)]

    def instant_clock(**stop: object) -> SessionClock:
        replayed = ReplayClock(start)
        conditions = StopConditions(replayed, **stop)  # type: ignore[arg-type]
        return SessionClock(replayed, heartbeat_interval=3600, stop=conditions, simulated=True)

    assert list(instant_clock().bars(0, 10, bar_times)) == list(range(10))
    timed = instant_clock(duration=pd.Timedelta(days=4, hours=12))
    assert list(timed.bars(0, 10, bar_times)) == [0, 1, 2, 3]
    assert timed.stop.reason == "duration reached"
    switch = tmp_path / "kill"
    switch.touch()
    killed = instant_clock(kill_switch=switch)
    assert list(killed.bars(0, 10, bar_times)) == []
    assert killed.stop.reason == "kill switch"


def test_a_replay_stopped_by_its_duration_resumes_from_its_last_session(tmp_path: Path) -> None:
    uninterrupted = replay(tmp_path, "clean")

    stopped = replay(tmp_path, "paper", duration=pd.Timedelta(days=10))
    resumed = replay(tmp_path, "paper")

    assert stopped["stopped"] == "duration reached"
    assert pd.Timestamp(stopped["last_bar"]) == pd.Timestamp("2010-03-10", tz="UTC")
    assert resumed["resumed_from"] == stopped["last_bar"]
    assert outcome(resumed) == outcome(uninterrupted)
    assert fills(tmp_path / "paper.sqlite") == fills(tmp_path / "clean.sqlite")


def test_a_replay_that_fails_part_way_redoes_since_its_checkpoint_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    uninterrupted = replay(tmp_path, "clean")
    (tmp_path / "fail-on-day").write_text("40")

    with pytest.raises(StrategyCodeError, match="a crash part-way"):
        replay(tmp_path, "paper")
    resumed = replay(tmp_path, "paper")

    assert resumed["stopped"] == "completed" and resumed["resumed_from"] is not None
    assert outcome(resumed) == outcome(uninterrupted)
    assert fills(tmp_path / "paper.sqlite") == fills(tmp_path / "clean.sqlite")
    filled = [
        e["fill_id"].partition("-")[2] for e in events(tmp_path / "paper.log", "order_filled")
    ]
    assert sorted(filled) == sorted(fill[0] for fill in fills(tmp_path / "clean.sqlite"))
