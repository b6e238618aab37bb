"""Starting a paper or live session from a strategy file and a trading config."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rustybt.alerts.dispatch import AlertDispatcher
from rustybt.broker import as_sync_broker
from rustybt.data.schema import to_utc_timestamp
from rustybt.engine import BacktestConfig, SimulatedExecution
from rustybt.engine.clock import ReplayClock, TimeSource, WallClock
from rustybt.errors import ConfigError
from rustybt.live.config import TradingConfig
from rustybt.live.journal import Journal
from rustybt.live.risk import RiskLimits
from rustybt.live.session import (
    SessionParts,
    SessionSettings,
    SessionSummary,
    live_session,
    paper_session,
)
from rustybt.operations.event_log import EventLogWriter
from rustybt.plugins import PluginRegistry
from rustybt.strategy_file import load_strategy

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> pd.Timedelta:
    """``"30d"``, ``"24h"``, ``"90m"`` or ``"45s"`` as a Timedelta."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:])
    try:
        amount = float(text[:-1])
    except ValueError:
        amount = -1
    if unit is None or amount <= 0:
        raise ConfigError(f"duration must look like 30d, 24h, 90m or 45s, got {text!r}")
    return pd.Timedelta(**{unit: amount})


def run_trading_session(
    strategy: str | Path,
    *,
    config: TradingConfig,
    log_file: str | Path,
    state_file: str | Path,
    start: Any,
    end: Any,
    speed: float = 0.0,
    symbols: Sequence[str] = (),
    duration: pd.Timedelta | None = None,
    accept_broker_state: bool = False,
    mode: str = "paper",
    feed: str = "replay",
    clock: TimeSource | None = None,
    registry: PluginRegistry | None = None,
) -> SessionSummary:
    """Replay the bars from ``start`` to ``end`` through ``strategy`` and the configured
    broker, journaled to ``state_file`` (resuming from it when it holds a checkpoint), with
    events (and the strategy's log messages) appended to ``log_file`` as JSON lines stamped
    with the replay clock.

    ``speed`` scales the replay clock (0: as fast as possible). With ``feed="poll"`` each
    bar is fetched from the source when its time comes instead of up front, on the wall
    clock unless another ``clock`` is given. Returns the summary.
    """
    registry = registry or PluginRegistry.from_environment()
    algorithm = load_strategy(strategy)
    source = registry.data_source(
        config.data.source,
        lenient=True,
        data_dir=config.data.data_dir,
        exchange=config.data.exchange or config.broker.exchange,
    )
    broker_config = config.broker
    broker = as_sync_broker(
        registry.broker(
            broker_config.type,
            lenient=True,
            initial_capital=broker_config.initial_capital,
            currency=broker_config.currency,
            exchange=broker_config.exchange,
            testnet=broker_config.testnet or None,
        )
    )
    if clock is None:
        clock = (
            WallClock()
            if feed == "poll"
            else ReplayClock(to_utc_timestamp(start).value, speed=speed)
        )
    events = _open_event_log(log_file, clock)
    strategy_log = logging.getLogger("rustybt.algorithm")
    events.setLevel(config.logging.level)
    strategy_log.addHandler(events)
    strategy_log.setLevel(config.logging.level)
    journal = Journal(state_file)
    try:
        parts = SessionParts(
            algorithm=algorithm,
            source=source,
            config=BacktestConfig(
                start=start,
                end=end,
                capital_base=broker_config.initial_capital,
                frequency=config.data.bar_frequency,
                calendar=config.data.calendar,
                symbols=tuple(symbols),
            ),
            journal=journal,
            events=events,
            time=clock,
            settings=SessionSettings(
                mode=mode,
                feed=feed,
                heartbeat_interval=config.logging.heartbeat_interval,
                duration=duration,
                kill_switch=kill_switch_path(config, state_file),
                risk=RiskLimits(
                    max_order_value=config.risk.max_order_value,
                    max_position_fraction=config.risk.max_position_fraction,
                    max_daily_loss=config.risk.max_daily_loss,
                ),
                accept_broker_state=accept_broker_state,
                currency=broker_config.currency,
            ),
            alerts=(
                AlertDispatcher.from_config(config.alerts, registry).send if config.alerts else None
            ),
        )
        if isinstance(broker, SimulatedExecution):
            session = paper_session(parts, broker)
        else:
            session = live_session(parts, broker)
        costs = session.engine.costs
        if broker_config.commission is not None:
            costs.set_commission(broker_config.commission.model(), list(costs.commission))
        if broker_config.slippage is not None:
            costs.set_slippage(broker_config.slippage.model(), list(costs.slippage))
        return session.run()
    finally:
        journal.close()
        strategy_log.removeHandler(events)
        events.close()


LIVE_SESSION_SPAN = pd.Timedelta(days=30)
"""How far ahead a live session without a duration runs."""
_SHORTEST_SPAN = pd.Timedelta(days=7)
"""A live window always reaches this far, so it holds a trading session even when it starts
on a weekend or a holiday (the duration still stops it on time)."""


def live_session_window(
    now: pd.Timestamp, duration: pd.Timedelta | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The calendar span a live session started at ``now`` trades over: from ``now``'s date
    for ``duration`` (default 30 days), but at least a week, so a session started on a
    Saturday waits for Monday instead of finding no sessions."""
    today = to_utc_timestamp(now).normalize()
    return today, today + max(duration or LIVE_SESSION_SPAN, _SHORTEST_SPAN)


def kill_switch_path(config: TradingConfig, state_file: str | Path) -> Path:
    """The file whose existence stops the session: the config's ``risk.kill_switch``, else
    ``<state file>.stop`` (what ``paper-trade --stop`` creates)."""
    if config.risk.kill_switch:
        return Path(config.risk.kill_switch)
    return Path(f"{state_file}.stop")


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _as_datetime(now_ns: int) -> datetime.datetime:
    """A UTC datetime of ``now_ns``, to the microsecond (datetime's resolution)."""
    return _EPOCH + datetime.timedelta(microseconds=now_ns // 1000)


def _open_event_log(path: str | Path, clock: TimeSource) -> EventLogWriter:
    try:
        return EventLogWriter(path, clock=lambda: _as_datetime(clock.now_ns()))
    except OSError as exc:
        raise ConfigError(f"cannot write log file {path}: {exc.strerror or exc}") from None
