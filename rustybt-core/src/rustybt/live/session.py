"""Paper and live trading sessions: the one engine, journaled, on a session clock.

A :class:`TradingSession` is not a kind of engine: it holds a
:class:`rustybt.engine.TradingEngine` composed for trading (a session clock, a stored or
polled bar feed, and an execution: the paper broker's simulated fills or a real broker's)
and adds what a session needs around it: it resumes from the journal's last checkpoint,
writes the sessions' fills, orders and checkpoints to the journal, logs events and sends
alerts. :func:`paper_session` and :func:`live_session` assemble one.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from time import monotonic
from typing import Any, Protocol

import attrs
import numpy as np
import pandas as pd

from rustybt import api
from rustybt.alerts.alert import Alert, Severity
from rustybt.alerts.dispatch import DeliveryResult
from rustybt.algorithm import TradingAlgorithm
from rustybt.broker import Broker
from rustybt.data.source import DataSource
from rustybt.engine import (
    BacktestConfig,
    BarFeed,
    Execution,
    SimulatedExecution,
    StoredBars,
    TradingEngine,
)
from rustybt.engine.clock import ReplayClock, TimeSource
from rustybt.errors import ConfigError, DataError
from rustybt.finance.order import Order, OrderStatus
from rustybt.finance.transaction import Transaction
from rustybt.live.broker_execution import (
    FINAL_FILL_WAIT_SECONDS,
    OUTAGE_BUDGET,
    BrokerExecution,
    Reconciliation,
)
from rustybt.live.journal import Journal, JournaledFill, order_row
from rustybt.live.polled_bars import PolledBars
from rustybt.live.risk import RiskGuard, RiskLimits
from rustybt.live.session_clock import SessionClock, StopConditions, utc_datetime
from rustybt.params import StrategyParams

PAPER_CHECKPOINT_SPACING = 0.05
"""Wall seconds between a paper session's checkpoints (at most). Each of its effects lives in
the journal, so a paper session killed between two redoes the sessions since the last: a
replay at full speed journals 20 times a second, not once a session, and a real-time one
still journals every session."""

AlertSender = Callable[[Alert], Sequence[DeliveryResult]]
"""Sends an alert through every channel, never raising: one result per channel."""


class EventSink(Protocol):
    """Where a session writes its structured events (JSON lines)."""

    def log(
        self,
        event: str,
        level: str = "INFO",
        *,
        event_id: str | None = None,
        event_ids: Sequence[str] = (),
        **fields: Any,
    ) -> None:
        """Write one event, stamped with the session's clock; an ``event_id`` already
        written is not written again (a session redoing bars after a crash). A line
        standing for several events carries their ``event_ids``."""
        ...

    def written(self, event_id: str) -> bool:
        """Whether an event with ``event_id`` has been written."""
        ...


@attrs.frozen(kw_only=True)
class SessionSettings:
    """How a trading session runs (as opposed to what it trades)."""

    mode: str = "paper"
    feed: str = "replay"
    """``replay``: bars are read up front; ``poll``: each bar is fetched from the source
    once its time has come (a live feed)."""
    data_retry_seconds: float = 30.0
    data_retries: int = 10
    heartbeat_interval: float = 3600.0
    duration: pd.Timedelta | None = None
    kill_switch: Path | None = None
    risk: RiskLimits = attrs.Factory(RiskLimits)
    accept_broker_state: bool = False
    currency: str = "USD"
    """The quote currency whose balance is the session's cash (real brokers)."""
    reconcile_tolerance: Decimal = Decimal("0.001")
    """How far positions and cash may differ from the account (a fraction) on a check."""
    outage_budget_seconds: float = OUTAGE_BUDGET.budget_seconds or 300.0
    """How long an unreachable broker is waited out before the session stops."""
    final_fill_wait_seconds: float = FINAL_FILL_WAIT_SECONDS
    """How long a stopping session waits for its open market orders' fills."""


@attrs.frozen(kw_only=True)
class SessionSummary:
    """What a finished (or stopped) session reports."""

    stopped: str
    portfolio_value: Decimal
    cash: Decimal
    positions: dict[str, Decimal]
    fills: int
    first_bar: str | None
    last_bar: str | None
    resumed_from: str | None
    open_orders: tuple[str, ...] = ()
    """Orders still open when the session stopped; the next start picks them up."""
    params: dict[str, Any] = attrs.field(factory=dict)
    """The strategy's parameters (``context.params``), JSON-ready."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings."""
        return {
            "stopped": self.stopped,
            "portfolio_value": str(self.portfolio_value),
            "cash": str(self.cash),
            "positions": {symbol: str(amount) for symbol, amount in self.positions.items()},
            "fills": self.fills,
            "first_bar": self.first_bar,
            "last_bar": self.last_bar,
            "resumed_from": self.resumed_from,
            "open_orders": list(self.open_orders),
            "params": self.params,
        }


class Venue(Protocol):
    """The account a session trades, as the session's start and checkpoints see it."""

    def connect(self) -> None:
        """Open the connection (harmless when repeated)."""
        ...

    def close(self) -> None:
        """Close it (harmless when repeated)."""
        ...

    def open_account(self, assets: Mapping[str, Any]) -> None:
        """Set up the books of a new session from the account."""
        ...

    def resume(self, state: dict[str, Any], after_bar: int) -> None:
        """Carry on from a checkpoint's :meth:`state`, taken after bar ``after_bar``: settle
        what happened at the venue since, and check the books against the account."""
        ...

    def finish(self, bar: int) -> None:
        """Before the session stops at bar ``bar``: collect what is still due (fills)."""
        ...

    def broker_order_id(self, order_id: str) -> str | None:
        """The venue's id of the session's order ``order_id`` (None when it has none)."""
        ...

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps of the venue."""
        ...


class SimulatedVenue:
    """The account of simulated fills is the session's own ledger: nothing to connect,
    open, check or keep beyond it."""

    def connect(self) -> None:
        """Nothing to connect."""

    def close(self) -> None:
        """Nothing to close."""

    def open_account(self, assets: Mapping[str, Any]) -> None:
        """Nothing: the ledger starts with the configured capital."""

    def resume(self, state: dict[str, Any], after_bar: int) -> None:
        """Nothing: the ledger is the account, and the checkpoint restored it."""

    def finish(self, bar: int) -> None:
        """Nothing: simulated fills happen on bars."""

    def broker_order_id(self, order_id: str) -> str | None:
        """None: simulated orders live only in the session's order book."""
        return None

    def state(self) -> dict[str, Any]:
        """Nothing beyond the ledger and the order book."""
        return {}


class SessionReport:
    """What a session tells its user: events to ``events``, alerts to ``alerts``."""

    def __init__(self, events: EventSink, alerts: AlertSender | None, strategy: str) -> None:
        self.events = events
        self._send_alert = alerts
        self._strategy = strategy
        self.degraded = False
        """True while the broker is unreachable and the session waits it out."""
        self.on_wait: Callable[[], None] = lambda: None
        """Called on each wait of an outage (the session sets it to heartbeat when due)."""

    def alert(self, severity: Severity, title: str, body: str) -> None:
        """Send an alert through the configured channels and log what became of it on each:
        ``alert_sent``, or ``alert_failed`` (ERROR) once its retries ran out. Delivery
        never raises: a dead channel does not stop trading."""
        if self._send_alert is None:
            return
        alert = Alert(
            severity=severity, title=f"{self._strategy}: {title}", body=body, dedupe_key=title
        )
        for result in self._send_alert(alert):
            if result.status == "delivered":
                self.events.log(
                    "alert_sent", channel=result.channel, title=title, attempts=result.attempts
                )
            elif result.status == "failed":
                self.events.log(
                    "alert_failed",
                    "ERROR",
                    channel=result.channel,
                    title=title,
                    attempts=result.attempts,
                    error=result.error,
                )

    def data_missing(self, label: pd.Timestamp, error: DataError) -> None:
        """Report a bar the feed never got."""
        self.events.log("data_unavailable", "WARNING", bar=label.isoformat(), message=str(error))
        self.alert(Severity.WARNING, "market data missing", f"{label.isoformat()}: {error}")

    def positions_drifted(self, described: str) -> None:
        """Report positions that differ between the broker and the state file."""
        self.events.log("reconciliation_drift", "WARNING", drift=described)
        self.alert(Severity.CRITICAL, "broker positions drifted from the state file", described)

    def broker_state_accepted(self, described: str) -> None:
        """Report that the session took the broker's holdings as its own."""
        self.events.log("broker_state_accepted", "WARNING", adopted=described)

    def other_holdings(self, described: str) -> None:
        """Note holdings the strategy does not trade (they are not checked)."""
        self.events.log("other_holdings", holdings=described)

    def intent_resolved(self, order_id: str, outcome: str) -> None:
        """Report what the venue said of an order journaled before a restart."""
        self.events.log("order_resolved", order_id=order_id, outcome=outcome)

    def venue_degraded(self, what: str, error: str) -> None:
        """Report that the broker stopped answering; the session waits it out."""
        self.degraded = True
        self.events.log("venue_degraded", "WARNING", message=error)
        self.alert(Severity.WARNING, "broker unreachable: trading degraded", error)

    def venue_waiting(self) -> None:
        """A wait of an outage: heartbeat if one is due."""
        self.on_wait()

    def venue_recovered(self, what: str, seconds: float) -> None:
        """Report that the broker answers again."""
        self.degraded = False
        self.events.log("venue_recovered", broker=what, outage_seconds=round(seconds, 3))
        self.alert(Severity.INFO, "broker reachable again", f"{what} after {seconds:.0f} s")

    def risk_blocked(self, reason: str) -> None:
        """Report an order a risk limit refused."""
        self.alert(Severity.WARNING, "risk limit blocked an order", reason)


class TradingSession:
    """Runs ``engine`` as a journaled session: the engine's observer, and its runner."""

    def __init__(
        self,
        engine: TradingEngine,
        *,
        venue: Venue,
        journal: Journal,
        report: SessionReport,
        clock: SessionClock,
        settings: SessionSettings,
        checkpoint_spacing: float = 0.0,
    ) -> None:
        """``checkpoint_spacing``: see :meth:`_checkpoint_due`."""
        self.engine = engine
        self.venue = venue
        self.journal = journal
        self.report = report
        self.events = report.events
        self.clock = clock
        clock.heartbeat = self.heartbeat
        report.on_wait = clock.heartbeat_if_due
        self.settings = settings
        self.risk = RiskGuard(engine, settings.risk, report.risk_blocked)
        engine.pre_trade_checks.append(self.risk)
        engine.observe(self)
        engine.observe(self.risk)
        self._baseline_attributes = set(vars(engine.algorithm))
        self._labels: list[str] = []
        self._labels_of: pd.DatetimeIndex | None = None
        self._pending_fills: list[JournaledFill] = []
        self._pending_orders: dict[str, dict[str, Any]] = {}
        self._pending_closes: list[tuple[int, Decimal, Decimal]] = []
        """Each session closed since the last checkpoint: its index, value and cash."""
        self.checkpoint_spacing = checkpoint_spacing
        self._checkpointed = False
        self._checkpointed_at = monotonic()
        self._resumed_from: str | None = None
        self._unpicklable_warned: set[str] = set()
        self._fills_before_resume = 0
        self._bar_text: tuple[int, str] = (-1, "")
        self._bar_times_ns: Sequence[int] = ()
        """Each bar's time up to the run's last (set when the engine starts)."""

    # -- running ------------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """Start (or resume from the journal), trade until the data, the duration, a signal
        or the kill switch ends it, and return the summary. The venue is always closed."""
        with api.running(self.engine.algorithm):
            return self._run()

    def _run(self) -> SessionSummary:
        engine = self.engine
        engine.start()
        self._bar_times_ns = engine.bar_times.asi8[: int(engine.session_bounds[-1])].tolist()
        self.venue.connect()
        try:
            from_session = self._resume()
            self.events.log(
                "engine_started",
                mode=self.settings.mode,
                strategy=engine.algorithm.algorithm_name,
                heartbeat_interval=self.settings.heartbeat_interval,
                resumed_from=self._resumed_from,
            )
            stop = self.clock.stop
            with stop.signals_stop():
                try:
                    engine.run_sessions(from_session)
                except BaseException as exc:
                    self.clock.flush_heartbeats()
                    self._log_closes()
                    self.events.log(
                        "error", "ERROR", error_type=type(exc).__name__, message=str(exc)
                    )
                    self.events.log("engine_stopped", "ERROR", reason="error")
                    self.report.alert(
                        Severity.CRITICAL,
                        "engine stopped with an error",
                        f"{type(exc).__name__}: {exc}",
                    )
                    raise
                self._finish()
            reason = stop.reason or "completed"
            self.clock.flush_heartbeats()
            self.events.log("engine_stopped", reason=reason)
            if reason == "kill switch" and stop.kill_switch is not None:
                # Consumed: the next start trades again unless the switch is set anew.
                stop.kill_switch.unlink(missing_ok=True)
                self.report.alert(
                    Severity.CRITICAL, "kill switch: trading stopped", str(stop.kill_switch)
                )
            return self._summary(reason)
        finally:
            self.venue.close()

    def heartbeat(self, beats: int, first_ns: int) -> None:
        """Log a heartbeat: the portfolio's value, open orders, the last bar, and whether
        the broker answers (``status``: ``ok`` or ``degraded``). A line standing for more
        than one of the ``beats`` due (a replay's, see :class:`SessionClock`) says how many,
        and ``since`` when the first of them was due (``first_ns``)."""
        engine = self.engine
        summary: dict[str, Any] = (
            {"beats": beats, "since": utc_datetime(first_ns)} if beats > 1 else {}
        )
        self.events.log(
            "heartbeat",
            "WARNING" if self.report.degraded else "INFO",
            portfolio_value=str(engine.portfolio_value()),
            open_orders=len(engine.open_orders()),
            last_bar=self._bar_time_text(engine.current_bar),
            status="degraded" if self.report.degraded else "ok",
            **summary,
        )

    def _bar_time_text(self, bar: int) -> str | None:
        """Bar ``bar``'s time in ISO form (None before the first bar), kept while the bar
        lasts: a session logs several heartbeats per bar."""
        if bar < 0:
            return None
        if self._bar_text[0] != bar:
            self._bar_text = (bar, self.engine.arrays.timeline[bar].isoformat())
        return self._bar_text[1]

    def _finish(self) -> None:
        """Collect the fills still due, checkpoint them when the stop fell on a session's
        last bar (mid-session, the next start reads them again), and name the orders left
        open."""
        engine = self.engine
        bar = engine.current_bar
        if bar < 0:
            return
        fills_before = len(self._pending_fills)
        self.venue.finish(bar)
        session_last_bar = int(engine.session_bounds[int(engine.session_of_bar[bar]) + 1]) - 1
        if len(self._pending_fills) > fills_before and bar == session_last_bar:
            self._keep_orders()
            self._checkpoint(bar)
        still_open = engine.open_orders()
        if still_open:
            self.events.log(
                "open_orders_at_stop",
                "WARNING",
                order_ids=[o.id for o in still_open],
                message="these orders stay open at the broker; the next start with this "
                "--state picks them up",
            )

    # -- observing the engine -------------------------------------------------------------

    def order_placed(self, order: Order) -> None:
        """Log the order as submitted, or as rejected with the reason."""
        if order.status is OrderStatus.REJECTED:
            self.events.log(
                "order_rejected",
                "WARNING",
                event_id=f"order:{order.id}:rejected",
                order_id=order.id,
                symbol=order.asset.symbol,
                amount=str(order.amount),
                reason=order.reason,
            )
            return
        self.events.log(
            "order_submitted",
            event_id=f"order:{order.id}:submitted",
            order_id=order.id,
            symbol=order.asset.symbol,
            amount=str(order.amount),
            limit=_text(order.limit),
            stop=_text(order.stop),
        )

    def order_filled(self, order: Order, transaction: Transaction) -> None:
        """Keep the fill for the session's checkpoint and log it."""
        self._pending_fills.append(
            JournaledFill(
                fill_id=transaction.fill_id,
                client_order_id=order.id,
                symbol=order.asset.symbol,
                amount=transaction.amount,
                price=transaction.price,
                commission=transaction.commission,
                dt=transaction.dt.isoformat(),
                bar=self.engine.current_bar,
            )
        )
        self.events.log(
            "order_filled",
            event_id=f"fill:{transaction.fill_id}",
            fill_id=transaction.fill_id,
            order_id=order.id,
            symbol=order.asset.symbol,
            amount=str(transaction.amount),
            price=str(transaction.price),
            commission=str(transaction.commission),
        )

    def session_ended(self, bar: int) -> None:
        """Keep the session's close (the portfolio's value and cash) and its orders for the
        journal, and journal them with its fills and a checkpoint, in one transaction, when
        one is due (see :meth:`_checkpoint_due`)."""
        engine = self.engine
        self._pending_closes.append(
            (int(engine.session_of_bar[bar]), engine.portfolio_value(), engine.ledger.cash)
        )
        if engine.orders.touched:  # most sessions of a replay touch no order
            self._keep_orders()
        if self._checkpoint_due(bar):
            self._checkpoint(bar)

    def _log_closes(self) -> None:
        """Log the sessions closed since the last checkpoint that the log lacks: one
        ``session_closed`` line, or one ``sessions_closed`` line for several (a replay at
        full speed closes thousands a second). A session redone after a crash, whose
        close the log already holds, is not logged again."""
        pending, self._pending_closes = self._pending_closes, []
        if not pending:
            return
        labels, written = self._session_labels(), self.events.written
        closes = [
            (event_id, label, value, cash)
            for session, value, cash in pending
            for label in [labels[session]]
            for event_id in ["session:" + label]
            if not written(event_id)
        ]
        if len(closes) == 1:
            ((event_id, label, value, cash),) = closes
            self.events.log(
                "session_closed",
                event_id=event_id,
                session=label,
                portfolio_value=str(value),
                cash=str(cash),
            )
        elif closes:
            event_ids, sessions, values, cash_by_session = zip(*closes, strict=True)
            self.events.log(
                "sessions_closed",
                event_ids=event_ids,
                sessions=list(sessions),
                portfolio_values=list(map(str, values)),
                cash=_texts(cash_by_session),
            )

    def _session_labels(self) -> list[str]:
        """The date of each of the engine's sessions (``YYYY-MM-DD``), written once (again
        when the engine's sessions are replaced)."""
        sessions = self.engine.all_sessions
        if self._labels_of is not sessions:
            days = sessions.asi8.astype("datetime64[ns]").astype("datetime64[D]")
            self._labels, self._labels_of = np.datetime_as_string(days).tolist(), sessions
        return self._labels

    def _keep_orders(self) -> None:
        """The rows of the orders the session touched, as they stand at its end."""
        rows, venue = self._pending_orders, self.venue
        for order in self.engine.orders.touched.values():
            rows[order.id] = order_row(order, broker_id=venue.broker_order_id(order.id))

    def _checkpoint_due(self, bar: int) -> bool:
        """Whether the session that ended at ``bar`` is checkpointed: always with
        ``checkpoint_spacing`` 0; otherwise the first, the last, the one before a stop
        (asked for, or the duration ending by the next bar), and one every
        ``checkpoint_spacing`` seconds of wall time. A session killed in between redoes the
        sessions since its last checkpoint, whose orders and fills keep their ids."""
        if self.checkpoint_spacing <= 0 or not self._checkpointed:
            return True
        if monotonic() - self._checkpointed_at >= self.checkpoint_spacing:
            return True
        bar_times_ns = self._bar_times_ns
        following = bar + 1
        if following >= len(bar_times_ns):
            return True
        return self.clock.stop.due_by(bar_times_ns[following])

    def _checkpoint(self, bar: int) -> None:
        engine = self.engine
        # Heartbeats first: a replay killed after this checkpoint resumes from it, and its
        # log must show the engine alive up to there.
        self.clock.flush_heartbeats()
        self._log_closes()
        with self.journal.transaction():
            self.journal.record_fills(self._pending_fills)
            for row in self._pending_orders.values():
                self.journal.record_order(row)
            self.journal.checkpoint(
                bar,
                engine.arrays.timeline[bar].isoformat(),
                session_ended=True,
                state=self._state(),
            )
        self._pending_fills = []
        self._pending_orders = {}
        self._checkpointed = True
        self._checkpointed_at = monotonic()

    # -- checkpoints ----------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        engine = self.engine
        ledger = engine.ledger
        return {
            "symbols": [a.symbol for a in ledger.assets],
            "cash": ledger.cash,
            "lots": ledger.lots.tolist(),
            "cost_basis": list(ledger.cost_basis),
            "realized_pnl": list(ledger.realized_pnl),
            "commissions": ledger.commissions,
            "unpaid_dividends": engine.unpaid_dividends(),
            "orders": [attrs.asdict(o, recurse=False) for o in engine.open_orders()],
            "order_counter": engine.orders.next_number,
            "venue": self.venue.state(),
            "recorded": self._picklable(engine.recorded),
            "context": self._context_state(),
            "fills": engine.fill_count + self._fills_before_resume,
            "heartbeat_due": self.clock.next_heartbeat_ns,
            "clock_ns": self.clock.time.now_ns(),
        }

    def _context_state(self) -> bytes:
        """The strategy's own attributes of ``context`` that pickle, pickled, each live view
        of the portfolio among them kept as a token (:meth:`TradingEngine.live_view_token`):
        a restart hands the strategy its own views back (:meth:`_restored_context`)."""
        engine = self.engine
        own = {
            k: v for k, v in vars(engine.algorithm).items() if k not in self._baseline_attributes
        }
        return self._pickle_context(self._picklable(own, self._pickle_context))

    def _pickle_context(self, value: Any) -> bytes:
        buffer = io.BytesIO()
        _ContextPickler(buffer, self.engine).dump(value)
        return buffer.getvalue()

    def _restored_context(self, context: bytes | dict[str, Any]) -> dict[str, Any]:
        """The context attributes a checkpoint kept, their live views this run's (a
        checkpoint from before views were kept as tokens holds a plain dict)."""
        if isinstance(context, dict):
            return context
        try:
            restored: dict[str, Any] = _ContextUnpickler(io.BytesIO(context), self.engine).load()
        except ValueError as exc:
            raise ConfigError(
                f"state file {self.journal.path}: the strategy kept a view of the portfolio "
                f"this run cannot give ({exc}); run it with the same strategy and symbols"
            ) from None
        return restored

    def _picklable(
        self, values: Mapping[str, Any], dumps: Callable[[Any], bytes] = pickle.dumps
    ) -> dict[str, Any]:
        kept = {}
        for name, value in values.items():
            try:
                dumps(value)
            except Exception:
                if name not in self._unpicklable_warned:
                    self._unpicklable_warned.add(name)
                    self.events.log(
                        "state_skipped",
                        "WARNING",
                        name=name,
                        reason="not picklable: it will be re-created by initialize on restart",
                    )
                continue
            kept[name] = value
        return kept

    def _resume(self) -> int:
        """Restore the last checkpoint, if any; return the session index to run from."""
        engine = self.engine
        checkpoint = self.journal.last_checkpoint()
        if checkpoint is None:
            self.venue.open_account(engine.assets)
            return engine.first_session
        state = checkpoint.state
        ledger = engine.ledger
        index = {a.symbol: i for i, a in enumerate(ledger.assets)}
        if set(state["symbols"]) - set(index):
            raise ConfigError(
                f"state file {self.journal.path} holds positions in {', '.join(state['symbols'])}; "
                "run it with the same strategy and symbols"
            )
        ledger.cash = state["cash"]
        ledger.commissions = state["commissions"]
        ledger.realized_pnl = list(state["realized_pnl"])
        for symbol, lots, basis in zip(
            state["symbols"], state["lots"], state["cost_basis"], strict=True
        ):
            ledger.set_position(ledger.assets[index[symbol]], lots, basis)
        # Checkpoints from before corporate actions were applied owe no dividends.
        engine.restore_unpaid_dividends(state.get("unpaid_dividends", ()))
        engine.orders.restore(
            (Order(**fields) for fields in state["orders"]), state["order_counter"]
        )
        for name, value in self._restored_context(state["context"]).items():
            setattr(engine.algorithm, name, value)
        self._fills_before_resume = state["fills"]
        clock = self.clock
        # Checkpoints before "clock_ns" was kept: the heartbeat then due is one interval on.
        clock.time.resume_at(state.get("clock_ns", state["heartbeat_due"] - clock.interval_ns))
        clock.stop.restart_duration()
        clock.next_heartbeat_ns = state["heartbeat_due"]
        self._resumed_from = checkpoint.bar_time
        self._checkpointed = True
        bar_session = int(engine.session_of_bar[checkpoint.bar])
        engine.resume_after(checkpoint.bar, state["recorded"])
        self.venue.resume(state["venue"], checkpoint.bar)
        self.risk.day_start_value = engine.portfolio_value()
        return bar_session + 1

    def _summary(self, reason: str) -> SessionSummary:
        engine = self.engine
        ledger = engine.ledger
        positions = {
            ledger.assets[i].symbol: ledger.amount(ledger.assets[i]) for i in ledger.held()
        }
        last = self.journal.last_checkpoint()
        return SessionSummary(
            stopped=reason,
            portfolio_value=engine.portfolio_value(),
            cash=ledger.cash,
            positions=positions,
            fills=len(self.journal.fills()),
            first_bar=self.journal.first_bar_time(),
            last_bar=None if last is None else last.bar_time,
            resumed_from=self._resumed_from,
            open_orders=tuple(o.id for o in engine.open_orders()),
            params=StrategyParams(engine.algorithm.params).to_json(),
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@attrs.frozen(kw_only=True)
class SessionParts:
    """What every trading session is made of, whatever executes its orders."""

    algorithm: TradingAlgorithm
    source: DataSource
    config: BacktestConfig
    journal: Journal
    events: EventSink
    time: TimeSource
    settings: SessionSettings
    alerts: AlertSender | None = None


def paper_session(parts: SessionParts, broker: SimulatedExecution) -> TradingSession:
    """A paper session: the engine filling orders with ``broker``, a simulated execution
    (the ``paper`` broker), on the session's clock and bar feed."""
    report = SessionReport(parts.events, parts.alerts, parts.algorithm.algorithm_name)
    return _assemble(
        parts, broker, SimulatedVenue(), report, checkpoint_spacing=PAPER_CHECKPOINT_SPACING
    )


def live_session(parts: SessionParts, broker: Broker) -> TradingSession:
    """A live session: the engine executing orders at ``broker``, each journaled before it
    is sent, on the session's clock and bar feed."""
    settings = parts.settings
    report = SessionReport(parts.events, parts.alerts, parts.algorithm.algorithm_name)
    execution = BrokerExecution(
        broker,
        parts.journal,
        reconciliation=Reconciliation(
            currency=settings.currency,
            tolerance=settings.reconcile_tolerance,
            accept_broker_state=settings.accept_broker_state,
        ),
        watch=report,
        time=parts.time,
        outage=attrs.evolve(OUTAGE_BUDGET, budget_seconds=settings.outage_budget_seconds),
        final_fill_wait_seconds=settings.final_fill_wait_seconds,
    )
    session = _assemble(parts, execution, execution, report)
    execution.interrupted = session.clock.stop
    return session


def _texts(values: Sequence[object]) -> list[str]:
    """``str`` of each of ``values``, worked out once per object: a session's cash is the
    same Decimal from one session to the next until a fill moves it."""
    made: dict[int, str] = {}
    texts = []
    for value in values:
        text = made.get(id(value))
        if text is None:
            text = made[id(value)] = str(value)
        texts.append(text)
    return texts


def _assemble(
    parts: SessionParts,
    execution: Execution,
    venue: Venue,
    report: SessionReport,
    checkpoint_spacing: float = 0.0,
) -> TradingSession:
    """The session around an engine on ``execution``: a session clock on ``parts.time``,
    bars stored up front (a replay) or polled as they close (``feed="poll"``)."""
    settings = parts.settings
    stop = StopConditions(parts.time, kill_switch=settings.kill_switch, duration=settings.duration)
    clock = SessionClock(
        parts.time,
        heartbeat_interval=settings.heartbeat_interval,
        stop=stop,
        simulated=isinstance(parts.time, ReplayClock),
    )
    if settings.feed == "poll":
        feed: BarFeed = PolledBars(
            parts.source,
            time=parts.time,
            retries=settings.data_retries,
            retry_seconds=settings.data_retry_seconds,
            stop=stop,
            missing=report.data_missing,
        )
    else:
        feed = StoredBars(parts.source)
    engine = TradingEngine(
        parts.algorithm,
        parts.config,
        clock=clock,
        feed=feed,
        execution=execution,
        id_prefix=parts.journal.session_id,
        # Each session's pipeline output from the bars known at its start: a restart from
        # a checkpoint computes the same output again.
        pipelines_each_session=True,
    )
    return TradingSession(
        engine,
        venue=venue,
        journal=parts.journal,
        report=report,
        clock=clock,
        settings=settings,
        checkpoint_spacing=checkpoint_spacing,
    )


class _ContextPickler(pickle.Pickler):
    """Pickles a strategy's context, the engine's live views of the portfolio as tokens."""

    def __init__(self, file: io.BytesIO, engine: TradingEngine) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._engine = engine

    def persistent_id(self, obj: Any) -> Any:
        return self._engine.live_view_token(obj)


class _ContextUnpickler(pickle.Unpickler):
    """Unpickles a context :class:`_ContextPickler` wrote, each token as this run's view."""

    def __init__(self, file: io.BytesIO, engine: TradingEngine) -> None:
        super().__init__(file)
        self._engine = engine

    def persistent_load(self, pid: Any) -> Any:
        return self._engine.live_view(tuple(pid))
