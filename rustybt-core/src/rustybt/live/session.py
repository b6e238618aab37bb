"""Paper and live trading sessions: the backtest engine, executing through a broker.

A :class:`TradingSession` is the backtest engine with three things swapped (the
Nautilus principle: same strategy, order and portfolio components; only the clock, the
data feed and execution differ): orders go to a :class:`rustybt.broker.Broker`, time comes
from a clock (a replay clock in replay mode), and every session end is checkpointed to a
:class:`rustybt.live.journal.Journal`, so a killed process resumes exactly where it was.
A simulated broker (``broker.simulated``, e.g. ``paper``) is handed each bar and fills with
the backtest's own fill simulation, so paper fills equal backtest fills on the same bars.
"""

from __future__ import annotations

import pickle
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import attrs
import pandas as pd

from rustybt import api
from rustybt.alerts.alert import Alert, Severity
from rustybt.algorithm import TradingAlgorithm
from rustybt.backtest.engine import FREQUENCIES, Backtest, BacktestConfig
from rustybt.broker import BarQuote, Broker, BrokerFill, OrderRequest
from rustybt.data.source import DataSource
from rustybt.errors import BrokerError, ConfigError, DataError
from rustybt.finance.order import Order, OrderStatus
from rustybt.finance.transaction import Transaction
from rustybt.live.clock import Clock
from rustybt.live.journal import Journal, JournaledFill


class EventSink(Protocol):
    """Where a session writes its structured events (JSON lines)."""

    def log(self, event: str, level: str = "INFO", **fields: Any) -> None:
        """Write one event, stamped with the session's clock."""
        ...


@attrs.frozen(kw_only=True)
class RiskLimits:
    """Limits that block orders (with a logged reason) or stop trading.

    ``max_order_value``: largest value of one order; ``max_position_fraction``: largest
    position value as a fraction of the portfolio; ``max_daily_loss``: loss since the
    session's start of day that stops new orders for the rest of the day.
    """

    max_order_value: Decimal | None = None
    max_position_fraction: Decimal | None = None
    max_daily_loss: Decimal | None = None


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
    risk: RiskLimits = RiskLimits()
    accept_broker_state: bool = False
    currency: str = "USD"
    """The quote currency whose balance is the session's cash (real brokers)."""


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
        }


class TradingSession(Backtest):
    """Runs ``algorithm`` against ``broker`` over the bars of ``source``, journaled."""

    def __init__(
        self,
        algorithm: TradingAlgorithm,
        source: DataSource,
        config: BacktestConfig,
        *,
        broker: Broker,
        journal: Journal,
        events: EventSink,
        clock: Clock,
        settings: SessionSettings,
        alerts: Callable[[Alert], object] | None = None,
    ) -> None:
        super().__init__(algorithm, source, config)
        self.broker = broker
        self.journal = journal
        self.events = events
        self.clock = clock
        self.settings = settings
        self._send_alert = alerts
        self._baseline_attributes = set(vars(algorithm))
        self._pending_fills: list[JournaledFill] = []
        self._stop_reason: str | None = None
        self._started_ns = clock.now_ns()
        self._next_heartbeat_ns = self._started_ns
        self._resumed_from: str | None = None
        self._by_client_id: dict[str, Order] = {}
        self._broker_ids: dict[str, str] = {}
        self._day_start_value: Decimal | None = None
        self._unpicklable_warned: set[str] = set()
        self._fills_before_resume = 0
        self.order_id_prefix = journal.session_id
        self._growing_data = settings.feed == "poll"

    @property
    def _simulated(self) -> bool:
        return bool(getattr(self.broker, "simulated", False))

    # -- running ------------------------------------------------------------------------

    def run_session(self) -> SessionSummary:
        """Start (or resume from the journal), trade until the data, the duration, a signal
        or the kill switch ends it, and return the summary. The broker is always closed."""
        with api.running(self.algorithm):
            return self._run_session()

    def _run_session(self) -> SessionSummary:
        self._start()
        if self._simulated:
            self.broker.configure(costs=self.costs, asset_for=self._asset_of_symbol)
        self.broker.connect()
        try:
            from_session = self._resume()
            self.events.log(
                "engine_started",
                mode=self.settings.mode,
                strategy=self.algorithm.algorithm_name,
                heartbeat_interval=self.settings.heartbeat_interval,
                resumed_from=self._resumed_from,
            )
            with self._signals_stop_the_session():
                try:
                    self._loop(from_session)
                except BaseException as exc:
                    self.events.log(
                        "error", "ERROR", error_type=type(exc).__name__, message=str(exc)
                    )
                    self.events.log("engine_stopped", "ERROR", reason="error")
                    self._alert(
                        Severity.CRITICAL,
                        "engine stopped with an error",
                        f"{type(exc).__name__}: {exc}",
                    )
                    raise
            reason = self._stop_reason or "completed"
            self.events.log("engine_stopped", reason=reason)
            if reason == "kill switch":
                # Consumed: the next start trades again unless the switch is set anew.
                self.settings.kill_switch.unlink(missing_ok=True)
                self._alert(
                    Severity.CRITICAL,
                    "kill switch: trading stopped",
                    str(self.settings.kill_switch),
                )
            return self._summary(reason)
        finally:
            self.broker.close()

    def _alert(self, severity: Severity, title: str, body: str) -> None:
        """Send an alert through the configured channels (delivery never raises)."""
        if self._send_alert is not None:
            self._send_alert(
                Alert(
                    severity=severity,
                    title=f"{self.algorithm.algorithm_name}: {title}",
                    body=body,
                    dedupe_key=title,
                )
            )

    def _now(self) -> pd.Timestamp:
        return pd.Timestamp(self.clock.now_ns(), tz="UTC")

    @contextmanager
    def _signals_stop_the_session(self) -> Iterator[None]:
        def stop(signum: int, frame: Any) -> None:
            self._stop_reason = "signal"

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _should_stop(self) -> bool:
        """True once a signal, the kill switch or the duration says to stop (and why)."""
        switch = self.settings.kill_switch
        if self._stop_reason is None and switch is not None and switch.exists():
            self._stop_reason = "kill switch"
        duration = self.settings.duration
        if (
            self._stop_reason is None
            and duration is not None
            and self.clock.now_ns() - self._started_ns > duration.value
        ):
            self._stop_reason = "duration reached"
        return self._stop_reason is not None

    def _before_bar(self, bar: int, bar_time_ns: int) -> bool:
        interval = int(self.settings.heartbeat_interval * 1e9)
        while self._next_heartbeat_ns <= bar_time_ns and not self._should_stop():
            self.clock.sleep_until(self._next_heartbeat_ns, self._should_stop)
            if self._should_stop():
                break
            self._heartbeat()
            self._next_heartbeat_ns += interval
        self.clock.sleep_until(bar_time_ns, self._should_stop)
        if self._should_stop():
            return False
        if self._growing_data:
            self._poll_bar(bar)
        return True

    def _load_bars(self, assets, timeline: pd.DatetimeIndex) -> pd.DataFrame:
        if not self._growing_data:
            return super()._load_bars(assets, timeline)
        warmup_bars = int(self.session_bounds[self.first_session])
        if not assets or warmup_bars == 0:
            return super()._load_bars([], timeline)
        return super()._load_bars(assets, timeline[:warmup_bars])

    def _poll_bar(self, bar: int) -> None:
        """Fetch bar ``bar`` from the source now that its time has come, retrying while the
        source does not have it yet; a bar that never arrives is logged and left empty."""
        label = self.arrays.timeline[bar]
        symbols = [asset.symbol for asset in self.arrays.assets]
        if not symbols:
            return
        for attempt in range(self.settings.data_retries + 1):
            try:
                bars = self.source.fetch_bars(
                    symbols, label, label, FREQUENCIES[self.config.frequency]
                )
            except DataError as exc:
                if attempt == self.settings.data_retries:
                    self.events.log(
                        "data_unavailable", "WARNING", bar=label.isoformat(), message=str(exc)
                    )
                    self._alert(
                        Severity.WARNING, "market data missing", f"{label.isoformat()}: {exc}"
                    )
                    return
                self.clock.sleep_until(
                    self.clock.now_ns() + int(self.settings.data_retry_seconds * 1e9),
                    self._should_stop,
                )
                continue
            self.arrays.write_bar(bar, bars[bars["timestamp"] == label])
            self.units[bar] = self.ledger.value_units(self.arrays.ticks[bar : bar + 1])[0]
            return

    def _heartbeat(self) -> None:
        last = self._bar
        self.events.log(
            "heartbeat",
            portfolio_value=str(self.portfolio_value()),
            open_orders=len(self.open_orders()),
            last_bar=None if last < 0 else self.arrays.timeline[last].isoformat(),
        )

    # -- orders through the broker ---------------------------------------------------------

    def _asset_of_symbol(self, symbol: str):
        return self._assets[symbol]

    def _route_order(self, order: Order) -> None:
        blocked = self._risk_violation(order)
        if blocked is not None:
            self._reject(order, blocked)
            self._alert(Severity.WARNING, "risk limit blocked an order", blocked)
            return
        self._by_client_id[order.id] = order
        journaled = self.journal.order(order.id)
        self.journal.record_order(self._order_row(order, broker_id=None))
        broker_order = None
        if journaled is not None:
            # Redone after a restart: never send twice what the broker may already have.
            broker_order = self.broker.get_order(client_order_id=order.id)
        if broker_order is None:
            try:
                broker_order = self.broker.submit_order(
                    OrderRequest(
                        client_order_id=order.id,
                        symbol=order.asset.symbol,
                        amount=order.amount,
                        limit_price=order.limit,
                        stop_price=order.stop,
                    )
                )
            except BrokerError as exc:
                self._reject(order, str(exc))
                return
        self._broker_ids[order.id] = broker_order.id
        self.journal.record_order(self._order_row(order, broker_id=broker_order.id))
        self.events.log(
            "order_submitted",
            order_id=order.id,
            symbol=order.asset.symbol,
            amount=str(order.amount),
            limit=_text(order.limit),
            stop=_text(order.stop),
        )

    def _reject(self, order: Order, reason: str) -> None:
        order.status = OrderStatus.REJECTED
        order.reason = reason
        self._open[order.asset] = [o for o in self._open.get(order.asset, []) if o is not order]
        if not self._open[order.asset]:
            del self._open[order.asset]
        self.events.log(
            "order_rejected",
            "WARNING",
            order_id=order.id,
            symbol=order.asset.symbol,
            amount=str(order.amount),
            reason=reason,
        )

    def _risk_violation(self, order: Order) -> str | None:
        risk = self.settings.risk
        price = self.last_price(order.asset)
        value = self.portfolio_value()
        start_value = self._day_start_value
        if (
            risk.max_daily_loss is not None
            and start_value is not None
            and start_value - value > risk.max_daily_loss
        ):
            return f"daily loss {start_value - value} exceeds max_daily_loss {risk.max_daily_loss}"
        if price is None:
            return None
        order_value = abs(order.amount) * price
        if risk.max_order_value is not None and order_value > risk.max_order_value:
            return f"order value {order_value} exceeds max_order_value {risk.max_order_value}"
        if risk.max_position_fraction is not None and value > 0:
            resulting = abs(self.position_amount(order.asset) + order.amount) * price
            if resulting / value > risk.max_position_fraction:
                return (
                    f"position of {resulting} would be {resulting / value:.4f} of the portfolio, "
                    f"above max_position_fraction {risk.max_position_fraction}"
                )
        return None

    def _route_cancel(self, order: Order) -> None:
        broker_id = self._broker_ids.get(order.id)
        if broker_id is not None:
            self.broker.cancel_order(broker_id)

    def _execute_bar(self, bar: int) -> None:
        if self._simulated:
            fills = self.broker.on_bar(bar, self._paper_bars(bar))
        else:
            fills = [
                fill
                for order in self.open_orders()
                if order.id in self._broker_ids
                for fill in self.broker.order_fills(self._broker_ids[order.id])
                if not self.journal.has_fill(fill.fill_id)
                and fill.fill_id not in {f.fill_id for f in self._pending_fills}
            ]
        for fill in fills:
            self._apply_broker_fill(fill, bar)
        for asset in list(self._open):
            remaining = [o for o in self._open[asset] if o.is_open]
            if remaining:
                self._open[asset] = remaining
            else:
                del self._open[asset]

    def _paper_bars(self, bar: int) -> dict[str, BarQuote]:
        arrays = self.arrays
        dt = self.current_dt()
        closes = arrays.fields["close"][bar]
        volumes = arrays.fields["volume"][bar]
        return {
            asset.symbol: BarQuote(close=float(closes[i]), volume=float(volumes[i]), dt=dt)
            for i, asset in enumerate(arrays.assets)
            if arrays.traded[bar, i]
        }

    def _apply_broker_fill(self, fill: BrokerFill, bar: int) -> None:
        order = self._by_client_id[fill.client_order_id]
        transaction = Transaction(
            order_id=order.id,
            asset=order.asset,
            amount=fill.amount,
            price=fill.price,
            dt=fill.dt,
            commission=fill.commission,
        )
        order.filled += fill.amount
        order.commission += fill.commission
        if order.filled == order.amount:
            order.status = OrderStatus.FILLED
        self._book_fill(order, transaction)
        self._pending_fills.append(
            JournaledFill(
                fill_id=fill.fill_id,
                client_order_id=order.id,
                symbol=fill.symbol,
                amount=fill.amount,
                price=fill.price,
                commission=fill.commission,
                dt=fill.dt.isoformat(),
                bar=bar,
            )
        )
        self.events.log(
            "order_filled",
            order_id=order.id,
            symbol=fill.symbol,
            amount=str(fill.amount),
            price=str(fill.price),
            commission=str(fill.commission),
        )

    # -- checkpoints ----------------------------------------------------------------------

    def _after_bar(self, bar: int, *, session_ended: bool) -> None:
        if not session_ended:
            return
        with self.journal.transaction():
            self.journal.record_fills(self._pending_fills)
            for order in self._session_orders.values():
                self.journal.record_order(
                    self._order_row(order, broker_id=self._broker_ids.get(order.id))
                )
            self.journal.checkpoint(
                bar, self.arrays.timeline[bar].isoformat(), session_ended=True, state=self._state()
            )
        self._pending_fills = []
        self._day_start_value = self.portfolio_value()

    def _state(self) -> dict[str, Any]:
        ledger = self.ledger
        return {
            "symbols": [a.symbol for a in ledger.assets],
            "cash": ledger.cash,
            "lots": ledger.lots.tolist(),
            "cost_basis": list(ledger.cost_basis),
            "realized_pnl": list(ledger.realized_pnl),
            "commissions": ledger.commissions,
            "orders": [attrs.asdict(o, recurse=False) for o in self._orders.values() if o.is_open],
            "order_counter": self._next_order_number,
            "broker_ids": dict(self._broker_ids),
            "recorded": self._picklable(self._recorded),
            "context": self._picklable(
                {
                    k: v
                    for k, v in vars(self.algorithm).items()
                    if k not in self._baseline_attributes
                }
            ),
            "broker": self.broker.snapshot() if self._simulated else None,
            "fills": len(self._transactions) + self._fills_before_resume,
            "heartbeat_due": self._next_heartbeat_ns,
        }

    def _picklable(self, values: Mapping[str, Any]) -> dict[str, Any]:
        kept = {}
        for name, value in values.items():
            try:
                pickle.dumps(value)
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
        checkpoint = self.journal.last_checkpoint()
        if checkpoint is None:
            if not self._simulated:
                self._adopt_broker_account()
            return self.first_session
        state = checkpoint.state
        index = {a.symbol: i for i, a in enumerate(self.ledger.assets)}
        if set(state["symbols"]) - set(index):
            raise ConfigError(
                f"state file {self.journal.path} holds positions in {', '.join(state['symbols'])}; "
                "run it with the same strategy and symbols"
            )
        ledger = self.ledger
        ledger.cash = state["cash"]
        ledger.commissions = state["commissions"]
        ledger.realized_pnl = list(state["realized_pnl"])
        for symbol, lots, basis in zip(
            state["symbols"], state["lots"], state["cost_basis"], strict=True
        ):
            ledger.set_position(ledger.assets[index[symbol]], lots, basis)
        for fields in state["orders"]:
            order = Order(**fields)
            self._orders[order.id] = order
            self._order_sequence[order.id] = int(order.id.rsplit("-", 1)[1])
            self._open.setdefault(order.asset, []).append(order)
            self._by_client_id[order.id] = order
        self._broker_ids = dict(state["broker_ids"])
        self._next_order_number = state["order_counter"]
        self._recorded.update(state["recorded"])
        for name, value in state["context"].items():
            setattr(self.algorithm, name, value)
        self._fills_before_resume = state["fills"]
        self._next_heartbeat_ns = state["heartbeat_due"]
        if self._simulated:
            self.broker.restore(state["broker"])
        else:
            self._reconcile(
                {
                    symbol: Decimal(lots) * self._assets[symbol].lot_size
                    for symbol, lots in zip(state["symbols"], state["lots"], strict=True)
                    if lots
                }
            )
        self._resumed_from = checkpoint.bar_time
        bar_session = int(self.session_of_bar[checkpoint.bar])
        self._bar = checkpoint.bar
        self._day_start_value = self.portfolio_value()
        return bar_session + 1

    def _adopt_broker_account(self) -> None:
        """A new session on a real broker starts from the account as it is: cash in the
        quote currency, and (with ``accept_broker_state``) the positions it already holds."""
        currency = self.settings.currency
        balance = self.broker.balances().get(currency)
        if balance is None:
            raise BrokerError(f"the {self.broker.name} account has no {currency} balance")
        self.ledger.cash = self.ledger.starting_cash = balance.total
        self._reconcile({})
        for symbol, amount in self.broker.positions().items():
            asset = self._assets.get(symbol)
            if asset is not None:
                self.ledger.set_position(asset, int(amount / asset.lot_size), Decimal(0))

    def _reconcile(self, expected: dict[str, Decimal]) -> None:
        """Compare the broker's positions with ours; refuse to trade on drift unless told."""
        if self._simulated:
            return
        actual = self.broker.positions()
        drift = {
            symbol: (expected.get(symbol, Decimal(0)), actual.get(symbol, Decimal(0)))
            for symbol in set(expected) | set(actual)
            if expected.get(symbol, Decimal(0)) != actual.get(symbol, Decimal(0))
        }
        if not drift:
            return
        described = ", ".join(
            f"{s}: ours {ours}, broker {theirs}" for s, (ours, theirs) in sorted(drift.items())
        )
        self.events.log("reconciliation_drift", "WARNING", drift=described)
        self._alert(Severity.CRITICAL, "broker positions drifted from the state file", described)
        if not self.settings.accept_broker_state:
            raise BrokerError(
                f"broker positions differ from the state file ({described}); "
                "rerun with --accept-broker-state to trade from the broker's positions"
            )

    def _summary(self, reason: str) -> SessionSummary:
        positions = {
            self.ledger.assets[i].symbol: self.ledger.amount(self.ledger.assets[i])
            for i in self.ledger.held()
        }
        last = self.journal.last_checkpoint()
        return SessionSummary(
            stopped=reason,
            portfolio_value=self.portfolio_value(),
            cash=self.ledger.cash,
            positions=positions,
            fills=len(self.journal.fills()),
            first_bar=self.journal.first_bar_time(),
            last_bar=None if last is None else last.bar_time,
            resumed_from=self._resumed_from,
        )

    def _order_row(self, order: Order, *, broker_id: str | None) -> dict[str, Any]:
        return {
            "client_order_id": order.id,
            "broker_order_id": broker_id,
            "symbol": order.asset.symbol,
            "amount": order.amount,
            "limit_price": order.limit,
            "stop_price": order.stop,
            "created": order.created.isoformat(),
            "created_bar": order.created_bar,
            "status": str(order.status),
            "filled": order.filled,
            "commission": order.commission,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
