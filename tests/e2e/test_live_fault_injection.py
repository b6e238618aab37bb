"""Fault injection: `rustybt live-trade` killed at every step of an order's life, run twice
on one state file, and fed bad answers and errors, against the loopback fake exchange
through the real ccxt library. Afterwards the exchange's own records are compared with the
state file and the event log: no order placed twice, no fill lost or recorded twice.

The figures are printed (kills, faults injected, orders, fills, lost, duplicated), so that
CI output shows them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from rustybt.live.journal import Journal
from rustybt_ccxt.testing import FakeExchange

STRATEGY = """
from rustybt.api import order, symbol


def initialize(context):
    context.pair = symbol("BTC/USDT")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    order(context.pair, 0.02 if context.day % 2 else -0.01)
    if context.day % 10 == 2:
        order(context.pair, 0.02, limit_price=49000)
"""
"""A market order every day, buying and selling in turn, and every ten days a buy limit
below the market that rests."""

CONFIG = """
broker: {type: ccxt, exchange: binance, testnet: true, currency: USDT}
data: {source: ccxt, calendar: "24/7"}
logging: {heartbeat_interval: 86400}
"""

START, END = "2024-01-01", "2024-02-29"
DAYS = 60
ORDERS = DAYS + DAYS // 10
"""What the strategy places over the replay: one market order a day, and six limits."""

ACCOUNT = {"USDT": Decimal("100000"), "BNB": Decimal("0.0042")}


@attrs.frozen
class Kill:
    """SIGKILL the session at one step of an order's life: when the exchange sees
    ``method path`` at ``moment`` (see :meth:`FakeExchange.on_request`), after ``delay``."""

    step: str
    method: str
    path: str
    moment: str
    delay: float = 0.0


LIFECYCLE = [
    Kill("journaled, before send", "GET", "/api/v3/ticker/24hr", "received"),
    Kill("sent, never arrived", "POST", "/api/v3/order", "received"),
    Kill("after send, before the answer", "POST", "/api/v3/order", "handled"),
    Kill("after the answer", "POST", "/api/v3/order", "answered"),
    Kill("after a partial fill was read", "GET", "/api/v3/myTrades", "answered"),
    Kill("during the checkpoint", "POST", "/api/v3/order", "answered", delay=0.02),
]


class LiveTrader:
    """Runs `rustybt live-trade` on one state file against ``fake``, as a user would."""

    def __init__(self, workdir: Path, fake: FakeExchange) -> None:
        self.workdir = workdir
        self.fake = fake
        (workdir / "strategy.py").write_text(STRATEGY)
        (workdir / "live.yaml").write_text(CONFIG)
        self.kills = 0
        self.runs = 0

    def start(self) -> subprocess.Popen[str]:
        self.runs += 1
        return subprocess.Popen(
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
                "--replay",
                "--start",
                START,
                "--end",
                END,
                "--state",
                "live.sqlite",
                "--log-file",
                "live.log",
                "--output",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.workdir,
            env={
                **os.environ,
                "RUSTYBT_CCXT_BASE_URL": self.fake.base_url,
                "RUSTYBT_BINANCE_API_KEY": "test-key",
                "RUSTYBT_BINANCE_SECRET": "test-secret",
            },
        )

    def run_killed_at(self, kill: Kill) -> bool:
        """Run until ``kill`` strikes; False when the session finished first."""
        process = self.start()
        forget = self.fake.on_request(
            kill.method, kill.path, _killer(process, kill.delay), when=kill.moment
        )
        _, stderr = process.communicate(timeout=300)
        forget()
        if process.returncode == -signal.SIGKILL:
            self.kills += 1
            return True
        assert process.returncode == 0, stderr
        return False

    def run_to_the_end(self) -> dict:
        process = self.start()
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        return json.loads(stdout)


def _killer(process: subprocess.Popen[str], delay: float) -> Callable[[], None]:
    def kill() -> None:
        if delay:
            threading.Timer(delay, _sigkill, (process,)).start()
        else:
            _sigkill(process)

    return kill


def _sigkill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)


@attrs.frozen(kw_only=True)
class Audit:
    """The exchange's records against the state file and the event log."""

    orders: int
    duplicated_orders: int
    fills: int
    lost_fills: int
    duplicated_fills: int
    lost_fill_events: int
    duplicated_fill_events: int


def audit(workdir: Path, fake: FakeExchange) -> Audit:
    ledger = fake.ledger()
    trade_ids = [str(t["id"]) for trades in ledger.trades_by_order_id.values() for t in trades]
    journal = Journal(workdir / "live.sqlite")
    try:
        journaled = Counter(f.fill_id for f in journal.fills())
    finally:
        journal.close()
    logged = Counter(
        event["fill_id"]
        for event in _events(workdir / "live.log")
        if event.get("event") == "order_filled"
    )
    return Audit(
        orders=sum(len(orders) for orders in ledger.orders_by_client_id.values()),
        duplicated_orders=len(ledger.duplicate_client_ids()),
        fills=len(trade_ids),
        lost_fills=len(set(trade_ids) - set(journaled)),
        duplicated_fills=sum(n - 1 for n in journaled.values())
        + len(set(journaled) - set(trade_ids)),
        lost_fill_events=len(set(trade_ids) - set(logged)),
        duplicated_fill_events=sum(n - 1 for n in logged.values()),
    )


def _events(path: Path) -> list[dict]:
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:  # a line cut by a kill
            continue
    return events


def report(capsys: pytest.CaptureFixture[str], title: str, **figures: object) -> None:
    with capsys.disabled():
        print(f"\n{title}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_kills_at_every_step_of_an_order_lose_and_double_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeExchange(balances=ACCOUNT, partial_fill_parts=2) as fake:
        fake.on_request("GET", "/api/v3/myTrades", fake.match, when="answered", times=10**9)
        trader = LiveTrader(tmp_path, fake)
        by_step = Counter()
        for kill in LIFECYCLE * 6:
            if not trader.run_killed_at(kill):
                break  # the session reached the end first
            by_step[kill.step] += 1
        summary = trader.run_to_the_end()
        result = audit(tmp_path, fake)
    report(
        capsys,
        "fault injection (kills)",
        kills=trader.kills,
        runs=trader.runs,
        **{step.replace(" ", "_").replace(",", ""): n for step, n in by_step.items()},
        orders=result.orders,
        fills=result.fills,
        lost=result.lost_fills,
        duplicated=result.duplicated_orders + result.duplicated_fills,
    )
    assert summary["stopped"] == "completed"
    assert trader.kills >= 30 and set(by_step) == {k.step for k in LIFECYCLE}
    assert result.orders == ORDERS and result.duplicated_orders == 0
    assert (result.lost_fills, result.duplicated_fills) == (0, 0)
    assert (result.lost_fill_events, result.duplicated_fill_events) == (0, 0)


FAULTS = [
    ("POST", "/api/v3/order", "malformed", 2),
    ("POST", "/api/v3/order", "truncated", 2),
    ("POST", "/api/v3/order", "429", 3),
    ("POST", "/api/v3/order", "500", 2),
    ("POST", "/api/v3/order", "accepted-timeout", 2),
    ("POST", "/api/v3/order", "timeout", 1),
    ("GET", "/api/v3/myTrades", "malformed", 3),
    ("GET", "/api/v3/myTrades", "truncated", 2),
    ("GET", "/api/v3/myTrades", "503", 6),
    ("GET", "/api/v3/myTrades", "timeout", 1),
    ("GET", "/api/v3/ticker/24hr", "503", 3),
    ("GET", "/api/v3/ticker/24hr", "malformed", 1),
    ("GET", "/api/v3/order", "500", 2),
    ("GET", "/api/v3/account", "429", 2),
]
"""Bad answers and errors of every kind, spread over the endpoints a session uses; each is
queued again when it has been served, so they hit all through the session."""


def test_bad_answers_errors_and_timeouts_lose_and_double_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeExchange(balances=ACCOUNT, partial_fill_parts=2, timeout_seconds=0.5) as fake:
        fake.on_request("GET", "/api/v3/myTrades", fake.match, when="answered", times=10**9)
        for method, path, kind, times in FAULTS:
            fake.inject(method, path, kind, times=times)
        fake.on_request(
            "POST",
            "/api/v3/order",
            lambda: [fake.inject(m, p, k, times=n) for m, p, k, n in FAULTS],
            when="answered",
            times=2,
        )
        trader = LiveTrader(tmp_path, fake)
        summary = trader.run_to_the_end()
        result = audit(tmp_path, fake)
        faults = fake.faults_served
    report(
        capsys,
        "fault injection (bad answers, errors, timeouts)",
        faults=faults,
        orders=result.orders,
        fills=result.fills,
        lost=result.lost_fills,
        duplicated=result.duplicated_orders + result.duplicated_fills,
    )
    assert summary["stopped"] == "completed" and faults >= 3 * 30
    assert result.orders == ORDERS and result.duplicated_orders == 0
    assert (result.lost_fills, result.duplicated_fills) == (0, 0)
    assert (result.lost_fill_events, result.duplicated_fill_events) == (0, 0)


def test_two_sessions_on_one_state_file_place_every_order_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeExchange(balances=ACCOUNT) as fake:
        trader = LiveTrader(tmp_path, fake)
        first, second = trader.start(), trader.start()
        outcomes = [process.communicate(timeout=300) for process in (first, second)]
        result = audit(tmp_path, fake)
    codes = sorted(process.returncode for process in (first, second))
    refused = next(
        err for (_, err), p in zip(outcomes, (first, second), strict=True) if p.returncode
    )
    report(
        capsys,
        "fault injection (two processes)",
        exit_codes=codes,
        orders=result.orders,
        duplicated=result.duplicated_orders + result.duplicated_fills,
    )
    assert codes == [0, 1]
    assert refused.strip().startswith("error: state file") and "in use by process" in refused
    assert len(refused.strip().splitlines()) == 1
    assert result.orders == ORDERS and result.duplicated_orders == 0
    assert (result.lost_fills, result.duplicated_fills) == (0, 0)
