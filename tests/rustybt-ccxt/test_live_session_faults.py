"""A live session on the ccxt broker rides out the faults of a real exchange (the loopback
fake, through real ccxt over HTTP): malformed answers, short and long outages, a fill on the
last bar, coins it does not trade. Each test names the defect of #15 it guards against."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from rustybt import hookimpl
from rustybt.engine.clock import ReplayClock
from rustybt.errors import BrokerError
from rustybt.live.journal import Journal
from rustybt.live.launch import run_trading_session, trading_settings
from rustybt.live.session import SessionSummary
from rustybt.plugins import PluginRegistry
from rustybt.retry import RetryPolicy
from rustybt_ccxt.broker import CcxtBroker
from rustybt_ccxt.testing import FakeExchange

DAILY_TRADER = """
from rustybt.api import order, symbol


def initialize(context):
    context.pair = symbol("BTC/USDT")
    context.day = 0


def handle_data(context, data):
    context.day += 1
    order(context.pair, 0.01 if context.day % 2 else -0.01)
"""

CONFIG = """
broker: {{type: ccxt-fast, exchange: binance, testnet: true, currency: USDT{extra}}}
data: {{source: ccxt, calendar: "24/7"}}
logging: {{heartbeat_interval: 300}}
"""

NO_BTC = {"USDT": Decimal("10000"), "ETH": Decimal("2"), "BNB": Decimal("0.0042")}
"""An account holding coins the strategy does not trade (ETH, and BNB dust)."""


class FastRetryingCcxt:
    """The ccxt broker with retries 100 times quicker than the default, so a test's outage
    of many retries takes a second of real time (session time is a replay clock)."""

    @staticmethod
    @hookimpl
    def rustybt_register_brokers(register):
        register(
            "ccxt-fast",
            lambda exchange="binance", testnet=False, **_: CcxtBroker(
                exchange,
                testnet=testnet,
                retry=RetryPolicy(attempts=3, first_delay=0.002, max_delay=0.01),
                timeout_seconds=1.0,
            ),
        )


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch):
    with FakeExchange(balances=NO_BTC, timeout_seconds=1.5) as fake:
        monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", fake.base_url)
        monkeypatch.setenv("RUSTYBT_BINANCE_API_KEY", "test-key")
        monkeypatch.setenv("RUSTYBT_BINANCE_SECRET", "test-secret")
        yield fake


def trade_live(
    workdir: Path,
    *,
    strategy: str = DAILY_TRADER,
    end: str = "2024-01-06",
    clock: ReplayClock | None = None,
    config_extra: str = "",
) -> SessionSummary:
    """Replay 2024-01-01..``end`` through ``strategy`` on the fake exchange, as
    ``rustybt live-trade --replay`` does, with the state in ``workdir``."""
    (workdir / "strategy.py").write_text(strategy)
    (workdir / "live.yaml").write_text(CONFIG.format(extra=config_extra))
    registry = PluginRegistry.from_environment()
    registry.add_plugin("fast-retrying-ccxt", FastRetryingCcxt())
    return run_trading_session(
        workdir / "strategy.py",
        config=trading_settings("live", config=workdir / "live.yaml"),
        log_file=workdir / "live.log",
        state_file=workdir / "live.sqlite",
        start="2024-01-01",
        end=end,
        mode="live",
        clock=clock,
        registry=registry,
    )


def journaled_fills(workdir: Path) -> list[str]:
    journal = Journal(workdir / "live.sqlite")
    try:
        return [f.fill_id for f in journal.fills()]
    finally:
        journal.close()


def events(workdir: Path, name: str) -> list[dict]:
    lines = (workdir / "live.log").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == name]


def exchange_trade_ids(fake: FakeExchange) -> list[str]:
    return [str(t["id"]) for t in fake.trades]


def test_coins_the_strategy_does_not_trade_are_reported_not_refused(account, tmp_path) -> None:
    """Defect 5: BNB dust forced --accept-broker-state."""
    summary = trade_live(tmp_path)
    assert summary.stopped == "completed"
    [holdings] = events(tmp_path, "other_holdings")[:1]
    assert "BNB/USDT" in holdings["holdings"] or "ETH/USDT" in holdings["holdings"]
    assert events(tmp_path, "reconciliation_drift") == []


def test_a_malformed_answer_to_an_order_loses_no_fill(account, tmp_path) -> None:
    """Defect 3: a 200 with a malformed body lost the fill and left the order open."""
    account.inject("POST", "/api/v3/order", "malformed")
    account.inject("GET", "/api/v3/myTrades", "malformed", times=2)
    summary = trade_live(tmp_path)
    assert summary.open_orders == ()
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))
    assert len(account.orders) == summary.fills == 6


def test_an_order_on_the_last_bar_is_recorded_before_the_session_stops(account, tmp_path) -> None:
    """Defect 4: the last bar's fill was never recorded, and the next start saw drift."""
    trade_live(tmp_path, end="2024-01-05")
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))
    summary = trade_live(tmp_path, end="2024-01-08")  # the next start: no drift
    assert summary.resumed_from is not None and summary.stopped == "completed"
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))
    assert events(tmp_path, "reconciliation_drift") == []


def test_six_unavailable_answers_from_the_fills_endpoint_do_not_end_the_session(
    account, tmp_path
) -> None:
    """Defect 6: a two-second outage (six 503s) ended the session."""
    account.inject("GET", "/api/v3/myTrades", "503", times=6)
    summary = trade_live(tmp_path)
    assert summary.stopped == "completed"
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))


RESTING_BUYER = DAILY_TRADER.replace(
    "    context.day += 1\n",
    "    context.day += 1\n"
    "    if context.day == 1:\n"
    "        order(context.pair, 0.02, limit_price=45000)\n",
)
"""The daily trader, plus a buy limit on the first day that rests below the market."""


@pytest.mark.parametrize("minutes", [2 / 60, 1, 10])
def test_an_outage_is_ridden_out_degraded_and_every_fill_of_it_recorded(
    account, tmp_path, minutes
) -> None:
    """Outages of 2 s, 60 s and 10 min of session time (a replay clock), with a budget of
    15 minutes: the session heartbeats as degraded, alerts, recovers, and records the fill
    of a resting order that the exchange made during the outage."""
    clock = ReplayClock(1_704_067_200_000_000_000)  # 2024-01-01
    outage_ends = []

    def outage_on() -> bool:
        if not outage_ends:
            outage_ends.append(clock.now_ns() + int(minutes * 60e9))
            account.set_price("BTCUSDT", Decimal("44000"))  # the resting buy fills now
        return clock.now_ns() < outage_ends[0]

    account.on_request(
        "GET",
        "/api/v3/myTrades",
        lambda: account.outage("503", while_=outage_on),
        when="answered",
    )
    summary = trade_live(
        tmp_path, strategy=RESTING_BUYER, clock=clock, config_extra=", outage_budget: 900"
    )
    assert summary.stopped == "completed"
    assert account.faults_served > 0
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))
    assert len(account.trades) == 7
    assert len(events(tmp_path, "venue_degraded")) == 1
    [recovered] = events(tmp_path, "venue_recovered")
    assert recovered["outage_seconds"] == pytest.approx(minutes * 60, abs=35)
    if minutes >= 10:
        assert any(h["status"] == "degraded" for h in events(tmp_path, "heartbeat"))


def test_an_outage_longer_than_the_budget_stops_the_session_with_the_reason(
    account, tmp_path
) -> None:
    clock = ReplayClock(1_704_067_200_000_000_000)
    account.on_request(
        "GET",
        "/api/v3/myTrades",
        lambda: account.outage("503", while_=lambda: True),
        when="answered",
    )
    with pytest.raises(BrokerError, match=r"unreachable for \d+ s .*outage budget 60 s"):
        trade_live(tmp_path, clock=clock, config_extra=", outage_budget: 60")
    account.end_outage()
    summary = trade_live(tmp_path)  # a restart picks up where it stopped
    assert summary.stopped == "completed"
    assert sorted(journaled_fills(tmp_path)) == sorted(exchange_trade_ids(account))
