"""The engine's event log: one JSON object per line, secrets redacted, read back tolerantly."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rustybt.errors import DataError
from rustybt.operations.event_log import EventLogWriter, log_files, read_event_log

NOON = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)


CLOSED = {"session": "2024-01-02", "portfolio_value": "100000.00", "cash": "100000.00"}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_event_is_one_json_line_with_ts_level_event_and_flat_fields(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "engine.log"
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        writer.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=60)
        writer.log(
            "heartbeat",
            portfolio_value=Decimal("100012.50"),
            open_orders=2,
            last_bar=NOON - timedelta(minutes=1),
        )
        writer.log("error", "ERROR", error_type="BrokerError", message="order refused")

    assert lines(path) == [
        {
            "ts": "2026-11-24T12:00:00.123456+00:00",
            "level": "INFO",
            "event": "engine_started",
            "mode": "paper",
            "strategy": "sma.py",
            "heartbeat_interval": 60,
        },
        {
            "ts": "2026-11-24T12:00:00.123456+00:00",
            "level": "INFO",
            "event": "heartbeat",
            "portfolio_value": "100012.50",
            "open_orders": 2,
            "last_bar": "2026-11-24T11:59:00.123456+00:00",
        },
        {
            "ts": "2026-11-24T12:00:00.123456+00:00",
            "level": "ERROR",
            "event": "error",
            "error_type": "BrokerError",
            "message": "order refused",
        },
    ]


def test_every_line_is_on_disk_as_soon_as_it_is_logged(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    writer = EventLogWriter(path, fsync=True)
    writer.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    assert lines(path)[0]["event"] == "heartbeat"
    writer.close()


def test_timestamps_from_other_zones_are_written_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    paris = datetime.fromisoformat("2026-11-24T14:00:00+01:00")
    with EventLogWriter(path, clock=lambda: paris) as writer:
        writer.log("engine_stopped", reason="signal")
    assert lines(path)[0]["ts"] == "2026-11-24T13:00:00.000000+00:00"


def test_values_of_secret_looking_fields_are_redacted(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path) as writer:
        writer.log(
            "engine_started",
            strategy="sma.py",
            heartbeat_interval=60,
            api_key="AKIA-123",
            API_SECRET="s3cr3t",
            bot_token="12:abc",
            smtp_password="hunter2",
            mode="live",
        )
    text = path.read_text()
    for secret in ("AKIA-123", "s3cr3t", "12:abc", "hunter2"):
        assert secret not in text
    record = lines(path)[0]
    assert record["api_key"] == record["API_SECRET"] == record["bot_token"] == "***"
    assert record["mode"] == "live"


def test_unknown_levels_reserved_names_and_missing_fields_are_refused(tmp_path: Path) -> None:
    with EventLogWriter(tmp_path / "engine.log") as writer:
        with pytest.raises(ValueError, match="log level must be one of"):
            writer.log("engine_stopped", "NOTICE", reason="signal")
        with pytest.raises(ValueError, match="reserved"):
            writer.log("engine_stopped", reason="signal", ts="yesterday")
        with pytest.raises(
            ValueError, match=r"'heartbeat' needs the field\(s\) open_orders, last_bar"
        ):
            writer.log("heartbeat", portfolio_value="1")
        writer.log("reconnected", attempts=3)  # events of its own carry what they like
    assert [line["event"] for line in lines(tmp_path / "engine.log")] == ["reconnected"]


def test_the_writer_is_a_logging_handler(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    logger = logging.getLogger("rustybt.test_event_log")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with EventLogWriter(path, clock=lambda: NOON) as writer:
        logger.addHandler(writer)
        try:
            logger.warning(
                "rejected",
                extra={
                    "event": "order_rejected",
                    "order_id": "o1",
                    "symbol": "AAPL",
                    "amount": "10",
                    "reason": "max order size",
                    "token": "t",
                },
            )
            logger.info("reconnected to %s", "broker")
        finally:
            logger.removeHandler(writer)
    rejected, plain = lines(path)
    assert rejected == {
        "ts": "2026-11-24T12:00:00.123456+00:00",
        "level": "WARNING",
        "event": "order_rejected",
        "order_id": "o1",
        "symbol": "AAPL",
        "amount": "10",
        "reason": "max order size",
        "token": "***",
    }
    assert plain["event"] == "log"
    assert plain["message"] == "reconnected to broker"
    assert plain["logger"] == "rustybt.test_event_log"


def test_rotated_gzipped_files_and_garbage_lines_are_all_read(tmp_path: Path) -> None:
    times = iter(NOON + timedelta(minutes=i) for i in range(10))
    with EventLogWriter(tmp_path / "written.log", clock=lambda: next(times)) as writer:
        for _ in range(6):
            writer.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    first, second, third, fourth, fifth, sixth = (
        (tmp_path / "written.log").read_text().splitlines(keepends=True)
    )
    (tmp_path / "written.log").unlink()
    with gzip.open(tmp_path / "engine.log.2.gz", "wt") as handle:
        handle.write(first + second + "Traceback (most recent call last):\n")
    (tmp_path / "engine.log.1").write_text(third + '{"ts": "not a time", "level": "INFO"}\n')
    (tmp_path / "engine.log").write_text(fourth + fifth + "\n[1, 2]\n" + sixth[:20])
    (tmp_path / "notes.txt").write_text("not a log")

    files = log_files(tmp_path)
    log = read_event_log(files)

    assert [p.name for p in files] == ["engine.log", "engine.log.1", "engine.log.2.gz"]
    assert [event.ts for event in log.events] == [NOON + timedelta(minutes=i) for i in range(5)]
    assert log.garbage_lines == 4  # a traceback, a bad ts, a JSON list, a line cut short


def test_a_truncated_gzip_file_is_read_to_where_it_stops_and_that_place_is_named(
    tmp_path: Path,
) -> None:
    times = iter(NOON + timedelta(minutes=i) for i in range(2000))
    with EventLogWriter(tmp_path / "plain.log", clock=lambda: next(times)) as writer:
        for _ in range(2000):
            writer.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    data = gzip.compress((tmp_path / "plain.log").read_bytes())
    (tmp_path / "engine.log.1.gz").write_bytes(data[: len(data) // 2])

    log = read_event_log([tmp_path / "engine.log.1.gz"])

    [tail] = log.unreadable_tails
    assert log.garbage_lines == 0
    assert 0 < tail.lines == len(log.events) < 2000  # every whole line before the cut
    assert tail.last_event == log.events[-1].ts == NOON + timedelta(minutes=tail.lines - 1)
    assert tail.describe().startswith(f"{tmp_path / 'engine.log.1.gz'} is unreadable after line")


def test_a_file_named_gz_that_is_not_gzip_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "engine.log.1.gz").write_text('{"ts": "2026-11-24T12:00:00+00:00"}\n')
    with pytest.raises(DataError, match="is not gzip-compressed"):
        read_event_log([tmp_path / "engine.log.1.gz"])


def test_an_event_in_two_files_is_read_once_and_a_file_given_twice_once(tmp_path: Path) -> None:
    times = iter(NOON + timedelta(minutes=i) for i in range(3))
    with EventLogWriter(tmp_path / "engine.log", clock=lambda: next(times)) as writer:
        for _ in range(3):
            writer.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    copy = tmp_path / "copy.log"
    copy.write_text((tmp_path / "engine.log").read_text())

    log = read_event_log([tmp_path / "engine.log", copy, tmp_path / "engine.log"])

    assert [e.ts for e in log.events] == [NOON + timedelta(minutes=i) for i in range(3)]
    assert log.files == (tmp_path / "engine.log", copy)


def test_a_directory_without_logs_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no log files in"):
        log_files(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        log_files(tmp_path / "missing")


def test_a_line_standing_for_several_events_counts_each_id_as_written(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    with EventLogWriter(path) as log:
        log.log(
            "sessions_closed",
            event_ids=["session:2024-01-02", "session:2024-01-03"],
            sessions=["2024-01-02", "2024-01-03"],
            portfolio_values=["100000.00", "100010.00"],
            cash=["100000.00", "90000.00"],
        )
        assert log.written("session:2024-01-03")
        assert not log.written("session:2024-01-04")
        log.log("session_closed", event_id="session:2024-01-03", **CLOSED)  # a repeat

    assert [e["event"] for e in lines(path)] == ["sessions_closed"]
    with EventLogWriter(path) as reopened:  # the ids are read back from the file
        assert reopened.written("session:2024-01-02")
        assert reopened.written("session:2024-01-03")


def test_an_id_whose_line_was_never_written_can_be_logged_by_the_next_process(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.log"
    path.write_text('{"ts": "2026-11-24T12:00:00+00:00", "level": "INFO", "event": "sessi')
    # The process died mid-line: the cut line's ids do not count as written.

    with EventLogWriter(path) as restarted:
        assert not restarted.written("session:1")
        restarted.log("session_closed", event_id="session:1", **CLOSED)

    assert read_event_log([path]).events[-1].fields["event_id"] == "session:1"
