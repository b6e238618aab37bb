"""Finding the `rustybt` commands shown in README.md and docs/ (fenced shell blocks)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import attrs

SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
SKIP_MARKER = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<why>[^)]+)\)\s*-->")
COMMAND = re.compile(r"(?:^|&&\s*|\buv run\s+)(?:python3? -m )?rustybt(?=\s|$)(?P<args>.*)$")


@attrs.frozen
class ShellLine:
    """One command line of a fenced shell block, continuations joined, comment dropped."""

    source: str
    line: int
    text: str
    skip_reason: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.text}"


@attrs.frozen
class DocCommand:
    """One ``rustybt`` command from the docs: where it is, and its arguments."""

    source: str
    line: int
    args: tuple[str, ...]
    skip_reason: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: rustybt {' '.join(self.args)}"


def shell_lines(text: str, source: str) -> list[ShellLine]:
    """Every command line in the fenced shell blocks of a Markdown ``text``, in order.

    Lines continued with a trailing backslash are joined; comments after ``#`` are dropped.
    A block preceded by ``<!-- docs-test: skip (why) -->`` yields lines marked skipped.
    """
    found: list[ShellLine] = []
    in_block, skip_reason, pending_skip = False, None, None
    logical, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not in_block:
            marker = SKIP_MARKER.search(stripped)
            if marker:
                pending_skip = marker.group("why").strip()
            elif stripped.startswith("```"):
                language = stripped[3:].strip().lower()
                in_block = language in SHELL_LANGUAGES
                skip_reason, pending_skip = (pending_skip if in_block else None), None
            continue
        if stripped.startswith("```"):
            in_block = False
            continue
        if not logical:
            start = number
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        command = logical.split(" #", 1)[0].strip().removeprefix("$ ")
        logical = ""
        if command:
            found.append(ShellLine(source, start, command, skip_reason))
    return found


def commands_in(text: str, source: str) -> list[DocCommand]:
    """Every rustybt command in the fenced shell blocks of a Markdown ``text``
    (see :func:`shell_lines`)."""
    found: list[DocCommand] = []
    for line in shell_lines(text, source):
        match = COMMAND.search(line.text)
        if match:
            args = tuple(shlex.split(match.group("args")))
            found.append(DocCommand(source, line.line, args, line.skip_reason))
    return found


def documented_commands(repo: Path) -> list[DocCommand]:
    """The commands of README.md and every Markdown file under docs/."""
    files = [repo / "README.md", *sorted((repo / "docs").rglob("*.md"))]
    return [
        command
        for path in files
        if path.is_file()
        for command in commands_in(path.read_text(), str(path.relative_to(repo)))
    ]
