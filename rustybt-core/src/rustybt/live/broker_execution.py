"""Execution through a real broker: orders sent to the venue, fills read back from it.

The engine's order book stays the one record of the session's orders. Each order's client
order id is the engine's order id, journaled before the order is sent. After a crash the
session redoes the bars since its last checkpoint; every order journaled in that span is an
*intent* whose fate is unknown, and it is resolved at the venue by client order id and
symbol (open and closed orders) before anything is sent: an order the venue has is adopted,
one it confirms it lacks may be sent, and one it cannot answer for stops the session rather
than risk a second order.

Fills are read from the venue's trade history after the last trade seen (when the broker
offers :class:`rustybt.broker.TradeHistory`), so a fill is recorded whatever happened to
its order's answer. A venue that cannot be reached is waited out within the outage budget;
the session is told when it degrades and when it recovers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.broker import Broker, BrokerFill, BrokerOrder, OrderRequest, TradeHistory
from rustybt.engine.clock import NEVER, TimeSource
from rustybt.errors import BrokerError, VenueUnavailable
from rustybt.finance.order import Order, OrderStatus
from rustybt.finance.transaction import Transaction
from rustybt.live.journal import Journal, order_row
from rustybt.retry import RetriesExhaustedError, RetryPolicy, RetryWatch, call_with_retries

if TYPE_CHECKING:
    from rustybt.engine.engine import TradingEngine

T = TypeVar("T")

OUTAGE_BUDGET = RetryPolicy(
    attempts=None, budget_seconds=300.0, first_delay=1.0, max_delay=30.0, jitter=0.2
)
"""How long a session waits out an unreachable venue before it stops: five minutes, retried
after 1, 2, 4 ... 30 seconds."""

OPENING_KEY = "opening_account"
"""The journal's record of the account a session opened with (cash, positions, time)."""

FINAL_FILL_WAIT_SECONDS = 30.0
"""How long a stopping session waits for the fills of its open market orders."""

SNAPSHOT_ATTEMPTS = 5
"""Reads of the account a reconciliation makes at most to get one no fill raced."""


class VenueWatch(Protocol):
    """What a session is told about its venue."""

    def positions_drifted(self, described: str) -> None:
        """The venue's holdings of traded assets differ from the session's books."""
        ...

    def broker_state_accepted(self, described: str) -> None:
        """The session took the venue's holdings as its own (``--accept-broker-state``)."""
        ...

    def other_holdings(self, described: str) -> None:
        """The account holds currencies the strategy does not trade (information only)."""
        ...

    def intent_resolved(self, order_id: str, outcome: str) -> None:
        """An order journaled before a restart was found at the venue, or confirmed absent."""
        ...

    def venue_degraded(self, what: str, error: str) -> None:
        """The venue stopped answering; the session waits it out."""
        ...

    def venue_waiting(self) -> None:
        """Called on each wait of an outage (the session heartbeats when one is due)."""
        ...

    def venue_recovered(self, what: str, seconds: float) -> None:
        """The venue answers again after an outage of ``seconds``."""
        ...


@attrs.frozen(kw_only=True)
class Reconciliation:
    """How the venue's account is compared with the session's books: the traded assets
    and the quote ``currency``'s cash, each within ``tolerance`` (a fraction of the larger
    amount); other holdings are information only."""

    currency: str
    tolerance: Decimal = Decimal("0.001")
    accept_broker_state: bool = False


class BrokerExecution:
    """Executes the engine's orders at ``broker``, journaling each to ``journal`` first."""

    def __init__(
        self,
        broker: Broker,
        journal: Journal,
        *,
        reconciliation: Reconciliation,
        watch: VenueWatch,
        time: TimeSource,
        outage: RetryPolicy = OUTAGE_BUDGET,
        interrupted: Callable[[], bool] = NEVER,
        final_fill_wait_seconds: float = FINAL_FILL_WAIT_SECONDS,
    ) -> None:
        self.broker = broker
        self.journal = journal
        self._reconciliation = reconciliation
        self._watch = watch
        self._time = time
        self._outage = outage
        self.interrupted = interrupted
        """When true, an outage is no longer waited out (the session is stopping)."""
        self._final_wait_ns = int(final_fill_wait_seconds * 1e9)
        self._history = broker if isinstance(broker, TradeHistory) else None
        self.broker_ids: dict[str, str] = {}
        """Broker order id by client order id (the engine's order id), for open orders."""
        self.fill_cursors: dict[str, str | None] = {}
        """The id of the last fill read from the trade history, by symbol."""
        self._since = pd.Timestamp(time.now_ns(), tz="UTC")
        self._reported: set[str] = set()
        self._intents: dict[str, tuple[dict[str, Any], BrokerOrder | None]] = {}
        self._deferred: dict[str, list[BrokerFill]] = {}
        """Fills read for intents not yet back in the books, by client order id."""
        self._unsure: set[str] = set()
        """Orders whose submission ended with an unknown outcome: looked up before resent."""
        self._client_of_broker_id: dict[str, str] = {}
        self._outage_started_ns: int | None = None

    def bind(self, engine: TradingEngine) -> None:
        """Report fills to ``engine``'s books."""
        self._engine = engine
        self._books = engine.books

    # -- the session's side: the account at the venue ----------------------------------------

    def connect(self) -> None:
        """Open the broker session (waiting out an outage)."""
        self._at_venue("connecting", self.broker.connect)

    def close(self) -> None:
        """Close the broker session."""
        self.broker.close()

    def open_account(self, assets: Mapping[str, Asset]) -> None:
        """A new session starts from the account as it is: cash in the quote currency, and
        (when told to accept the broker's state) the positions it holds in ``assets``. The
        opening is journaled before any order is sent: a session killed before its first
        checkpoint restarts from it, and resolves the orders it had sent."""
        opening = self.journal.meta(OPENING_KEY)
        ledger = self._books.ledger
        if opening is not None:
            state = json.loads(opening)
            ledger.cash = ledger.starting_cash = Decimal(state["cash"])
            for symbol, amount in state["positions"].items():
                asset = assets[symbol]
                ledger.set_position(asset, int(Decimal(amount) / asset.lot_size), Decimal(0))
            self.resume(
                {
                    "broker_ids": {},
                    "fill_cursors": dict.fromkeys(assets),
                    "since": state["since"],
                    "deferred_fills": {},
                },
                after_bar=-1,
            )
            return
        currency = self._reconciliation.currency
        balance = self._at_venue("reading balances", self.broker.balances).get(currency)
        if balance is None:
            raise BrokerError(f"the {self.broker.name} account has no {currency} balance")
        ledger.cash = ledger.starting_cash = balance.total
        self.fill_cursors = dict.fromkeys(assets)
        self.reconcile(check_cash=False)
        self.journal.set_meta(
            OPENING_KEY,
            json.dumps(
                {
                    "cash": str(ledger.cash),
                    "positions": {
                        asset.symbol: str(ledger.amount(asset))
                        for asset in assets.values()
                        if ledger.amount(asset)
                    },
                    "since": self._since.isoformat(),
                }
            ),
        )

    def resume(self, state: dict[str, Any], after_bar: int) -> None:
        """Carry on from a checkpoint taken after bar ``after_bar``: its open orders, the
        orders journaled since (resolved at the venue), the fills made since, and then a
        reconciliation of the books with the account."""
        self.broker_ids = dict(state["broker_ids"])
        self._client_of_broker_id = {b: o for o, b in self.broker_ids.items()}
        self.fill_cursors = dict(state["fill_cursors"])
        self._since = pd.Timestamp(state["since"])
        self._deferred = {k: list(v) for k, v in state["deferred_fills"].items()}
        for row in self.journal.orders_created_after(after_bar):
            if row["client_order_id"] not in self.broker_ids:
                self._resolve_intent(row)
        self._read_fills()
        self.reconcile(check_cash=True)

    def reconcile(self, *, check_cash: bool) -> None:
        """Compare the account with the books: the traded assets' positions and (with
        ``check_cash``) the quote currency's cash, within the tolerance. Other holdings are
        reported as information. On drift: adopt the account's state when told to accept
        it, else refuse to trade."""
        rules = self._reconciliation
        ledger = self._books.ledger
        traded = {asset.symbol: asset for asset in self._engine.assets.values()}
        # Fills keep coming while the account is read: a snapshot counts once no fill
        # arrived between it and the trade history read after it.
        for _ in range(SNAPSHOT_ATTEMPTS):
            actual = self._at_venue("reading positions", self.broker.positions)
            balances = self._at_venue("reading balances", self.broker.balances)
            if not self._read_fills():
                break
        pending_amount: dict[str, Decimal] = {}
        pending_cash = Decimal(0)
        for fill in (f for fills in self._deferred.values() for f in fills):
            pending_amount[fill.symbol] = pending_amount.get(fill.symbol, Decimal(0)) + fill.amount
            pending_cash -= fill.amount * fill.price + fill.commission
        drift = {}
        for symbol, asset in traded.items():
            ours = ledger.amount(asset) + pending_amount.get(symbol, Decimal(0))
            theirs = actual.get(symbol, Decimal(0))
            if not _within(ours, theirs, rules.tolerance):
                drift[symbol] = (ours, theirs)
        if check_cash:
            balance = balances.get(rules.currency)
            theirs = Decimal(0) if balance is None else balance.total
            if not _within(ledger.cash + pending_cash, theirs, rules.tolerance):
                drift[rules.currency] = (ledger.cash + pending_cash, theirs)
        others = {s: a for s, a in actual.items() if s not in traded and a}
        if others:
            self._watch.other_holdings(", ".join(f"{s}: {a}" for s, a in sorted(others.items())))
        if not drift:
            return
        described = ", ".join(
            f"{s}: ours {ours}, broker {theirs}" for s, (ours, theirs) in sorted(drift.items())
        )
        self._watch.positions_drifted(described)
        if not rules.accept_broker_state:
            raise BrokerError(
                f"broker positions differ from the state file ({described}); check the "
                "account, then rerun with --accept-broker-state to trade from the broker's "
                "positions"
            )
        for symbol, (_, theirs) in drift.items():
            if symbol == rules.currency:
                ledger.cash = theirs - pending_cash
            else:
                asset = traded[symbol]
                held = theirs - pending_amount.get(symbol, Decimal(0))
                ledger.set_position(asset, int(held / asset.lot_size), Decimal(0))
        self._watch.broker_state_accepted(described)

    def finish(self, bar: int) -> None:
        """Before the session stops: read fills for a bounded time while market orders are
        still open, so an order placed on the last bar is recorded now."""
        deadline = self._time.now_ns() + self._final_wait_ns
        while True:
            self.execute_bar(bar)
            pending = [o for o in self._books.orders.open_orders() if o.limit is None]
            if not pending or self._time.now_ns() >= deadline:
                return
            self._time.sleep_until(min(self._time.now_ns() + 1_000_000_000, deadline))

    # -- the engine's side: orders and fills ---------------------------------------------------

    def submit(self, order: Order) -> None:
        """Journal ``order``, then send it, unless it is an intent from before a restart
        that the venue already has; a broker's refusal rejects it."""
        intent = self._intents.pop(order.id, None)
        self.journal.record_order(order_row(order, broker_id=None))
        self.fill_cursors.setdefault(order.asset.symbol, None)
        if intent is not None and intent[1] is not None:
            self._adopt_id(order.id, intent[1].id)
            return
        try:
            placed = self._at_venue(
                f"placing order '{order.id}'",
                lambda: self._send(order),
            )
        except BrokerError as exc:
            if isinstance(exc, VenueUnavailable):
                raise
            self._books.orders.reject(order, str(exc))
            return
        self._adopt_id(order.id, placed.id)

    def _send(self, order: Order) -> BrokerOrder:
        """Send ``order``; after an unknown outcome, look it up first (never send blindly)."""
        if order.id in self._unsure:
            found = self.broker.get_order(client_order_id=order.id, symbol=order.asset.symbol)
            if found is not None:
                return found
        try:
            return self.broker.submit_order(
                OrderRequest(
                    client_order_id=order.id,
                    symbol=order.asset.symbol,
                    amount=order.amount,
                    limit_price=order.limit,
                    stop_price=order.stop,
                )
            )
        except VenueUnavailable:
            self._unsure.add(order.id)
            raise

    def _adopt_id(self, order_id: str, broker_id: str) -> None:
        self._unsure.discard(order_id)
        self.broker_ids[order_id] = broker_id
        self._client_of_broker_id[broker_id] = order_id
        order = self._books.orders.get(order_id)
        if order is not None:
            self.journal.record_order(order_row(order, broker_id=broker_id))
            for fill in self._deferred.pop(order_id, ()):
                self._book(order, fill)

    def cancel(self, order: Order) -> None:
        """Cancel ``order`` at the broker (if it was sent)."""
        broker_id = self.broker_ids.get(order.id)
        if broker_id is not None:
            self._at_venue(
                f"cancelling order '{order.id}'", lambda: self.broker.cancel_order(broker_id)
            )

    def execute_bar(self, bar: int) -> None:
        """Book the fills the venue reports that are not yet booked; settle the intents
        from before a restart that the redone bars did not place again."""
        if self._intents:
            self._settle_intents(bar)
        self._read_fills()
        books = self._books
        books.orders.prune_all()
        for order_id in [o for o in self.broker_ids if not _is_open(books.orders.get(o))]:
            self._client_of_broker_id.pop(self.broker_ids.pop(order_id), None)

    def _read_fills(self) -> int:
        """Read the fills made since the last read; return how many were new."""
        if self._history is not None:
            return sum(self._read_history(self._history, s) for s in list(self.fill_cursors))
        new = 0
        for order in self._books.orders.open_orders():
            broker_id = self.broker_ids.get(order.id)
            if broker_id is not None:
                fills = self._at_venue(
                    f"reading the fills of order '{order.id}'",
                    functools.partial(self.broker.order_fills, broker_id),
                )
                new += sum(self._book(order, fill) for fill in fills)
        return new

    def _read_history(self, history: TradeHistory, symbol: str) -> int:
        fills = self._at_venue(
            f"reading the {symbol} trade history",
            lambda: history.fills_since(
                symbol, after=self.fill_cursors.get(symbol), since=self._since
            ),
        )
        for fill in fills:
            order_id = self._order_id_of(fill)
            order = self._books.orders.get(order_id) if order_id else None
            if order is not None:
                self._book(order, fill)
            elif order_id in self._intents:
                self._deferred.setdefault(order_id, []).append(fill)
            self.fill_cursors[symbol] = fill.fill_id
        return len(fills)

    def _order_id_of(self, fill: BrokerFill) -> str:
        """The client order id of ``fill``'s order (empty: an order not placed by us)."""
        order_id = fill.client_order_id or self._client_of_broker_id.get(fill.order_id)
        if order_id is None:
            placed = self._at_venue(
                f"looking up order {fill.order_id}",
                lambda: self.broker.get_order(order_id=fill.order_id),
            )
            order_id = "" if placed is None else placed.client_order_id
            self._client_of_broker_id[fill.order_id] = order_id
        return order_id

    def _book(self, order: Order, fill: BrokerFill) -> bool:
        """Book ``fill`` of ``order`` unless it already is; True when it was new."""
        if fill.fill_id in self._reported or self.journal.has_fill(fill.fill_id):
            return False
        if order.status is not OrderStatus.OPEN:
            return False
        self._reported.add(fill.fill_id)
        self._books.record_fill(order, _transaction(order, fill))
        return True

    # -- intents from before a restart --------------------------------------------------------

    def _resolve_intent(self, row: dict[str, Any]) -> None:
        order_id, symbol = row["client_order_id"], row["symbol"]
        try:
            placed = self._at_venue(
                f"resolving order '{order_id}'",
                lambda: self.broker.get_order(client_order_id=order_id, symbol=symbol),
            )
        except BrokerError as exc:
            raise BrokerError(
                f"order '{order_id}' ({symbol}, amount {row['amount']}) was journaled before "
                f"the restart and {self.broker.name} cannot say whether it has it ({exc}); "
                f"look for client order id '{order_id}' in the exchange's order history, "
                "then restart with the same --state"
            ) from None
        self._intents[order_id] = (row, placed)
        if placed is not None:
            self._client_of_broker_id[placed.id] = order_id
        self._watch.intent_resolved(
            order_id, "not placed" if placed is None else f"placed as {placed.id}"
        )

    def _settle_intents(self, bar: int) -> None:
        """Intents whose bar has been redone without placing them again: one the venue has
        joins the books (its fills must be recorded); one it lacks is marked never sent."""
        for order_id, (row, placed) in list(self._intents.items()):
            if row["created_bar"] >= bar:
                continue
            del self._intents[order_id]
            if placed is None:
                self.journal.record_order({**row, "status": str(OrderStatus.CANCELLED)})
                continue
            order = Order(
                id=order_id,
                asset=self._engine.assets[row["symbol"]],
                amount=Decimal(row["amount"]),
                created=pd.Timestamp(row["created"]),
                created_bar=row["created_bar"],
                limit=None if row["limit_price"] is None else Decimal(row["limit_price"]),
                stop=None if row["stop_price"] is None else Decimal(row["stop_price"]),
            )
            self._books.orders.restore([order], self._books.orders.next_number)
            self._adopt_id(order_id, placed.id)

    # -- outages ------------------------------------------------------------------------------

    def _at_venue(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, waiting out :class:`VenueUnavailable` within the outage budget."""
        try:
            return call_with_retries(
                call,
                self._outage,
                retryable=lambda exc: isinstance(exc, VenueUnavailable),
                watch=RetryWatch(what=what, failed=self._failed, recovered=self._recovered),
                time=self._time,
                interrupted=self.interrupted,
            )
        except RetriesExhaustedError as exc:
            raise VenueUnavailable(
                f"{self.broker.name} unreachable for {exc.elapsed_seconds:.0f} s while {what} "
                f"(outage budget {self._outage.describe()}; last: {exc.last}); the session "
                "stopped; restart it with the same --state to resume"
            ) from None

    def _failed(self, error: BaseException, attempt: int, delay: float) -> None:
        if self._outage_started_ns is None:
            self._outage_started_ns = self._time.now_ns()
            self._watch.venue_degraded(str(error).split(";")[0], str(error))
        self._watch.venue_waiting()

    def _recovered(self, attempts: int) -> None:
        started, self._outage_started_ns = self._outage_started_ns, None
        if started is not None:
            self._watch.venue_recovered(self.broker.name, (self._time.now_ns() - started) / 1e9)

    # -- checkpoints --------------------------------------------------------------------------

    def broker_order_id(self, order_id: str) -> str | None:
        """The broker's id of the engine's open order ``order_id`` (None until it was sent)."""
        return self.broker_ids.get(order_id)

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps of this execution: ids of open orders only, so its size
        does not grow with the orders of the past."""
        return {
            "broker_ids": dict(self.broker_ids),
            "fill_cursors": dict(self.fill_cursors),
            "since": self._since.isoformat(),
            "deferred_fills": {k: list(v) for k, v in self._deferred.items()},
        }


def _is_open(order: Order | None) -> bool:
    return order is not None and order.status is OrderStatus.OPEN


def _within(ours: Decimal, theirs: Decimal, tolerance: Decimal) -> bool:
    return abs(ours - theirs) <= tolerance * max(abs(ours), abs(theirs))


def _transaction(order: Order, fill: BrokerFill) -> Transaction:
    return Transaction(
        order_id=order.id,
        asset=order.asset,
        amount=fill.amount,
        price=fill.price,
        dt=fill.dt,
        commission=fill.commission,
        fill_id=fill.fill_id,
    )
