"""Helpers to run the `rustybt` command in-process or as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from rustybt_cli.main import main


@attrs.frozen
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def rustybt(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``rustybt ARGS`` in this process and return its exit code and output."""

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def rustybt_process() -> Callable[..., Result]:
    """Run ``python -m rustybt ARGS`` as a separate process (``env`` adds variables)."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "rustybt", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            timeout=120,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run
