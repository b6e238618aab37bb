"""`rustybt analyze-uptime` on the log of a replay killed and resumed from its state file.

A resumed replay goes on from the simulated time it had reached, so its ``engine_started``
and every later event carry that time, not the replay's ``--start``: the restart is counted
in the right window and a log begun at the resume shows no outage before it. (Logs of
versions that stamped the ``--start`` are put right by the reader.)"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

DAILY_TRADER = """
from rustybt.api import order_target_percent, symbol


def initialize(context):
    context.asset = symbol("AAPL")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    order_target_percent(context.asset, 0.9 if context.days % 3 else 0.3)
"""


def replay(tmp_path: Path, *speed: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rustybt",
        "paper-trade",
        *("--strategy", str(tmp_path / "trader.py"), "--broker", "paper", "--replay"),
        *("--start", "2011-01-03", "--end", "2011-02-28", "--heartbeat-interval", "3600"),
        *speed,
        *("--state", "s.sqlite", "--log-file", "s.log", "--output", "json"),
    ]


def checkpointed(state: Path) -> bool:
    """Whether the session in ``state`` has checkpointed a trading day after its first."""
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=0.05) as db:
            row = db.execute(
                "SELECT (SELECT value FROM meta WHERE key = 'first_bar_time'), bar_time"
                " FROM checkpoints"
            ).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[1] > row[0]


def analyze(tmp_path: Path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "rustybt", "analyze-uptime", *args, "--output", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Timestamp, int]:
    """A replay at a day per second killed (SIGKILL) after its second day's checkpoint and
    resumed at full speed to the end: the directory, the resumed-from time, and how many
    log lines the killed run wrote."""
    tmp_path = tmp_path_factory.mktemp("resumed")
    (tmp_path / "trader.py").write_text(DAILY_TRADER)
    killed = subprocess.Popen(
        replay(tmp_path, "--speed", "86400"),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not checkpointed(tmp_path / "s.sqlite") and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(1.5)  # another day and a half of heartbeats past the checkpoint
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    lines_killed = len((tmp_path / "s.log").read_text().splitlines())
    finished = subprocess.run(
        replay(tmp_path), capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    resumed_from = json.loads(finished.stdout)["resumed_from"]
    assert resumed_from is not None
    return tmp_path, pd.Timestamp(resumed_from), lines_killed


def test_the_restart_counts_in_a_window_after_the_replay_start(
    resumed: tuple[Path, pd.Timestamp, int],
) -> None:
    tmp_path, resumed_from, _ = resumed
    since = (resumed_from - pd.Timedelta(hours=1)).isoformat()

    report = analyze(tmp_path, "--log-file", "s.log", "--since", since)

    assert report["restarts"] == 1
    assert report["downtime_periods"] == []
    assert report["uptime_percent"] == 100.0


def test_a_log_begun_at_the_resume_shows_no_outage_before_it(
    resumed: tuple[Path, pd.Timestamp, int],
) -> None:
    tmp_path, resumed_from, lines_killed = resumed
    lines = (tmp_path / "s.log").read_text().splitlines(keepends=True)
    (tmp_path / "resumed.log").write_text("".join(lines[lines_killed:]))

    report = analyze(tmp_path, "--log-file", "resumed.log", "--since", "2011-01-01")

    assert pd.Timestamp(report["window"]["start"]) >= resumed_from
    assert report["downtime_periods"] == []
    assert report["uptime_percent"] == 100.0


def test_the_resumed_run_stamps_its_events_from_where_it_stopped(
    resumed: tuple[Path, pd.Timestamp, int],
) -> None:
    tmp_path, resumed_from, lines_killed = resumed
    lines = (tmp_path / "s.log").read_text().splitlines()
    stamps = [pd.Timestamp(json.loads(line)["ts"]) for line in lines[lines_killed:]]
    started = json.loads(lines[lines_killed])

    assert started["event"] == "engine_started"
    assert stamps[0] >= resumed_from
    assert stamps == sorted(stamps)
