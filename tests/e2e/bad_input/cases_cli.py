"""Bad command lines: unknown commands and options, missing or malformed arguments."""

from __future__ import annotations

from bad_input_corpus import STRATEGY, Case

CASES = [
    Case(
        name="unknown command",
        args=["frobnicate"],
        exit_code=2,
        message=r"No such command 'frobnicate'",
    ),
    Case(
        name="run: start date that does not exist",
        args=["run", "-f", "s.py", "--start", "2010-13-45", "--end", "2010-12-31"],
        files={"s.py": STRATEGY},
        message=r"2010-13-45",
    ),
]
