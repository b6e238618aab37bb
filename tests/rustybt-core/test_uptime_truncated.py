"""A gzipped log cut short (a session killed while compressing, a partial copy) is reported
and what it held is not observed; it is no outage."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rustybt.operations.event_log import EventLogWriter, log_files, read_event_log
from rustybt.operations.uptime import analyze_uptime

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
ROTATED_AT = START + timedelta(days=20)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """Thirty days of heartbeats every 5 minutes, rotated at day 20: engine.log.1.gz holds
    days 0-20 but was copied half-way (its gzip stream cut short), engine.log the rest."""
    moment = [START]
    with EventLogWriter(tmp_path / "whole.log", clock=lambda: moment[0]) as log:
        log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=300)
        while moment[0] < START + timedelta(days=DAYS):
            moment[0] += timedelta(minutes=5)
            log.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    lines = (tmp_path / "whole.log").read_text().splitlines(keepends=True)
    (tmp_path / "whole.log").unlink()
    rotated = 20 * 24 * 12 + 1  # the start and 20 days of beats
    data = gzip.compress("".join(lines[:rotated]).encode())
    (tmp_path / "engine.log.1.gz").write_bytes(data[: len(data) // 6])
    (tmp_path / "engine.log").write_text("".join(lines[rotated:]))
    return tmp_path


def test_a_truncated_gzip_tail_is_not_observed_rather_than_an_outage(logs: Path) -> None:
    log = read_event_log(log_files(logs))
    report = analyze_uptime(log)

    [tail] = report.unreadable_tails
    assert tail.file == logs / "engine.log.1.gz"
    assert tail.last_event is not None and START < tail.last_event < ROTATED_AT
    assert report.downtime == ()
    [unobserved] = report.unobserved
    assert (unobserved.start, unobserved.end) == (
        tail.last_event,
        ROTATED_AT + timedelta(minutes=5),
    )
    assert report.observed == report.window - unobserved.duration
    assert report.uptime_percent == 100.0
    assert report.to_dict()["unreadable_tails"][0]["readable_lines"] == tail.lines


def test_what_was_readable_is_still_analysed(logs: Path) -> None:
    readable = read_event_log([logs / "engine.log.1.gz"])
    assert readable.events[0].event == "engine_started"
    report = analyze_uptime(readable)

    assert report.start == START
    assert report.end == readable.unreadable_tails[0].last_event
    assert report.uptime_percent == 100.0
