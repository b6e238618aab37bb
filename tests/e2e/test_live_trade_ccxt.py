"""`rustybt live-trade --broker ccxt --testnet` places the strategy's orders on an exchange
(the loopback fake speaking Binance's REST format, through the real ccxt library)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rustybt.live.journal import Journal
from rustybt_ccxt.testing.fake_exchange import FakeExchange

STRATEGY = """
from rustybt.api import order, symbol


def initialize(context):
    context.pair = symbol("BTC/USDT")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    if context.day == 1:
        order(context.pair, 0.01)
    elif context.day == 3:
        order(context.pair, -0.01)
"""

CONFIG = """
broker: {type: ccxt, exchange: binance, testnet: true, currency: USDT}
data: {source: ccxt, calendar: "24/7"}
logging: {heartbeat_interval: 86400}
"""


def test_live_trade_places_and_fills_the_strategy_orders_on_the_exchange(tmp_path: Path) -> None:
    (tmp_path / "strategy.py").write_text(STRATEGY)
    (tmp_path / "live.yaml").write_text(CONFIG)
    with FakeExchange() as fake:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "rustybt",
                "live-trade",
                "--strategy",
                "strategy.py",
                "--config",
                "live.yaml",
                "--confirm",
                "--accept-broker-state",
                "--replay",
                "--start",
                "2024-01-01",
                "--end",
                "2024-01-05",
                "--state",
                "live.sqlite",
                "--log-file",
                "live.log",
                "--output",
                "json",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
            env={
                **os.environ,
                "RUSTYBT_CCXT_BASE_URL": fake.base_url,
                "RUSTYBT_BINANCE_API_KEY": "test-key",
                "RUSTYBT_BINANCE_SECRET": "test-secret",
            },
        )
        posted = fake.requests_to("POST", "/api/v3/order")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["stopped"] == "completed"
    assert len(posted) == 2
    journal = Journal(tmp_path / "live.sqlite")
    try:
        fills = journal.fills()
    finally:
        journal.close()
    assert [str(f.amount) for f in fills] == ["0.01", "-0.01"]
    log = (tmp_path / "live.log").read_text()
    assert "test-key" not in log and "test-secret" not in log
