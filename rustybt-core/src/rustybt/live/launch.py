"""Starting a paper or live session from a strategy file and a trading config."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

from rustybt.alerts.dispatch import AlertDispatcher
from rustybt.broker import as_sync_broker
from rustybt.data.schema import to_utc_timestamp
from rustybt.engine import BacktestConfig, SimulatedExecution
from rustybt.engine.clock import ReplayClock, TimeSource, WallClock
from rustybt.errors import ConfigError
from rustybt.live.config import (
    INTERVAL,
    TradingConfig,
    default_config_path,
    load_trading_config,
)
from rustybt.live.journal import Journal, check_state_file
from rustybt.live.risk import RiskLimits
from rustybt.live.session import (
    SessionParts,
    SessionSettings,
    SessionSummary,
    live_session,
    paper_session,
)
from rustybt.live.session_clock import utc_datetime
from rustybt.live.state_lock import exclusive_state_file
from rustybt.operations.event_log import EventLogWriter
from rustybt.params import bind_params
from rustybt.plugins import PluginRegistry
from rustybt.strategy_file import load_strategy

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_LONGEST_DURATION_DAYS = 100 * 366
MAX_SPEED = 1e9
"""The fastest replay speed that is not 0 (as fast as possible)."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_duration(text: str) -> pd.Timedelta:
    """``"30d"``, ``"24h"``, ``"90m"`` or ``"45s"`` as a Timedelta."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:])
    try:
        amount = float(text[:-1])
    except ValueError:
        amount = -1
    if unit is None or not 0 < amount <= _LONGEST_DURATION_DAYS:
        raise ConfigError(
            f"duration must look like 30d, 24h, 90m or 45s (at most {_LONGEST_DURATION_DAYS}d), "
            f"got {text!r}"
        )
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
    params: Mapping[str, Any] | None = None,
) -> SessionSummary:
    """Replay the bars from ``start`` to ``end`` through ``strategy`` and the configured
    broker, journaled to ``state_file`` (resuming from it when it holds a checkpoint), with
    events (and the strategy's log messages) appended to ``log_file`` as JSON lines stamped
    with the replay clock.

    ``speed`` scales the replay clock (0: as fast as possible). With ``feed="poll"`` each
    bar is fetched from the source when its time comes instead of up front, on the wall
    clock unless another ``clock`` is given. ``params`` are the strategy's parameters
    (``context.params``, see :mod:`rustybt.params`). Returns the summary.
    """
    registry = registry or PluginRegistry.from_environment()
    algorithm = load_strategy(strategy)
    resolved = bind_params(algorithm, params)
    backtest = BacktestConfig(
        start=start,
        end=end,
        capital_base=config.broker.initial_capital,
        frequency=config.data.bar_frequency,
        calendar=config.data.calendar,
        symbols=tuple(symbols),
    )
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
    if mode == "paper" and not isinstance(broker, SimulatedExecution):
        raise ConfigError(
            f"paper trading needs a simulated broker such as 'paper'; '{broker_config.type}' "
            "places real orders: use live-trade --confirm for it"
        )
    # Everything that can be refused is, before the first file is written.
    check_state_file(state_file)
    _check_log_file(Path(log_file))
    alerts = AlertDispatcher.from_config(config.alerts, registry) if config.alerts else None
    if clock is None:
        clock = (
            WallClock()
            if feed == "poll"
            else ReplayClock(to_utc_timestamp(backtest.start).value, speed=speed)
        )
    with exclusive_state_file(state_file):
        return _run_locked(
            algorithm,
            source=source,
            broker=broker,
            config=config,
            backtest=backtest,
            state_file=state_file,
            duration=duration,
            accept_broker_state=accept_broker_state,
            mode=mode,
            feed=feed,
            clock=clock,
            log_file=log_file,
            alerts=alerts,
            params=resolved.to_json(),
        )


def _run_locked(
    algorithm: Any,
    *,
    source: Any,
    broker: Any,
    config: TradingConfig,
    backtest: BacktestConfig,
    state_file: str | Path,
    duration: pd.Timedelta | None,
    accept_broker_state: bool,
    mode: str,
    feed: str,
    clock: TimeSource,
    log_file: str | Path,
    alerts: AlertDispatcher | None,
    params: Mapping[str, Any],
) -> SessionSummary:
    broker_config = config.broker
    events = _open_event_log(log_file, clock)
    strategy_log = logging.getLogger("rustybt.algorithm")
    events.setLevel(config.logging.level)
    strategy_log.addHandler(events)
    strategy_log.setLevel(config.logging.level)
    simulated = isinstance(broker, SimulatedExecution)
    journal = Journal(state_file, power_safe=not simulated)
    try:
        journal.fix_params(params)
        parts = SessionParts(
            algorithm=algorithm,
            source=source,
            config=backtest,
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
                reconcile_tolerance=broker_config.reconcile_tolerance,
                outage_budget_seconds=broker_config.outage_budget,
            ),
            alerts=alerts.send if alerts else None,
        )
        session = paper_session(parts, broker) if simulated else live_session(parts, broker)
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


def _check_log_file(path: Path) -> None:
    if path.is_dir():
        raise ConfigError(f"cannot write log file {path}: it is a directory; give a file in it")


def _open_event_log(path: str | Path, clock: TimeSource) -> EventLogWriter:
    try:
        return EventLogWriter(path, clock=lambda: utc_datetime(clock.now_ns()))
    except OSError as exc:
        raise ConfigError(f"cannot write log file {path}: {exc.strerror or exc}") from None


@attrs.frozen(kw_only=True)
class TradingOverrides:
    """Settings given beside a trading config (command-line options) that win over it; None
    (False for ``testnet``) leaves the config's own."""

    broker: str | None = None
    source: str | None = None
    data_dir: str | Path | None = None
    exchange: str | None = None
    testnet: bool = False
    heartbeat_interval: float | None = None
    log_level: str | None = None


def trading_settings(
    mode: str, *, config: str | Path | None = None, overrides: TradingOverrides | None = None
) -> TradingConfig:
    """The trading config of a ``mode`` (``paper`` or ``live``) session: ``config``, else
    the mode's default config file when there is one, else the defaults; with
    ``overrides`` laid over it (``exchange`` sets both the broker's and the source's)."""
    given = overrides or TradingOverrides()
    path = config or default_config_path(mode)
    settings = load_trading_config(path) if path else TradingConfig()
    if given.heartbeat_interval is not None:
        try:
            INTERVAL.check("--heartbeat-interval", given.heartbeat_interval)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    if given.log_level is not None and given.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(
            f"--log-level must be one of {', '.join(LOG_LEVELS)}, got {given.log_level!r}"
        )
    return attrs.evolve(
        settings,
        broker=attrs.evolve(
            settings.broker,
            type=given.broker or settings.broker.type,
            exchange=given.exchange or settings.broker.exchange,
            testnet=given.testnet or settings.broker.testnet,
        ),
        data=attrs.evolve(
            settings.data,
            source=given.source or settings.data.source,
            data_dir=str(given.data_dir) if given.data_dir else settings.data.data_dir,
            exchange=given.exchange or settings.data.exchange,
        ),
        logging=attrs.evolve(
            settings.logging,
            heartbeat_interval=(
                settings.logging.heartbeat_interval
                if given.heartbeat_interval is None
                else given.heartbeat_interval
            ),
            level=(given.log_level or settings.logging.level).upper(),
        ),
    )


def state_file_of(mode: str, settings: TradingConfig, state: str | Path | None = None) -> Path:
    """The state file a session uses: ``state``, else the config's, else
    ``<mode>_state.sqlite`` in the working directory."""
    return Path(state or settings.state.file or f"{mode}_state.sqlite")


def request_stop(settings: TradingConfig, state_file: str | Path) -> Path:
    """Ask the session running on ``state_file`` to stop before its next bar (it checks
    the kill switch file this creates); return the file."""
    switch = kill_switch_path(settings, state_file)
    try:
        switch.touch()
    except OSError as exc:
        raise ConfigError(
            f"cannot create the stop file {switch}: {exc.strerror or exc}; give --state the "
            "state file of the running session"
        ) from None
    return switch


def trade(
    mode: str,
    *,
    strategy: str | Path | None,
    log_file: str | Path | None,
    settings: TradingConfig,
    state_file: str | Path,
    symbols: Sequence[str] = (),
    replay: bool = False,
    start: Any = None,
    end: Any = None,
    speed: float = 0.0,
    duration: str | None = None,
    accept_broker_state: bool = False,
    registry: PluginRegistry | None = None,
    params: Mapping[str, Any] | None = None,
) -> SessionSummary:
    """Run a ``mode`` session as ``rustybt paper-trade`` / ``live-trade`` do: a replay of the
    stored bars from ``start`` to ``end`` with ``replay``, otherwise live from today for
    ``duration`` (``30d``, ``24h``, ...; default 30 days). Every mistake in the request is a
    :class:`ConfigError` saying what to give instead."""
    if strategy is None or log_file is None:
        raise ConfigError("--strategy and --log-file are required (or --stop)")
    if replay and (start is None or end is None):
        raise ConfigError("--replay needs --start and --end")
    if not 0 <= speed <= MAX_SPEED:  # NaN fails too
        raise ConfigError(
            f"--speed must be 0 (as fast as possible) or up to {MAX_SPEED:g}, got {speed}"
        )
    length = parse_duration(duration) if duration else None
    if not replay:
        if start is not None or end is not None:
            raise ConfigError("--start and --end go with --replay; a live session starts now")
        start, end = live_session_window(pd.Timestamp.now(tz="UTC"), length)
    return run_trading_session(
        strategy,
        config=settings,
        log_file=log_file,
        state_file=state_file,
        start=start,
        end=end,
        speed=speed,
        symbols=symbols,
        duration=length,
        accept_broker_state=accept_broker_state,
        mode=mode,
        feed="replay" if replay else "poll",
        registry=registry,
        params=params,
    )
