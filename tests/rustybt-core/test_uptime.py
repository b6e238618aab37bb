"""Uptime from the event log: a synthetic 30-day paper session with known outages."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rustybt.errors import DataError
from rustybt.operations.event_log import EventLog, EventLogWriter, log_files, read_event_log
from rustybt.operations.uptime import analyze_uptime

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=30)
HEARTBEAT = 300  # seconds
CRASH = START + timedelta(days=3, hours=4)  # last heartbeat before a crash, down 2 h
STOP = START + timedelta(days=11, hours=9, minutes=30)  # clean stop, restarted 45 min later
HANG = START + timedelta(days=22, hours=15)  # heartbeats stall for 20 min, no restart
SKIPPED = START + timedelta(days=25)  # one missed heartbeat: a 10 min gap, not downtime
OUTAGES = [
    (CRASH, CRASH + timedelta(hours=2), "heartbeat gap"),
    (STOP, STOP + timedelta(minutes=45), "engine stopped"),
    (HANG, HANG + timedelta(minutes=20), "heartbeat gap"),
]
DOWNTIME_SECONDS = (2 * 60 + 45 + 20) * 60


class SteppingClock:
    """The time the next event is stamped with; the test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def write_session(path: Path) -> None:
    """Thirty days of a paper engine: heartbeats every 5 min, an order an hour (submitted and
    filled), a BrokerError every 6 h, a DataError a day, and the three OUTAGES."""
    clock = SteppingClock()
    with EventLogWriter(path, clock=clock) as log:

        def start() -> None:
            log.log("engine_started", mode="paper", strategy="sma.py", heartbeat_interval=300)

        start()
        moment = START
        step = timedelta(seconds=HEARTBEAT)
        while moment < END:
            moment += step
            clock.now = moment
            if moment == SKIPPED:
                continue
            if moment == CRASH + step:  # the engine died after its CRASH heartbeat
                clock.now = CRASH + timedelta(seconds=10)
                log.log("error", "ERROR", error_type="MemoryError", message="out of memory")
                moment = clock.now = CRASH + timedelta(hours=2)
                start()
                continue
            if moment == STOP:
                log.log("engine_stopped", reason="signal")
                moment = clock.now = STOP + timedelta(minutes=45)
                start()
                continue
            if HANG < moment < HANG + timedelta(minutes=20):
                continue
            log.log("heartbeat", portfolio_value="100000.00", open_orders=0, last_bar=moment)
            if moment.minute == 0:
                order = {"order_id": f"o{moment:%j%H}", "symbol": "AAPL", "amount": "10"}
                log.log("order_submitted", **order)
                log.log("order_filled", **order, price="187.50")
            if moment.minute == 30 and moment.hour % 6 == 0:
                log.log("error", "ERROR", error_type="BrokerError", message="timeout")
            if moment.minute == 15 and moment.hour == 1:
                log.log("error", "ERROR", error_type="DataError", message="stale bar")


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 30-day session split like logrotate leaves it: .2.gz, .1 and the live file,
    with a few garbage lines."""
    directory = tmp_path_factory.mktemp("logs")
    write_session(directory / "full.log")
    lines = (directory / "full.log").read_text().splitlines(keepends=True)
    (directory / "full.log").unlink()
    third = len(lines) // 3
    with gzip.open(directory / "engine.log.2.gz", "wt") as handle:
        handle.writelines(lines[:third])
    (directory / "engine.log.1").write_text("".join(lines[third : 2 * third]) + "oops\n")
    (directory / "engine.log").write_text("\x00\x00garbage\n" + "".join(lines[2 * third :]))
    return directory


def test_outages_of_a_30_day_session_are_found_exactly(session_dir: Path) -> None:
    log = read_event_log(log_files(session_dir))
    report = analyze_uptime(log)

    assert (report.start, report.end) == (START, END)
    assert [(p.start, p.end, p.cause) for p in report.downtime] == OUTAGES
    assert report.downtime_total.total_seconds() == DOWNTIME_SECONDS
    expected = 100 * (1 - DOWNTIME_SECONDS / (30 * 86400))
    assert report.uptime_percent == pytest.approx(expected, abs=0.01)
    assert f"{report.uptime_percent:.2f}" == "99.57"
    assert not report.passed  # target 99.9 %
    assert report.garbage_lines == 2


def test_each_outage_names_the_last_event_before_it(session_dir: Path) -> None:
    report = analyze_uptime(read_event_log(log_files(session_dir)))
    crash, stop, hang = (period.last_event for period in report.downtime)
    assert (crash.event, crash.fields["error_type"]) == ("error", "MemoryError")
    assert (stop.event, stop.fields["reason"]) == ("engine_stopped", "signal")
    assert (hang.event, hang.ts) == ("order_filled", HANG)  # logged after its heartbeat


def test_restarts_operations_and_errors_are_counted(session_dir: Path) -> None:
    report = analyze_uptime(read_event_log(log_files(session_dir)))

    assert report.restarts == 2
    hours_up = [
        hour
        for hour in (START + timedelta(hours=h) for h in range(1, 30 * 24 + 1))
        if hour != SKIPPED and not any(start < hour <= end for start, end, _ in OUTAGES)
    ]
    assert report.operations == 2 * len(hours_up)
    by_type = {entry.error_type: entry for entry in report.top_error_types}
    assert list(by_type) == ["BrokerError", "DataError", "MemoryError"]
    assert by_type["BrokerError"].count == 30 * 4
    assert by_type["DataError"].count == 30
    assert by_type["DataError"].first_seen == START + timedelta(hours=1, minutes=15)
    assert by_type["DataError"].last_seen == START + timedelta(days=29, hours=1, minutes=15)
    assert report.errors == 30 * 4 + 30 + 1
    assert report.errors_per_1000_operations == pytest.approx(
        1000 * report.errors / report.operations
    )


def test_a_window_counts_only_what_it_holds(session_dir: Path) -> None:
    events = read_event_log(log_files(session_dir))
    report = analyze_uptime(events, days=10)  # back from the last event: only the hang

    assert report.start == END - timedelta(days=10)
    assert [(p.start, p.end) for p in report.downtime] == [(HANG, HANG + timedelta(minutes=20))]
    assert report.restarts == 0

    cut = analyze_uptime(events, since=STOP + timedelta(minutes=15), until=END - timedelta(days=1))
    assert cut.downtime[0].start == STOP + timedelta(minutes=15)  # clipped to the window
    assert cut.downtime[0].end == STOP + timedelta(minutes=45)
    assert cut.end == END - timedelta(days=1)


def test_a_lower_target_passes_and_an_explicit_interval_overrides_the_logged_one(
    session_dir: Path,
) -> None:
    events = read_event_log(log_files(session_dir))
    assert analyze_uptime(events, target_percent=99.5).passed
    # With a 10-minute interval, the 20-minute hang is not longer than 2 × 10 min.
    report = analyze_uptime(events, heartbeat_interval=600)
    assert [p.start for p in report.downtime] == [CRASH, STOP]


def test_a_log_without_a_stated_interval_needs_one(tmp_path: Path) -> None:
    clock = SteppingClock()
    with EventLogWriter(tmp_path / "engine.log", clock=clock) as log:
        for minute in (0, 1, 5):
            clock.now = START + timedelta(minutes=minute)
            log.log("heartbeat", portfolio_value="1", open_orders=0, last_bar=None)
    events = read_event_log([tmp_path / "engine.log"])
    with pytest.raises(DataError, match="pass --heartbeat-interval"):
        analyze_uptime(events)
    report = analyze_uptime(events, heartbeat_interval=60)
    assert [(p.start, p.end) for p in report.downtime] == [
        (START + timedelta(minutes=1), START + timedelta(minutes=5))
    ]
    assert report.uptime_percent == pytest.approx(20.0)


def test_an_empty_log_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no events"):
        analyze_uptime(EventLog(events=(), files=(), garbage_lines=0))
