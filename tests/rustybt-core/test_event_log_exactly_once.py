"""The event log writes each event id once per file, across restarts and crashes, and
creates its file readable by its owner only."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rustybt.operations.event_log import EventLogWriter, read_event_log

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def fill(writer: EventLogWriter, number: int) -> None:
    writer.log(
        "order_filled",
        event_id=f"fill:{number}",
        order_id=f"o{number}",
        symbol="AAPL",
        amount="10",
        price="187.50",
    )


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_reopening_a_log_and_logging_the_same_event_ids_writes_nothing_new(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        for number in range(3):
            fill(writer, number)
    before = path.read_bytes()

    with EventLogWriter(path, clock=lambda: NOON) as writer:
        for number in range(3):
            fill(writer, number)
    assert path.read_bytes() == before

    with EventLogWriter(path, clock=lambda: NOON) as writer:
        for number in range(5):
            fill(writer, number)
        writer.log("engine_stopped", reason="completed")
        writer.log("engine_stopped", reason="completed")  # no id: always written
    written = records(path)
    assert [r.get("event_id") for r in written] == [
        "fill:0",
        "fill:1",
        "fill:2",
        "fill:3",
        "fill:4",
        None,
        None,
    ]
    assert written[0] == {
        "ts": "2026-11-24T12:00:00.000000+00:00",
        "level": "INFO",
        "event": "order_filled",
        "event_id": "fill:0",
        "order_id": "o0",
        "symbol": "AAPL",
        "amount": "10",
        "price": "187.50",
    }


def test_an_id_logged_twice_by_one_writer_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path) as writer:
        writer.log(
            "order_submitted", event_id="order:c1:submitted", order_id="c1", symbol="X", amount="1"
        )
        writer.log(
            "order_submitted", event_id="order:c1:submitted", order_id="c1", symbol="X", amount="1"
        )
        writer.log(
            "order_submitted", event_id="order:c2:submitted", order_id="c2", symbol="X", amount="1"
        )
    assert [r["event_id"] for r in records(path)] == ["order:c1:submitted", "order:c2:submitted"]


def test_a_repeated_id_is_still_checked_for_its_fields(tmp_path: Path) -> None:
    with EventLogWriter(tmp_path / "engine.log") as writer:
        fill(writer, 1)
        with pytest.raises(ValueError, match=r"needs the field\(s\) symbol, amount, price"):
            writer.log("order_filled", event_id="fill:1", order_id="o1")


def test_a_torn_last_line_is_ended_so_the_next_event_starts_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        for number in range(3):
            fill(writer, number)
    whole = path.read_text().splitlines(keepends=True)
    # The crash cut fill:2's line in the middle: its id is unreadable, so it is written again.
    path.write_text(whole[0] + whole[1] + whole[2][:40])

    with EventLogWriter(path, clock=lambda: NOON) as writer:
        for number in range(4):
            fill(writer, number)

    lines = path.read_text().splitlines(keepends=True)
    assert all(line.endswith("\n") for line in lines)
    assert lines[2] == whole[2][:40] + "\n"
    log = read_event_log([path])
    assert log.garbage_lines == 1
    assert Counter(e.fields["event_id"] for e in log.events) == {
        "fill:0": 1,
        "fill:1": 1,
        "fill:2": 1,
        "fill:3": 1,
    }


def test_a_last_line_missing_only_its_newline_counts_as_written(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        fill(writer, 0)
    path.write_text(path.read_text().rstrip("\n"))

    with EventLogWriter(path, clock=lambda: NOON) as writer:
        fill(writer, 0)
        fill(writer, 1)

    assert [r["event_id"] for r in records(path)] == ["fill:0", "fill:1"]
    assert read_event_log([path]).garbage_lines == 0


def test_a_session_killed_with_sigkill_and_restarted_logs_each_fill_once(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    ready = tmp_path / "ready"
    child = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from rustybt.operations.event_log import EventLogWriter
        writer = EventLogWriter({str(path)!r})
        for number in range(10):
            writer.log("order_filled", event_id=f"fill:{{number}}", order_id=str(number),
                       symbol="AAPL", amount="10", price="1")
        Path({str(ready)!r}).touch()
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", child])
    try:
        for _ in range(600):
            if ready.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), "the child never logged its fills"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # The restarted session redoes every bar since its (older) checkpoint: fills 0 to 14.
    with EventLogWriter(path) as writer:
        for number in range(15):
            fill(writer, number)

    ids = [r["event_id"] for r in records(path)]
    assert ids == [f"fill:{number}" for number in range(15)]


def test_an_event_id_given_to_the_logging_handler_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    logger = logging.getLogger("rustybt.test_event_log_exactly_once")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        logger.addHandler(writer)
        try:
            for _ in range(2):
                logger.info("checkpoint", extra={"event": "checkpoint", "event_id": "bar:41"})
            logger.info("no id, written each time")
            logger.info("no id, written each time")
        finally:
            logger.removeHandler(writer)
    written = records(path)
    assert [(r["event"], r.get("event_id")) for r in written] == [
        ("checkpoint", "bar:41"),
        ("log", None),
        ("log", None),
    ]


def test_a_new_log_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "engine.log"
    old_umask = os.umask(0o022)
    try:
        with EventLogWriter(path) as writer:
            writer.log("engine_stopped", reason="completed")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_log_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    path.touch()
    path.chmod(0o640)
    with EventLogWriter(path) as writer:
        writer.log("engine_stopped", reason="completed")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
