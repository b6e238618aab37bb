"""Bad input to `rustybt analyze-uptime`: missing or wrong logs, and wrong options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bad_input_corpus import Case


def _line(ts: str, event: str, extra: str = "") -> str:
    return f'{{"ts": "2026-11-02T{ts}+00:00", "level": "INFO", "event": "{event}"{extra}}}\n'


GOOD_LOG = (
    _line("00:00:00", "engine_started", ', "mode": "paper", "heartbeat_interval": 60')
    + _line("00:01:00", "heartbeat")
    + _line("00:02:00", "heartbeat")
)
"""A valid event log: a start and two heartbeats a minute apart."""

LOG = {"engine.log": GOOD_LOG}


def _directory(name: str) -> Callable[[Path], None]:
    def prepare(workdir: Path) -> None:
        (workdir / name).mkdir()

    return prepare


def _uptime(*args: str) -> list[str]:
    return ["analyze-uptime", *args]


CASES = [
    Case(
        name="analyze-uptime: log directory that does not exist",
        args=_uptime("--log-dir", "logs"),
        message=r"log directory logs does not exist",
    ),
    Case(
        name="analyze-uptime: empty log directory",
        args=_uptime("--log-dir", "logs"),
        prepare=_directory("logs"),
        message=r"no log files in logs \(looked for \*\.log",
    ),
    Case(
        name="analyze-uptime: --log-dir names a file",
        args=_uptime("--log-dir", "engine.log"),
        files=LOG,
        message=r"log directory engine\.log is a file; give it with --log-file",
    ),
    Case(
        name="analyze-uptime: log file that does not exist",
        args=_uptime("--log-file", "paper.log"),
        message=r"log file paper\.log does not exist",
    ),
    Case(
        name="analyze-uptime: --log-file names a directory",
        args=_uptime("--log-file", "logs"),
        prepare=_directory("logs"),
        message=r"log file logs is a directory; give it with --log-dir",
    ),
    Case(
        name="analyze-uptime: a file that is not JSON lines",
        args=_uptime("--log-file", "notes.log"),
        files={"notes.log": "started the engine at nine\nall fine\n"},
        message=r"the logs hold no events: none of their 2 line\(s\) is a JSON event",
    ),
    Case(
        name="analyze-uptime: JSON lines that are not events",
        args=_uptime("--log-file", "data.jsonl"),
        files={"data.jsonl": '{"ts": "2026-11-02T00:00:00", "event": "heartbeat"}\n[1, 2]\n'},
        message=r"the logs hold no events: none of their 2 line\(s\)",
    ),
    Case(
        name="analyze-uptime: a plain file named .gz",
        args=_uptime("--log-file", "engine.log.1.gz"),
        files={"engine.log.1.gz": GOOD_LOG},
        message=r"log file engine\.log\.1\.gz is not gzip-compressed .* rename it without \.gz",
    ),
    Case(
        name="analyze-uptime: a plain file named .gz among good logs",
        args=_uptime("--log-dir", "logs"),
        files={"logs/engine.log": GOOD_LOG, "logs/engine.log.2.gz": "not gzip\n"},
        message=r"engine\.log\.2\.gz is not gzip-compressed",
    ),
    Case(
        name="analyze-uptime: one event only",
        args=_uptime("--log-file", "engine.log"),
        files={"engine.log": GOOD_LOG.splitlines(keepends=True)[0] + "garbage\n"},
        message=r"holds 1 event\(s\); at least two spanning some time are needed",
    ),
    Case(
        name="analyze-uptime: a log that states no heartbeat interval",
        args=_uptime("--log-file", "engine.log"),
        files={"engine.log": _line("00:00:00", "heartbeat") + _line("00:05:00", "heartbeat")},
        message=r"no engine_started event states heartbeat_interval; pass --heartbeat-interval",
    ),
    Case(
        name="analyze-uptime: --until before the logs",
        args=_uptime("--log-file", "engine.log", "--until", "0001-01-01"),
        files=LOG,
        message=r"the window … to 0001-01-01.* lies outside the logs, which span 2026-11-02",
    ),
    Case(
        name="analyze-uptime: --since after the logs",
        args=_uptime("--log-file", "engine.log", "--since", "2030-01-01"),
        files=LOG,
        message=r"lies outside the logs, which span 2026-11-02T00:00:00\.000000\+00:00 to ",
    ),
    Case(
        name="analyze-uptime: both --log-dir and --log-file",
        args=_uptime("--log-dir", ".", "--log-file", "engine.log"),
        files=LOG,
        exit_code=2,
        message=r"give exactly one of --log-dir or --log-file",
    ),
    Case(
        name="analyze-uptime: neither --log-dir nor --log-file",
        args=_uptime(),
        exit_code=2,
        message=r"give exactly one of --log-dir or --log-file",
    ),
    Case(
        name="analyze-uptime: bad --output value",
        args=_uptime("--log-file", "engine.log", "--output", "xml"),
        files=LOG,
        exit_code=2,
        message=r"'xml' is not one of 'table', 'json'",
    ),
    Case(
        name="analyze-uptime: --since that is not a date",
        args=_uptime("--log-file", "engine.log", "--since", "last tuesday"),
        files=LOG,
        exit_code=2,
        message=r"--since.*'last tuesday' is not an ISO date or time",
    ),
    Case(
        name="analyze-uptime: --since after --until",
        args=_uptime("--log-file", "engine.log", "--since", "2026-11-03", "--until", "2026-11-02"),
        files=LOG,
        exit_code=2,
        message=r"--since 2026-11-03 is not before --until 2026-11-02",
    ),
    Case(
        name="analyze-uptime: --days with --since",
        args=_uptime("--log-file", "engine.log", "--days", "3", "--since", "2026-11-01"),
        files=LOG,
        exit_code=2,
        message=r"--days and --since cannot be combined",
    ),
    Case(
        name="analyze-uptime: negative --days",
        args=_uptime("--log-file", "engine.log", "--days", "-1"),
        files=LOG,
        exit_code=2,
        message=r"--days",
    ),
    Case(
        name="analyze-uptime: --days beyond what dates can hold",
        args=_uptime("--log-file", "engine.log", "--days", "1e9"),
        files=LOG,
        exit_code=2,
        message=r"--days",
    ),
    Case(
        name="analyze-uptime: infinite --heartbeat-interval",
        args=_uptime("--log-file", "engine.log", "--heartbeat-interval", "inf"),
        files=LOG,
        exit_code=2,
        message=r"--heartbeat-interval",
    ),
    Case(
        name="analyze-uptime: --target above 100",
        args=_uptime("--log-file", "engine.log", "--target", "150"),
        files=LOG,
        exit_code=2,
        message=r"--target",
    ),
]
