"""The state file is RustyBT's own: marked, private, bounded, and never overwritten when foreign.

Each test drives a real SQLite file through :class:`rustybt.live.journal.Journal`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rustybt.errors import ConfigError
from rustybt.live.journal import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Journal,
    JournaledFill,
)

# The schema of version 1 state files, as RustyBT wrote them before SCHEMA_VERSION 2.
V1_SCHEMA = """
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


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bar_time(bar: int) -> str:
    return f"2024-01-{bar // 100 + 1:02d}T{bar // 4 % 24:02d}:{bar % 4 * 15:02d}:00+00:00"


def order(number: int, bar: int, status: str = "open") -> dict[str, Any]:
    """A row shaped like ``order_row``'s."""
    return {
        "client_order_id": f"rbt0000-{number}",
        "broker_order_id": f"B{number:08d}",
        "symbol": "AAPL",
        "amount": Decimal(10),
        "limit_price": Decimal("187.25"),
        "stop_price": None,
        "created": bar_time(bar),
        "created_bar": bar,
        "status": status,
        "filled": Decimal(10) if status == "filled" else Decimal(0),
        "commission": Decimal("0.35") if status == "filled" else Decimal(0),
    }


def session_state(open_orders: list[dict[str, Any]], bar: int) -> dict[str, Any]:
    """What a session checkpoints: cash, positions and the open orders only."""
    return {
        "symbols": ["AAPL"],
        "cash": Decimal(100_000) - bar,
        "lots": [bar],
        "orders": open_orders,
        "order_counter": bar * 10,
        "venue": {"broker_ids": {o["client_order_id"]: o["broker_order_id"] for o in open_orders}},
    }


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """No umask, so a file's mode is exactly what its creator asked for."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("application_id", [0, int.from_bytes(b"GPKG", "big")])
def test_another_applications_sqlite_file_is_refused_untouched(
    tmp_path: Path, application_id: int
) -> None:
    foreign = tmp_path / "notes.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute(f"PRAGMA application_id = {application_id}")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('buy milk')")
    db.close()
    before = digest(foreign)

    with pytest.raises(ConfigError) as refused:
        Journal(foreign)

    assert str(refused.value) == (
        f"state file {foreign} is not a RustyBT state file (it belongs to another application);"
        " give --state a new file"
    )
    assert digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_a_text_file_is_refused_untouched(tmp_path: Path) -> None:
    text = tmp_path / "state.sqlite"
    text.write_text("symbol,amount\nAAPL,10\n")
    before = digest(text)

    with pytest.raises(ConfigError, match="is not a RustyBT state file") as refused:
        Journal(text)

    assert "\n" not in str(refused.value)
    assert digest(text) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]


def test_a_file_from_a_newer_rustybt_is_refused_untouched(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    Journal(state).close()
    with sqlite3.connect(state) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = digest(state)

    with pytest.raises(ConfigError) as refused:
        Journal(state)

    assert str(refused.value) == (
        f"state file {state} was written by a newer RustyBT (schema {SCHEMA_VERSION + 1}, "
        f"this version reads up to {SCHEMA_VERSION}); upgrade RustyBT or use another --state"
    )
    assert digest(state) == before


def test_a_new_state_file_is_marked_as_rustybts(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    Journal(state).close()
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()
    assert APPLICATION_ID == 0x52425431


def test_a_version_1_file_is_migrated_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    states = {bar: session_state([order(bar, bar)], bar) for bar in range(5)}
    with sqlite3.connect(state, isolation_level=None) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(V1_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('session_id', 'rbtcafe')")
        for bar, bar_state in states.items():
            db.execute(
                "INSERT INTO checkpoints VALUES (?, ?, 1, ?)",
                (bar, bar_time(bar), pickle.dumps(bar_state)),
            )
        db.execute(
            "INSERT INTO fills VALUES ('f1', 'rbt0000-0', 'AAPL', '10', '187.25', '0.35', ?, 0)",
            (bar_time(0),),
        )
    db.close()

    journal = Journal(state)
    try:
        checkpoint = journal.last_checkpoint()
        assert checkpoint is not None
        assert (checkpoint.bar, checkpoint.bar_time, checkpoint.state) == (
            4,
            bar_time(4),
            states[4],
        )
        assert journal.first_bar_time() == bar_time(0)
        assert journal.session_id == "rbtcafe"
        assert [f.fill_id for f in journal.fills()] == ["f1"]
        with sqlite3.connect(state) as db:
            assert db.execute("SELECT bar FROM checkpoints").fetchall() == [(4,)]
        db.close()

        with journal.transaction():
            journal.checkpoint(5, bar_time(5), session_ended=True, state=session_state([], 5))
    finally:
        journal.close()

    resumed = Journal(state)
    try:
        last = resumed.last_checkpoint()
        assert last is not None and last.bar == 5
        assert resumed.first_bar_time() == bar_time(0)
    finally:
        resumed.close()
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM checkpoints").fetchone() == (1,)
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


def test_a_new_state_file_and_its_wal_are_readable_by_their_owner_only(
    tmp_path: Path, umask_zero: None
) -> None:
    state = tmp_path / "state.sqlite"
    journal = Journal(state)
    try:
        with journal.transaction():
            journal.record_order(order(1, 0))
        wal = Path(f"{state}-wal")
        assert wal.exists()
        assert os.stat(state).st_mode & 0o777 == 0o600
        assert os.stat(wal).st_mode & 0o777 == 0o600
    finally:
        journal.close()


def test_an_existing_files_mode_is_left_as_the_user_set_it(
    tmp_path: Path, umask_zero: None
) -> None:
    state = tmp_path / "state.sqlite"
    state.touch(mode=0o640)

    Journal(state).close()

    assert os.stat(state).st_mode & 0o777 == 0o640


def test_a_checkpoint_outside_a_transaction_is_refused(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state.sqlite")
    try:
        with pytest.raises(RuntimeError, match=r"inside Journal\.transaction"):
            journal.checkpoint(0, bar_time(0), session_ended=True, state={})
        assert journal.last_checkpoint() is None
    finally:
        journal.close()


def test_orders_created_after_a_checkpointed_bar_are_listed_as_journaled(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "state.sqlite")
    try:
        with journal.transaction():
            for number, bar in [(1, 3), (2, 4), (3, 5), (4, 5)]:
                journal.record_order(order(number, bar))
        after = journal.orders_created_after(4)
    finally:
        journal.close()
    assert [(o["client_order_id"], o["created_bar"]) for o in after] == [
        ("rbt0000-3", 5),
        ("rbt0000-4", 5),
    ]
    assert after[0]["amount"] == "10" and after[0]["stop_price"] is None


def test_the_file_grows_with_the_orders_not_with_the_sessions_run(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    orders_per_bar = 10
    sizes = {}
    journal = Journal(state)
    open_orders: list[dict[str, Any]] = []
    try:
        for bar in range(1_000):
            with journal.transaction():
                filled = [{**o, "status": "filled"} for o in open_orders]
                for row in filled:
                    journal.record_order(order(int(row["client_order_id"][8:]), bar, "filled"))
                journal.record_fills(
                    JournaledFill(
                        fill_id=f"fill-{row['client_order_id']}",
                        client_order_id=row["client_order_id"],
                        symbol="AAPL",
                        amount=Decimal(10),
                        price=Decimal("187.25"),
                        commission=Decimal("0.35"),
                        dt=bar_time(bar),
                        bar=bar,
                    )
                    for row in filled
                )
                open_orders = [order(bar * orders_per_bar + i, bar) for i in range(orders_per_bar)]
                for row in open_orders:
                    journal.record_order(row)
                journal.checkpoint(
                    bar, bar_time(bar), session_ended=True, state=session_state(open_orders, bar)
                )
            if (bar + 1) * orders_per_bar in (5_000, 10_000):
                journal.close()
                sizes[(bar + 1) * orders_per_bar] = os.stat(state).st_size
                journal = Journal(state)
        with sqlite3.connect(state) as db:
            assert db.execute("SELECT count(*) FROM checkpoints").fetchone() == (1,)
            assert db.execute("SELECT count(*) FROM orders").fetchone() == (10_000,)
        db.close()
        assert journal.first_bar_time() == bar_time(0)
        last = journal.last_checkpoint()
        assert last is not None and last.state == session_state(open_orders, 999)
    finally:
        journal.close()
    assert sizes[10_000] <= 2 * sizes[5_000]
