"""Uptime over logs whose runs overlap: the engine is up while any run vouches for it, each
run by its own heartbeat interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rustybt.operations.event_log import EventLogWriter, read_event_log
from rustybt.operations.uptime import analyze_uptime

START = datetime(2026, 11, 2, tzinfo=UTC)


def write_run(
    path: Path,
    *,
    interval: int,
    first: timedelta,
    last: timedelta,
    silent: tuple[timedelta, timedelta] | None = None,
    stop: bool = False,
) -> None:
    """One run in ``path``: started at START + ``first``, a heartbeat every ``interval``
    seconds to START + ``last`` (none inside ``silent``), then stopped when ``stop``."""
    moment = [START + first]
    with EventLogWriter(path, clock=lambda: moment[0]) as log:
        log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=interval)
        while moment[0] < START + last:
            moment[0] += timedelta(seconds=interval)
            if silent is None or not START + silent[0] < moment[0] < START + silent[1]:
                log.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
        if stop:
            log.log("engine_stopped", reason="signal")


def test_a_hang_is_found_although_an_overlapping_run_stated_a_longer_interval(
    tmp_path: Path,
) -> None:
    # The engine beats every minute and hangs 05:00-06:30. A second session (hourly beats,
    # the default) was started at 01:00 and stopped at 01:05: the hang is still 90 minutes
    # of a run that beats every minute, and the second session's stop is no outage.
    hang = (timedelta(hours=5), timedelta(hours=6, minutes=30))
    write_run(
        tmp_path / "a.log", interval=60, first=timedelta(), last=timedelta(hours=8), silent=hang
    )
    write_run(
        tmp_path / "b.log",
        interval=3600,
        first=timedelta(hours=1),
        last=timedelta(hours=1),
        stop=True,
    )

    report = analyze_uptime(read_event_log([tmp_path / "a.log", tmp_path / "b.log"]))

    assert [(p.start - START, p.end - START, p.cause) for p in report.downtime] == [
        (*hang, "heartbeat gap")
    ]
    assert report.restarts == 1


def test_a_crash_is_no_outage_while_an_overlapping_run_beats_within_its_interval(
    tmp_path: Path,
) -> None:
    # The old session beats until 04:00 and dies; its replacement was started at 03:30.
    write_run(tmp_path / "old.log", interval=300, first=timedelta(), last=timedelta(hours=4))
    write_run(
        tmp_path / "new.log",
        interval=300,
        first=timedelta(hours=3, minutes=30),
        last=timedelta(hours=9),
    )

    report = analyze_uptime(read_event_log([tmp_path / "old.log", tmp_path / "new.log"]))

    assert report.downtime == ()
    assert report.uptime_percent == 100.0


def test_an_outage_of_every_overlapping_run_at_once_is_found(tmp_path: Path) -> None:
    silent = (timedelta(hours=2), timedelta(hours=3))
    write_run(
        tmp_path / "a.log", interval=300, first=timedelta(), last=timedelta(hours=5), silent=silent
    )
    write_run(
        tmp_path / "b.log",
        interval=600,
        first=timedelta(minutes=30),
        last=timedelta(hours=5),
        silent=(silent[0] + timedelta(minutes=10), silent[1] - timedelta(minutes=10)),
    )

    report = analyze_uptime(read_event_log([tmp_path / "a.log", tmp_path / "b.log"]))

    # Nothing beats from b's 02:10 to its 02:50 (a is silent from 02:00): 40 min, more than
    # either run allows.
    assert [(p.start - START, p.end - START) for p in report.downtime] == [
        (timedelta(hours=2, minutes=10), timedelta(hours=2, minutes=50))
    ]


def test_a_copy_of_a_log_beside_it_counts_each_event_once(tmp_path: Path) -> None:
    moment = [START]
    with EventLogWriter(tmp_path / "engine.log", clock=lambda: moment[0]) as log:
        log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=60)
        for minute in range(1, 61):
            moment[0] = START + timedelta(minutes=minute)
            log.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
            log.log("error", "ERROR", error_type="BrokerError", message="timeout")
    lines = (tmp_path / "engine.log").read_text().splitlines(keepends=True)
    (tmp_path / "engine-copy.log").write_text("".join(lines[: len(lines) // 2]))

    report = analyze_uptime(read_event_log([tmp_path / "engine.log", tmp_path / "engine-copy.log"]))

    assert (report.errors, report.restarts, report.downtime) == (60, 0, ())
