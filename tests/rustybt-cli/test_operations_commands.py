"""`rustybt analyze-uptime` and `rustybt test-alerts`: exit codes, tables and pure JSON."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rustybt.operations.event_log import EventLogWriter

START = datetime(2026, 11, 1, tzinfo=UTC)
SECRET = "do-not-print-me-9f8e7d"


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """One day of heartbeats every minute, stopped at 12:00 ("signal") until 12:31, an order
    and one error; yesterday's file is rotated and gzipped, and a line is garbage."""
    moment = [START]
    directory = tmp_path / "logs"
    with EventLogWriter(directory / "day.log", clock=lambda: moment[0]) as log:
        log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=60)
        for minute in range(1, 24 * 60 + 1):
            moment[0] = START + timedelta(minutes=minute)
            if 12 * 60 < minute <= 12 * 60 + 30:
                continue
            if minute == 12 * 60 + 31:
                log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=60)
                continue
            log.log("heartbeat", portfolio_value="100000.00", open_orders=0, last_bar=moment[0])
            if minute == 12 * 60:
                log.log("engine_stopped", reason="signal")
            if minute == 600:
                order = {"order_id": "o1", "symbol": "AAPL", "amount": "10"}
                log.log("order_submitted", **order, api_key="AKIA-SECRET")
                log.log("order_filled", **order, price="187.50")
                log.log("error", "ERROR", error_type="BrokerError", message="slow answer")
    lines = (directory / "day.log").read_text().splitlines(keepends=True)
    (directory / "day.log").unlink()
    with gzip.open(directory / "engine.log.1.gz", "wt") as handle:
        handle.writelines(lines[:700])
    (directory / "engine.log").write_text("".join(lines[700:]) + "half a line {\n")
    return directory


def test_analyze_uptime_prints_a_table_and_fails_below_target(rustybt, log_dir: Path) -> None:
    result = rustybt("analyze-uptime", "--log-dir", str(log_dir))
    assert result.exit_code == 1, result.stderr
    assert "97.847 %" in result.stdout  # stopped 12:00 to 12:31: 31 of 1,440 minutes
    assert "2026-11-01T12:00:00.000000+00:00" in result.stdout
    assert "2026-11-01T12:31:00.000000+00:00" in result.stdout
    assert "engine_stopped (signal)" in result.stdout
    assert "BrokerError" in result.stdout
    assert "FAIL: uptime 97.847 % against a target of 99.9 %" in result.stdout


def test_analyze_uptime_json_has_the_same_numbers_and_passes_a_low_target(
    rustybt, log_dir: Path
) -> None:
    result = rustybt("analyze-uptime", "--log-dir", str(log_dir), "--target", "97", "-O", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "PASS"
    assert report["uptime_percent"] == pytest.approx(100 * (1 - 31 / 1440))
    assert report["downtime_periods"][0]["start"] == "2026-11-01T12:00:00.000000+00:00"
    assert report["downtime_periods"][0]["end"] == "2026-11-01T12:31:00.000000+00:00"
    assert report["downtime_periods"][0]["last_event"]["reason"] == "signal"
    assert (report["restarts"], report["operations"], report["errors"]) == (1, 2, 1)
    assert report["errors_per_1000_operations"] == 500.0
    assert report["garbage_lines"] == 1
    assert "AKIA-SECRET" not in result.stdout


def test_analyze_uptime_reads_chosen_files_and_windows(rustybt, log_dir: Path) -> None:
    result = rustybt(
        "analyze-uptime",
        "--log-file",
        str(log_dir / "engine.log"),
        "--since",
        "2026-11-01T13:00",
        "--heartbeat-interval",
        "60",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["window"]["start"] == "2026-11-01T13:00:00.000000+00:00"
    assert report["uptime_percent"] == 100.0


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--log-dir", "x", "--log-file", "y"),
        ("--log-dir", "x", "--days", "3", "--since", "2026-11-01"),
        ("--log-dir", "x", "--until", "yesterday"),
    ],
)
def test_analyze_uptime_usage_errors_exit_2(rustybt, args: tuple[str, ...]) -> None:
    assert rustybt("analyze-uptime", *args).exit_code == 2


def test_analyze_uptime_without_logs_says_so(rustybt, tmp_path: Path) -> None:
    result = rustybt("analyze-uptime", "--log-dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no log files in {tmp_path}")


# -- test-alerts ------------------------------------------------------------------------------


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP server: 200 for any path, 503 under /down; returns (url, bodies)."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(503 if self.path.startswith("/down") else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Keep the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", bodies
    server.shutdown()
    server.server_close()


@pytest.fixture
def alerts_config(
    tmp_path: Path, endpoint: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> Path:
    url, _ = endpoint
    monkeypatch.setenv("RUSTYBT_WEBHOOK_SECRET", SECRET)
    path = tmp_path / "paper_trading.yaml"
    path.write_text(
        f"""
broker: paper
alerts:
  retries: 1
  retry_delay_seconds: 0
  channels:
    - type: webhook
      name: ops
      url: {url}/ops
      secret_env: RUSTYBT_WEBHOOK_SECRET
    - type: webhook
      name: backup
      url: {url}/down
"""
    )
    return path


def test_test_alerts_reports_each_channel_and_fails_if_one_failed(
    rustybt, alerts_config: Path, endpoint: tuple[str, list[bytes]]
) -> None:
    result = rustybt("test-alerts", "--config", str(alerts_config))

    assert result.exit_code == 1
    assert "ops" in result.stdout and "delivered" in result.stdout
    assert "HTTP 503 Service Unavailable" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert json.loads(endpoint[1][0])["title"] == "RustyBT test alert"


def test_test_alerts_for_one_channel_in_json(rustybt, alerts_config: Path) -> None:
    result = rustybt(
        "test-alerts", "--config", str(alerts_config), "--channel", "ops", "--output", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"channel": "ops", "status": "delivered", "attempts": 1, "error": None}
    ]


def test_test_alerts_names_what_is_missing(rustybt, alerts_config: Path, tmp_path: Path) -> None:
    unknown = rustybt("test-alerts", "--config", str(alerts_config), "--channel", "sms")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == (
        "error: no alert channel named 'sms' is configured (have: ops, backup)"
    )

    bare = tmp_path / "bare.yaml"
    bare.write_text("broker: paper\n")
    missing = rustybt("test-alerts", "--config", str(bare))
    assert missing.exit_code == 1
    assert f"error: config {bare} has no 'alerts' section" in missing.stderr
