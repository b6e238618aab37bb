"""`rustybt paper-trade`: the backtest's fills through the paper broker, surviving kills."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rustybt.backtest import run_backtest
from rustybt.data.sample_source import SampleDataSource
from rustybt.live.journal import Journal

REPO = Path(__file__).resolve().parents[2]

DAILY_TRADER = """
from rustybt.api import order_target_percent, record, symbol


def initialize(context):
    context.asset = symbol("AAPL")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    order_target_percent(context.asset, 0.9 if context.days % 3 else 0.3)
    record(days=context.days)
"""


def paper_trade_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rustybt", "paper-trade", "--broker", "paper", "--replay", *args]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rustybt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env=os.environ.copy(),
    )


def fill_tuples(state_file: Path) -> list[tuple[str, Decimal, Decimal, Decimal, str]]:
    journal = Journal(state_file)
    try:
        return [(f.symbol, f.amount, f.price, f.commission, f.dt) for f in journal.fills()]
    finally:
        journal.close()


@pytest.fixture
def spy_dir(tmp_path: Path) -> Path:
    """SPY bars for the seed's strategy: a proxy from the real S&P 500 index (^GSPC / 10)."""
    directory = tmp_path / "spy"
    directory.mkdir()
    bars = SampleDataSource().fetch_bars(["^GSPC"], "2010-01-01", "2012-12-31", "1d")
    for column in ("open", "high", "low", "close"):
        bars[column] = (bars[column] / 10).round(4)
    bars.assign(date=bars["timestamp"].dt.strftime("%Y-%m-%d"))[
        ["date", "open", "high", "low", "close", "volume"]
    ].to_csv(directory / "SPY.csv", index=False)
    return directory


def test_seed_strategy_paper_fills_equal_backtest_fills_order_by_order(
    tmp_path: Path, spy_dir: Path
) -> None:
    strategy = REPO / "examples" / "validation_strategy.py"
    start, end = "2011-08-01", "2011-09-30"
    result = run_cli(
        "paper-trade",
        "--strategy",
        str(strategy),
        "--broker",
        "paper",
        "--replay",
        "--start",
        start,
        "--end",
        end,
        "--source",
        "files",
        "--data-dir",
        str(spy_dir),
        "--state",
        "state.sqlite",
        "--log-file",
        "paper.log",
        "--output",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    backtest = run_backtest(strategy, start=start, end=end, source="files", data_dir=spy_dir)
    expected = [
        (t.asset.symbol, t.amount, t.price, t.commission, t.dt.isoformat())
        for t in backtest.transactions
    ]
    assert len(expected) >= 4
    assert fill_tuples(tmp_path / "state.sqlite") == expected
    assert Decimal(summary["portfolio_value"]) == backtest.ending_value
    assert Decimal(summary["cash"]) == backtest.ending_cash
    assert summary["fills"] == len(expected)


def test_a_replayed_month_logs_a_heartbeat_every_interval(tmp_path: Path) -> None:
    result = run_cli(
        "paper-trade",
        "--strategy",
        str(REPO / "examples" / "sma_crossover.py"),
        "--replay",
        "--start",
        "2011-03-01",
        "--end",
        "2011-03-31",
        "--heartbeat-interval",
        "3600",
        "--state",
        "s.sqlite",
        "--log-file",
        "logs/paper.log",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    events = [
        json.loads(line) for line in (tmp_path / "logs" / "paper.log").read_text().splitlines()
    ]
    assert events[0]["event"] == "engine_started" and events[-1]["event"] == "engine_stopped"
    assert events[-1]["reason"] == "completed"
    # A replay summarizes its heartbeats: each line stands for `beats` of them from `since`.
    lines = [e for e in events if e["event"] == "heartbeat"]
    beats = [
        pd.Timestamp(line.get("since", line["ts"])) + k * pd.Timedelta(hours=1)
        for line in lines
        for k in range(line.get("beats", 1))
    ]
    assert len(lines) < len(pd.bdate_range("2011-03-01", "2011-03-31"))
    gaps = {b - a for a, b in itertools.pairwise(beats)}
    assert gaps == {pd.Timedelta(hours=1)}
    assert beats[0] == pd.Timestamp("2011-03-01", tz="UTC")
    assert beats[-1] >= pd.Timestamp("2011-03-31 20:00", tz="UTC")
    uptime = run_cli("analyze-uptime", "--log-dir", "logs", "--output", "json", cwd=tmp_path)
    assert uptime.returncode == 0, uptime.stderr
    report = json.loads(uptime.stdout)
    assert report["uptime_percent"] == 100.0


def test_killed_at_random_points_and_restarted_it_ends_exactly_like_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    strategy = tmp_path / "daily_trader.py"
    strategy.write_text(DAILY_TRADER)
    # At 10,000,000× a session takes about 9 ms, so a paper session checkpoints every few
    # sessions and the kills land all through the year, not only at its start.
    span = (
        *("--start", "2011-01-03", "--end", "2011-12-30"),
        *("--heartbeat-interval", "86400", "--speed", "10000000"),
    )

    def command(state: str) -> list[str]:
        return paper_trade_command(
            "--strategy",
            str(strategy),
            *span,
            "--state",
            state,
            "--log-file",
            f"{state}.log",
            "--output",
            "json",
        )

    uninterrupted = subprocess.run(
        command("clean.sqlite"), capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = json.loads(uninterrupted.stdout)

    kills = 0
    for target in sorted(random.Random(20261124).sample(range(3, 245), 22)):
        process = subprocess.Popen(
            command("killed.sqlite"),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while process.poll() is None and _checkpoints(tmp_path / "killed.sqlite") < target:
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 20

    finished = subprocess.run(
        command("killed.sqlite"), capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    resumed = json.loads(finished.stdout)
    for key in ("portfolio_value", "cash", "positions", "fills", "first_bar", "last_bar"):
        assert resumed[key] == expected[key], key
    clean_fills = fill_tuples(tmp_path / "clean.sqlite")
    assert fill_tuples(tmp_path / "killed.sqlite") == clean_fills
    assert len(clean_fills) > 200
    # Each session's close is logged once, with the uninterrupted run's figures.
    clean_closes = session_closes(tmp_path / "clean.sqlite.log")
    assert len(clean_closes) == 252  # the NYSE sessions of 2011
    assert session_closes(tmp_path / "killed.sqlite.log") == clean_closes


def session_closes(log: Path) -> list[tuple[str, str, str]]:
    """Each (date, portfolio value, cash) the log's session_closed and sessions_closed
    lines record, in the order written."""
    closes = []
    for line in log.read_text().splitlines():
        event = json.loads(line) if line.startswith("{") and line.endswith("}") else {}
        if event.get("event") == "session_closed":
            closes.append((event["session"], event["portfolio_value"], event["cash"]))
        elif event.get("event") == "sessions_closed":
            closes += zip(event["sessions"], event["portfolio_values"], event["cash"], strict=True)
    return closes


def _checkpoints(state: Path) -> int:
    """How many trading days the session in ``state`` has checkpointed (0 before the first):
    the file keeps only the newest checkpoint, and the first bar's time in ``meta``."""
    if not state.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=0.05) as db:
            row = db.execute(
                "SELECT (SELECT value FROM meta WHERE key = 'first_bar_time'), bar_time"
                " FROM checkpoints"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return 0 if row is None else len(pd.bdate_range(row[0], row[1]))


def test_bad_inputs_are_one_line_errors_and_overwrite_nothing(tmp_path: Path) -> None:
    strategy = REPO / "examples" / "sma_crossover.py"
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    original = corrupt.read_bytes()
    base = [
        "paper-trade",
        "--strategy",
        str(strategy),
        "--replay",
        "--start",
        "2011-03-01",
        "--end",
        "2011-03-31",
    ]

    result = run_cli(*base, "--state", str(corrupt), "--log-file", "a.log", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: state file {corrupt} is not a RustyBT state file")
    assert corrupt.read_bytes() == original

    config = tmp_path / "paper_trading.yaml"
    config.write_text("broker:\n  type: paper\n  initial_capital: lots\n")
    result = run_cli(
        *base, "--config", str(config), "--state", "s.sqlite", "--log-file", "a.log", cwd=tmp_path
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"error: {config}: broker.initial_capital: expected a number, got 'lots' (line 3)",
    )

    result = run_cli(
        *base, "--state", "s.sqlite", "--log-file", "/proc/no/such/dir/a.log", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot write log file /proc/no/such/dir/a.log")
    assert "Traceback" not in result.stderr


def start_slow_session(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    """A year of daily bars replayed at a day per second, journaled to s.sqlite."""
    strategy = tmp_path / "daily_trader.py"
    strategy.write_text(DAILY_TRADER)
    return subprocess.Popen(
        paper_trade_command(
            "--strategy",
            str(strategy),
            "--start",
            "2011-01-03",
            "--end",
            "2011-12-30",
            "--speed",
            "86400",
            "--heartbeat-interval",
            "86400",
            *extra,
            "--state",
            "s.sqlite",
            "--log-file",
            "s.log",
            "--output",
            "json",
        ),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigterm_stops_cleanly_with_the_state_committed(tmp_path: Path) -> None:
    process = start_slow_session(tmp_path)
    while _checkpoints(tmp_path / "s.sqlite") < 3:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["stopped"] == "signal"
    last_event = json.loads((tmp_path / "s.log").read_text().splitlines()[-1])
    assert (last_event["event"], last_event["reason"]) == ("engine_stopped", "signal")
    assert summary["last_bar"] is not None and summary["fills"] == len(
        fill_tuples(tmp_path / "s.sqlite")
    )


def test_risk_limits_block_orders_with_a_logged_reason(tmp_path: Path) -> None:
    strategy = tmp_path / "daily_trader.py"
    strategy.write_text(DAILY_TRADER)
    config = tmp_path / "paper_trading.yaml"
    config.write_text("risk:\n  max_order_value: 5000\n")
    result = run_cli(
        "paper-trade",
        "--strategy",
        str(strategy),
        "--replay",
        "--config",
        str(config),
        "--start",
        "2011-03-01",
        "--end",
        "2011-03-31",
        "--state",
        "s.sqlite",
        "--log-file",
        "r.log",
        "--output",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["fills"] == 0
    rejected = [json.loads(line) for line in (tmp_path / "r.log").read_text().splitlines()]
    rejected = [e for e in rejected if e["event"] == "order_rejected"]
    assert rejected and "exceeds max_order_value 5000" in rejected[0]["reason"]


def test_a_state_file_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "paper-trade",
        "--strategy",
        str(REPO / "examples" / "sma_crossover.py"),
        "--replay",
        "--start",
        "2011-03-01",
        "--end",
        "2011-03-31",
        "--state",
        "nowhere/s.sqlite",
        "--log-file",
        "a.log",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: cannot use state file nowhere/s.sqlite: directory nowhere does not exist"
    )


@pytest.fixture
def webhook_inbox():
    """A loopback HTTP server collecting the JSON bodies POSTed to it."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Keep the test output clean."""

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_a_risk_breach_sends_an_alert(tmp_path: Path, webhook_inbox) -> None:
    url, received = webhook_inbox
    strategy = tmp_path / "daily_trader.py"
    strategy.write_text(DAILY_TRADER)
    config = tmp_path / "paper_trading.yaml"
    config.write_text(
        "risk:\n  max_order_value: 5000\n"
        f"alerts:\n  channels:\n    - {{type: webhook, name: ops, url: '{url}'}}\n"
    )
    result = run_cli(
        "paper-trade",
        "--strategy",
        str(strategy),
        "--replay",
        "--config",
        str(config),
        "--start",
        "2011-03-01",
        "--end",
        "2011-03-04",
        "--state",
        "s.sqlite",
        "--log-file",
        "r.log",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert len(received) == 1  # rate-limited per kind of alert
    assert "risk limit blocked an order" in json.dumps(received[0])


def test_test_broker_paper_shows_the_balance_and_a_filled_test_order(tmp_path: Path) -> None:
    result = run_cli("test-broker", "--broker", "paper", "--output", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    check = json.loads(result.stdout)
    order = check["test_order"]
    assert (order["symbol"], order["amount"], order["status"]) == ("AAPL", "1", "filled")
    [fill] = order["fills"]
    spent = Decimal(fill["price"]) + Decimal(fill["commission"])
    assert Decimal(check["balances"]["USD"]["total"]) == Decimal(100000) - spent


def test_paper_trade_stop_halts_the_running_session(tmp_path: Path) -> None:
    process = start_slow_session(tmp_path, "--log-level", "warning")
    while _checkpoints(tmp_path / "s.sqlite") < 2:
        time.sleep(0.01)
    stopper = run_cli("paper-trade", "--stop", "--state", "s.sqlite", cwd=tmp_path)
    assert stopper.returncode == 0, stopper.stderr
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["stopped"] == "kill switch"
    assert not (tmp_path / "s.sqlite.stop").exists()


def test_a_second_session_on_the_same_state_file_exits_1_naming_the_first(
    tmp_path: Path,
) -> None:
    strategy = tmp_path / "daily_trader.py"
    strategy.write_text(DAILY_TRADER)
    session = [
        "--strategy",
        str(strategy),
        "--start",
        "2011-01-03",
        "--end",
        "2011-03-31",
        "--heartbeat-interval",
        "86400",
        "--state",
        "shared.sqlite",
        "--output",
        "json",
    ]
    first = subprocess.Popen(
        paper_trade_command(*session, "--speed", "1500000", "--log-file", "first.log"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = tmp_path / "shared.sqlite.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.01)
    second = subprocess.run(
        paper_trade_command(*session, "--log-file", "second.log"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out, err = first.communicate(timeout=300)

    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == (
        f"error: state file shared.sqlite is in use by process {first.pid}; stop that session "
        "first (--stop with the same --state) or use another --state\n"
    )
    assert not (tmp_path / "second.log").exists()
    assert first.returncode == 0, err
    summary = json.loads(out)
    assert summary["stopped"] == "completed" and summary["resumed_from"] is None
    assert summary["fills"] == len(fill_tuples(tmp_path / "shared.sqlite")) > 0


def test_a_strategy_calling_sys_exit_stops_the_session_saying_where(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(
        "import sys\n\n\ndef initialize(context):\n    pass\n\n\n"
        "def handle_data(context, data):\n    sys.exit(3)\n"
    )
    result = subprocess.run(
        [
            *(sys.executable, "-m", "rustybt", "paper-trade", "--strategy", str(strategy)),
            *("--broker", "paper", "--replay", "--start", "2012-01-03", "--end", "2012-01-10"),
            *("--state", str(tmp_path / "paper.sqlite"), "--log-file", str(tmp_path / "paper.log")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert f"error: sys.exit(3) at {strategy}:9 in handle_data" in result.stderr
    events = [json.loads(line) for line in (tmp_path / "paper.log").read_text().splitlines()]
    assert (events[-1]["event"], events[-1]["reason"]) == ("engine_stopped", "error")
