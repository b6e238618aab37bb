"""The state journal: a SQLite file that lets a paper or live session survive being killed.

Every order sent to a real broker is written (with its client order id) before it is sent,
and at the end of every session one transaction records that session's fills, the orders'
progress and a checkpoint: cash, positions, open orders, the order counter, the strategy's
picklable ``context`` variables and what the execution needs to carry on. Restarting with
the same file resumes after the last checkpoint; anything after it is redone, and an order
whose client order id is already journaled is looked up at the broker instead of being sent
again.
The file uses WAL mode, so a crash never leaves it half-written.
"""

from __future__ import annotations

import pickle
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from rustybt.errors import ConfigError
from rustybt.finance.order import Order

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    broker_order_id TEXT,
    symbol TEXT NOT NULL,
    amount TEXT NOT NULL,
    limit_price TEXT,
    stop_price TEXT,
    created TEXT NOT NULL,
    created_bar INTEGER NOT NULL,
    status TEXT NOT NULL,
    filled TEXT NOT NULL,
    commission TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
    fill_id TEXT PRIMARY KEY,
    client_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    amount TEXT NOT NULL,
    price TEXT NOT NULL,
    commission TEXT NOT NULL,
    dt TEXT NOT NULL,
    bar INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    bar INTEGER PRIMARY KEY,
    bar_time TEXT NOT NULL,
    session_ended INTEGER NOT NULL,
    state BLOB NOT NULL
);
"""


@attrs.frozen(kw_only=True)
class JournaledFill:
    """A fill as journaled."""

    fill_id: str
    client_order_id: str
    symbol: str
    amount: Decimal
    price: Decimal
    commission: Decimal
    dt: str
    bar: int


@attrs.frozen(kw_only=True)
class Checkpoint:
    """The state after bar ``bar`` was fully processed."""

    bar: int
    bar_time: str
    session_ended: bool
    state: dict[str, Any]


class Journal:
    """The SQLite state file of one trading session."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise ConfigError(
                f"cannot use state file {self.path}: directory {self.path.parent} does not exist"
            )
        existed = self.path.exists()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            version = self._meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"state file {self.path} is not a RustyBT state file ({exc})"
            ) from None
        if version is None:
            if existed and self._has_rows():
                raise ConfigError(
                    f"state file {self.path} has no schema version; refusing to use it"
                )
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise ConfigError(
                f"state file {self.path} has schema version {version}, expected {SCHEMA_VERSION}"
            )
        if self._meta("session_id") is None:
            self.set_meta("session_id", f"rbt{secrets.token_hex(4)}")

    @property
    def session_id(self) -> str:
        """A random id fixed at creation: the prefix of this session's client order ids."""
        return self._meta("session_id") or ""

    def _has_rows(self) -> bool:
        return bool(self._db.execute("SELECT 1 FROM checkpoints LIMIT 1").fetchone())

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def meta(self, key: str) -> str | None:
        """A stored setting (None when absent)."""
        return self._meta(key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside commits together, or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def record_order(self, order: dict[str, Any]) -> None:
        """Journal a new order (or its new state) by client order id."""
        self._db.execute(
            "INSERT OR REPLACE INTO orders (client_order_id, broker_order_id, symbol, amount,"
            " limit_price, stop_price, created, created_bar, status, filled, commission)"
            " VALUES (:client_order_id, :broker_order_id, :symbol, :amount, :limit_price,"
            " :stop_price, :created, :created_bar, :status, :filled, :commission)",
            {key: _text(value) for key, value in order.items()},
        )

    def order(self, client_order_id: str) -> dict[str, Any] | None:
        """The journaled order with this client order id."""
        cursor = self._db.execute(
            "SELECT * FROM orders WHERE client_order_id = ?", (client_order_id,)
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def record_fills(self, fills: Iterable[JournaledFill]) -> None:
        """Journal fills; a fill id already journaled is ignored."""
        self._db.executemany(
            "INSERT OR IGNORE INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f.fill_id,
                    f.client_order_id,
                    f.symbol,
                    str(f.amount),
                    str(f.price),
                    str(f.commission),
                    f.dt,
                    f.bar,
                )
                for f in fills
            ],
        )

    def has_fill(self, fill_id: str) -> bool:
        """True when this fill is journaled."""
        return bool(
            self._db.execute("SELECT 1 FROM fills WHERE fill_id = ?", (fill_id,)).fetchone()
        )

    def fills(self) -> list[JournaledFill]:
        """Every journaled fill, in the order they happened."""
        rows = self._db.execute("SELECT * FROM fills ORDER BY bar, rowid").fetchall()
        return [
            JournaledFill(
                fill_id=r[0],
                client_order_id=r[1],
                symbol=r[2],
                amount=Decimal(r[3]),
                price=Decimal(r[4]),
                commission=Decimal(r[5]),
                dt=r[6],
                bar=r[7],
            )
            for r in rows
        ]

    def checkpoint(
        self, bar: int, bar_time: str, *, session_ended: bool, state: dict[str, Any]
    ) -> None:
        """Record the state after bar ``bar`` (call inside :meth:`transaction`)."""
        self._db.execute(
            "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
            (
                bar,
                bar_time,
                int(session_ended),
                pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL),
            ),
        )

    def last_checkpoint(self) -> Checkpoint | None:
        """The most recent checkpoint, or None for a new session."""
        row = self._db.execute(
            "SELECT bar, bar_time, session_ended, state FROM checkpoints ORDER BY bar DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        try:
            state = pickle.loads(row[3])
        except Exception as exc:
            raise ConfigError(
                f"state file {self.path} has an unreadable checkpoint ({exc})"
            ) from None
        return Checkpoint(bar=row[0], bar_time=row[1], session_ended=bool(row[2]), state=state)

    def first_bar_time(self) -> str | None:
        """When the session's first processed bar was."""
        row = self._db.execute("SELECT bar_time FROM checkpoints ORDER BY bar LIMIT 1").fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def order_row(order: Order, *, broker_id: str | None) -> dict[str, Any]:
    """``order`` as a row of the journal's ``orders`` table (see :meth:`Journal.record_order`)."""
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


def _text(value: Any) -> Any:
    if value is None or isinstance(value, int | str):
        return value
    return str(value)
