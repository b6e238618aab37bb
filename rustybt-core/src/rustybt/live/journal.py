"""The state journal: a SQLite file that lets a paper or live session survive being killed.

Every order sent to a real broker is written (with its client order id) before it is sent,
and at the end of a session one transaction records the fills and the orders' progress since
the last checkpoint, and a checkpoint: cash, positions, open orders, the order counter, the
strategy's picklable ``context`` variables and what the execution needs to carry on (a live
session checkpoints every session; a paper session spaces them, see
:data:`rustybt.live.session.PAPER_CHECKPOINT_SPACING`). Only the newest
checkpoint is kept, so the file grows with the orders and fills, not with the sessions run.
Restarting with the same file resumes after the last checkpoint; anything after it is
redone, and an order whose client order id is already journaled is looked up at the broker
instead of being sent again.

The file uses WAL mode, so a crash never leaves it half-written. It is marked as RustyBT's
(``PRAGMA application_id`` is :data:`APPLICATION_ID`, ``PRAGMA user_version`` is
:data:`SCHEMA_VERSION`) and a new one is readable by its owner only (mode 0600). A file that
is not a RustyBT state file, or was written by a newer RustyBT, is refused untouched; a
version 1 file is migrated in place.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from rustybt.errors import ConfigError
from rustybt.finance.order import Order
from rustybt.params import params_text

APPLICATION_ID = int.from_bytes(b"RBT1", "big")
"""The ``PRAGMA application_id`` that marks a SQLite file as a RustyBT state file."""

SCHEMA_VERSION = 2
"""The state file format this version writes (``PRAGMA user_version``). Version 1 (no
application id, every checkpoint kept) is migrated on open; a newer one is refused."""

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE orders (
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
    )""",
    """CREATE TABLE fills (
        fill_id TEXT PRIMARY KEY,
        client_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        amount TEXT NOT NULL,
        price TEXT NOT NULL,
        commission TEXT NOT NULL,
        dt TEXT NOT NULL,
        bar INTEGER NOT NULL
    )""",
    """CREATE TABLE checkpoints (
        bar INTEGER PRIMARY KEY,
        bar_time TEXT NOT NULL,
        session_ended INTEGER NOT NULL,
        state BLOB NOT NULL
    )""",
)


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

    def __init__(self, path: str | Path, *, power_safe: bool = True) -> None:
        """Open the state file at ``path``: a missing one is created with mode 0600 (an
        existing file keeps its mode), an empty one is initialised and a version 1 one is
        migrated. Raise :class:`ConfigError`, leaving the file as it was, when it is not a
        RustyBT state file or was written by a newer RustyBT.

        Every commit survives the process being killed. With ``power_safe`` it is also on
        disk before the commit returns (an fsync each), as a real broker's orders need: what
        was journaled before an order was sent must outlive a power cut. Without it (a
        simulated broker, whose every effect lives in this file), an OS crash may lose the
        last commits, and the session resumes from the one before and does them again."""
        self.path = Path(path)
        version = check_state_file(self.path)
        try:
            if not self.path.exists():
                # SQLite gives the -wal and -shm files the mode of the database file.
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if power_safe else 'NORMAL'}")
            if version is None:
                self._create()
            elif version < SCHEMA_VERSION:
                self._migrate_from_version_1()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot write state file {self.path} ({exc}); make it and its directory "
                "writable, or give --state another file"
            ) from None

    def _create(self) -> None:
        with self.transaction():
            for statement in _SCHEMA:
                self._db.execute(statement)
            self.set_meta("session_id", f"rbt{secrets.token_hex(4)}")
            self._mark_current()

    def _migrate_from_version_1(self) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value)"
                " SELECT 'first_bar_time', bar_time FROM checkpoints ORDER BY bar LIMIT 1"
            )
            self._db.execute(
                "DELETE FROM checkpoints WHERE bar < (SELECT max(bar) FROM checkpoints)"
            )
            self._mark_current()
        # Give the disk space of the dropped checkpoints back, once.
        self._db.execute("VACUUM")

    def _mark_current(self) -> None:
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # Older RustyBT versions read the version from here, and then refuse the file.
        self.set_meta("schema_version", str(SCHEMA_VERSION))

    @property
    def session_id(self) -> str:
        """A random id fixed at creation: the prefix of this session's client order ids."""
        return self._meta("session_id") or ""

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def meta(self, key: str) -> str | None:
        """A stored setting (None when absent)."""
        return self._meta(key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def fix_params(self, params: Mapping[str, Any]) -> None:
        """Tie the state file to the strategy parameters of its first start (JSON-ready,
        as :meth:`rustybt.params.StrategyParams.to_json` gives them): the first start records
        them; a later start with other parameters is refused before it trades, since
        resuming positions and orders under different parameters is another strategy.

        Raises:
            ConfigError: the file was started with other parameters.
        """
        recorded = self._meta("params")
        if recorded is None:
            self.set_meta("params", json.dumps(dict(params)))
            return
        started_with = json.loads(recorded)
        if started_with != dict(params):
            raise ConfigError(
                f"state file {self.path} was started with parameters "
                f"{params_text(started_with)}; this start gives {params_text(params)}: "
                "resume it with the same -D and --params, or give --state a new file"
            )

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
        rows = self._order_rows("WHERE client_order_id = ?", (client_order_id,))
        return rows[0] if rows else None

    def orders_created_after(self, bar: int) -> list[dict[str, Any]]:
        """Every journaled order created after bar ``bar``, by the bar it was created in."""
        return self._order_rows("WHERE created_bar > ? ORDER BY created_bar, rowid", (bar,))

    def _order_rows(self, where: str, parameters: tuple[Any, ...]) -> list[dict[str, Any]]:
        cursor = self._db.execute(f"SELECT * FROM orders {where}", parameters)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

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
        """Record the state after bar ``bar``, replacing the previous checkpoint; the first
        checkpoint's ``bar_time`` is kept as :meth:`first_bar_time`. Call it inside
        :meth:`transaction`, so a crash cannot leave the file with no checkpoint."""
        if not self._db.in_transaction:
            raise RuntimeError("Journal.checkpoint must be called inside Journal.transaction()")
        self._db.execute("DELETE FROM checkpoints")
        self._db.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?)",
            (
                bar,
                bar_time,
                int(session_ended),
                pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL),
            ),
        )
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('first_bar_time', ?)", (bar_time,)
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
                f"state file {self.path} has an unreadable checkpoint ({exc}); restore a backup "
                "of it or give --state a new file"
            ) from None
        return Checkpoint(bar=row[0], bar_time=row[1], session_ended=bool(row[2]), state=state)

    def first_bar_time(self) -> str | None:
        """When the session's first processed bar was (None before the first checkpoint)."""
        return self._meta("first_bar_time")

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


def check_state_file(path: str | Path) -> int | None:
    """The schema version of the state file at ``path``: None when there is none yet (no
    file, an empty one or an empty SQLite database). Raises :class:`ConfigError` for a path
    this version cannot use as one: a missing directory, a directory, a file of another
    application, or one written by a newer RustyBT. The file is only read, so a refused
    one is left as it was; a session checks its state file so before it writes anything."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ConfigError(f"cannot use state file {path}: directory {path.parent} does not exist")
    if path.is_dir():
        raise ConfigError(f"state file {path} is a directory; give --state a file in it")
    if not path.exists():
        return None
    try:
        with read_only_state_file(path) as db:
            version = state_file_version(db)
    except sqlite3.OperationalError as exc:
        raise ConfigError(
            f"cannot read state file {path} ({exc}); make it readable, or give --state another file"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise _not_a_state_file(path, str(exc)) from None
    if version is None:
        raise _not_a_state_file(path, "it belongs to another application")
    if version == 0:
        return None
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"state file {path} was written by a newer RustyBT (schema {version}, this version "
            f"reads up to {SCHEMA_VERSION}); upgrade RustyBT or use another --state"
        )
    return version


@contextmanager
def read_only_state_file(path: Path) -> Iterator[sqlite3.Connection]:
    """The SQLite database at ``path`` opened read-only, leaving the file and its folder
    exactly as they were; closed on leaving. Raises :class:`sqlite3.DatabaseError` for a
    file that is not a SQLite database (:class:`sqlite3.OperationalError`: one that cannot
    be read)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not Path(f"{path}-wal").exists():
        # With no -wal file the database file holds everything, and immutable=1 stops SQLite
        # creating -wal and -shm files beside a file that may not be ours.
        uri += "&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        yield db


def state_file_version(db: sqlite3.Connection) -> int | None:
    """The schema version of the state file open as ``db``: 0 for an empty database (a
    state file not written yet), None for a database of another application."""
    (application_id,) = db.execute("PRAGMA application_id").fetchone()
    (user_version,) = db.execute("PRAGMA user_version").fetchone()
    if application_id == APPLICATION_ID:
        return int(user_version)
    if application_id != 0:
        return None
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    # Version 1 files carry no application id, but this marker in their meta table.
    marker = (
        db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if "meta" in tables
        else None
    )
    return 1 if marker == ("1",) else None


def _not_a_state_file(path: Path, reason: str) -> ConfigError:
    return ConfigError(
        f"state file {path} is not a RustyBT state file ({reason}); give --state a new file"
    )
