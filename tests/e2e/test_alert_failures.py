"""A failing alert channel never stops a trading session: a webhook answering 500, one at a
closed port and one that fails every first try, on a real replayed paper session."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rustybt.live.journal import Journal

# Buys one share a day (filled), and every fifth day tries a 1000-share order that the
# risk limit blocks, which sends a "risk limit blocked an order" alert.
STRATEGY = """
from rustybt.api import order, symbol


def initialize(context):
    context.asset = symbol("AAPL")
    context.days = 0


def handle_data(context, data):
    context.days += 1
    order(context.asset, 1000 if context.days % 5 == 0 else 1)
"""

CONFIG = """\
broker: {{type: paper, initial_capital: 100000}}
data: {{source: sample}}
risk: {{max_order_value: 5000}}
alerts:
  rate_limit_seconds: 0
  retries: 2
  retry_delay_seconds: 0.01
  channels:
    - {{type: webhook, name: broken, url: '{server}/fail?token=webhook-secret-42'}}
    - {{type: webhook, name: closed, url: 'http://127.0.0.1:{closed_port}/'}}
    - {{type: webhook, name: flaky, url: '{server}/flaky'}}
"""


class Endpoint:
    """A loopback HTTP server: ``/fail`` answers 500; ``/flaky`` answers 500 to every
    first try of an alert and 200 to its retry."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append(self.path)
                flaky = [path for path in endpoint.requests if path == "/flaky"]
                ok = self.path == "/flaky" and len(flaky) % 2 == 0
                self.send_response(200 if ok else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def paper_trade(directory: Path, config: str, name: str) -> subprocess.CompletedProcess[str]:
    (directory / f"{name}.yaml").write_text(config)
    return subprocess.run(
        [
            *(sys.executable, "-m", "rustybt", "paper-trade", "--strategy", "strategy.py"),
            *("--replay", "--start", "2010-01-04", "--end", "2010-02-26"),
            *("--config", f"{name}.yaml", "--state", f"{name}.sqlite", "--log-file", f"{name}.log"),
        ],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=300,
        env=os.environ.copy(),
    )


def fills(state_file: Path) -> list[tuple[str, str, str]]:
    journal = Journal(state_file)
    try:
        return [(f.symbol, str(f.amount), f.dt) for f in journal.fills()]
    finally:
        journal.close()


def test_failing_alert_channels_are_logged_and_retried_and_the_session_trades_on(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    (tmp_path / "strategy.py").write_text(STRATEGY)
    config = CONFIG.format(server=endpoint.url, closed_port=closed_port())
    without_alerts = config.split("alerts:")[0]

    result = paper_trade(tmp_path, config, "alerting")
    reference = paper_trade(tmp_path, without_alerts, "quiet")

    assert result.returncode == 0, result.stderr
    assert reference.returncode == 0, reference.stderr
    assert fills(tmp_path / "alerting.sqlite") == fills(tmp_path / "quiet.sqlite")
    assert len(fills(tmp_path / "alerting.sqlite")) >= 30
    events = [json.loads(line) for line in (tmp_path / "alerting.log").read_text().splitlines()]
    failed = [e for e in events if e["event"] == "alert_failed"]
    sent = [e for e in events if e["event"] == "alert_sent"]
    blocked_alerts = len([e for e in sent if e["channel"] == "flaky"])
    assert blocked_alerts >= 7  # one per blocked order, each through every channel
    assert {(e["channel"], e["attempts"]) for e in failed} == {("broken", 3), ("closed", 3)}
    assert len(failed) == 2 * blocked_alerts
    assert {e["error"] for e in failed if e["channel"] == "broken"} == {
        "HTTP 500 Internal Server Error"
    }
    assert all(e["error"].startswith("cannot reach the endpoint") for e in failed
               if e["channel"] == "closed")  # fmt: skip
    # The flaky channel's first try fails and its retry delivers every alert.
    assert {(e["channel"], e["attempts"]) for e in sent} == {("flaky", 2)}
    assert endpoint.requests.count("/flaky") == 2 * blocked_alerts
    assert endpoint.requests.count("/fail?token=webhook-secret-42") == 3 * blocked_alerts
    shown = (tmp_path / "alerting.log").read_text() + result.stderr
    assert "webhook-secret-42" not in shown
    assert events[-1]["event"] == "engine_stopped" and events[-1]["reason"] == "completed"
