"""Finding the `rustybt` commands shown in README.md and docs/ (fenced shell blocks), and
the Python blocks a page runs as a notebook."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
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


@attrs.frozen
class PythonBlock:
    """One fenced ``python`` block: where it starts, its code, and why it is skipped if so."""

    line: int
    code: str
    skip_reason: str | None = None


def python_blocks(text: str) -> list[PythonBlock]:
    """The fenced ``python`` blocks of a Markdown ``text``, in order."""
    blocks: list[PythonBlock] = []
    language: str | None = None  # of the fenced block we are in, None outside one
    lines: list[str] = []
    start, skip, pending_skip = 0, None, None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if language is None:
            marker = SKIP_MARKER.search(stripped)
            if marker:
                pending_skip = marker.group("why").strip()
            elif stripped.startswith("```"):
                language = stripped[3:].strip().lower()
                lines, start, skip, pending_skip = [], number + 1, pending_skip, None
        elif stripped.startswith("```"):
            if language == "python":
                blocks.append(PythonBlock(start, "\n".join(lines), skip))
            language = None
        else:
            lines.append(line)
    return blocks


def run_rustybt(
    args: tuple[str, ...] | list[str],
    workdir: Path,
    repo: Path,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``rustybt ARGS`` (this Python's) in ``workdir``, where ``examples/`` is
    ``repo``'s, with a data directory of its own, plugins loaded strictly and
    ``environment`` added; what it did, output captured."""
    if not (workdir / "examples").exists():
        (workdir / "examples").symlink_to(repo / "examples")
    return subprocess.run(
        [sys.executable, "-m", "rustybt", *args],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=600,
        env={
            **os.environ,
            "RUSTYBT_STRICT_PLUGINS": "1",
            "RUSTYBT_DATA_DIR": str(workdir / "data"),
            **(environment or {}),
        },
    )


def run_python_blocks(page: Path, workdir: Path, repo: Path) -> dict:
    """Run ``page``'s Python blocks top to bottom in one namespace, as a reader pastes them
    into a notebook, in ``workdir`` (where ``examples/`` is the repository's and ``out/`` is
    made, as for the documented commands) with a data directory of its own; the namespace
    they leave behind. Blocks marked ``<!-- docs-test: skip (why) -->`` are not run."""
    import pytest

    if not (workdir / "examples").exists():
        (workdir / "examples").symlink_to(repo / "examples")
    (workdir / "out").mkdir(exist_ok=True)
    namespace: dict = {"__name__": page.stem.replace("-", "_") + "_docs"}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("RUSTYBT_DATA_DIR", str(workdir / "data"))
        for block in python_blocks(page.read_text()):
            if block.skip_reason is None:
                exec(compile(block.code, f"{page}:{block.line}", "exec"), namespace)
    return namespace
