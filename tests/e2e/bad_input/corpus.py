"""The bad-input corpus: each case is one wrong thing a user does, and what RustyBT must say.

A :class:`Case` names the command line, the files it needs in an empty working directory,
and the exit code and message it must end with. :func:`run_case` runs it through the real
``rustybt`` entry point (:func:`rustybt_cli.main.main`, in this process, so 150 cases take
seconds) and checks the promises every bad input shares:

- the exit code: 1 for an error, 2 for a usage error;
- exactly one line on stderr, ``error: <message>``, matching the case's pattern;
- no traceback, no "bug" wording (the word: DEBUG is fine);
- no file changed and none left behind in the working directory;
- under 10 seconds.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
import pytest

SECONDS_ALLOWED = 10.0

Files = Mapping[str, str | bytes]
"""Files to create in the working directory: relative path -> text or bytes."""


@attrs.frozen(kw_only=True)
class Case:
    """One bad input and the one line RustyBT must answer it with.

    ``message`` is a regular expression searched in the stderr line (after ``error: ``);
    ``files`` are created in an empty working directory before ``args`` run there;
    ``prepare``, when given, is called with that directory to build what text cannot
    express (a SQLite file, a truncated gzip).
    """

    name: str
    args: tuple[str, ...] = attrs.field(converter=tuple)
    message: str
    exit_code: int = 1
    files: Files = attrs.field(factory=dict)
    env: Mapping[str, str] = attrs.field(factory=dict)
    prepare: Callable[[Path], None] | None = None

    def __str__(self) -> str:
        return self.name


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under ``directory``: relative path -> SHA-256 of its bytes."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def run_case(case: Case, workdir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Run ``case`` in the empty directory ``workdir`` and assert every shared promise."""
    from rustybt_cli.main import main

    for relative, content in case.files.items():
        path = workdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    if case.prepare is not None:
        case.prepare(workdir)
    before = snapshot(workdir)
    capfd.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        for name, value in case.env.items():
            patch.setenv(name, value)
        started = time.monotonic()
        code = main(list(case.args))
        elapsed = time.monotonic() - started
    stderr = capfd.readouterr().err
    lines = stderr.strip().splitlines()
    shown = f"rustybt {' '.join(case.args)}\nexit {code}, stderr:\n{stderr}"
    assert code == case.exit_code, shown
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    assert re.search(case.message, lines[0]), f"expected /{case.message}/ in\n{shown}"
    assert "Traceback" not in stderr and not re.search(r"\bbug\b", stderr, re.I), shown
    assert snapshot(workdir) == before, f"files changed or left behind\n{shown}"
    assert elapsed < SECONDS_ALLOWED, f"took {elapsed:.1f} s\n{shown}"


def csv_bars(rows: list[str], header: str = "date,open,high,low,close,volume") -> str:
    """A bar CSV's text: ``header`` then ``rows``."""
    return "\n".join([header, *rows]) + "\n"


GOOD_ROWS = [
    "2010-01-04,10,11,9,10.5,1000",
    "2010-01-05,10.5,11,10,10.8,1200",
    "2010-01-06,10.8,11.2,10.4,11,900",
]
"""Three valid daily bars, a base for files with one thing wrong."""

STRATEGY = """\
from rustybt.api import order, symbol


def initialize(context):
    context.asset = symbol("AAPL")


def handle_data(context, data):
    order(context.asset, 1)
"""
"""A valid strategy that trades AAPL, a base for strategies and configs with one thing wrong."""
