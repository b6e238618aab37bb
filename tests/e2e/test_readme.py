"""The README works as written: its commands, in order, in a fresh copy of the repository.

A reader pastes the README's shell lines one after another into one shell, in a clone. This
test does the same in a copy of the repository's files (what a clone holds) and asserts
each line exits 0. One thing is given instead of done: uv is placed where the quick start's
``python3 -m pip install --target .uv uv`` puts it, because tests use no network; `.ci/run`
runs that install for real. The suite command (`uv run nox`) is the one line not run here:
it is what `.ci/run` runs.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)
_spec = importlib.util.spec_from_file_location(
    "reader_shell", Path(__file__).with_name("reader_shell.py")
)
reader_shell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reader_shell)

INSTALL_UV = "python3 -m pip install --target .uv uv && "
"""The quick start's first step, which the test provides rather than runs (no network)."""


def readme_lines() -> list[object]:
    """The README's shell lines, in order, with whether each is to be run."""
    return doc_commands.shell_lines((REPO / "README.md").read_text(), "README.md")


def copy_of_the_repository(destination: Path) -> Path:
    """The files a clone of the repository holds (tracked, and new files not ignored),
    copied to ``destination``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def files_not_ignored(clone: Path) -> list[str]:
    """What ``git status`` shows in ``clone`` (a git repository made for the purpose, every
    file staged): files outside .gitignore's places (``.venv/``, ``.uv/``, ``out/``...)."""
    if not (clone / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
        subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()


@pytest.fixture(scope="module")
def fake_services() -> Iterator[dict[str, str]]:
    """The loopback fake Yahoo and fake exchange the README's network commands talk to."""
    from rustybt_ccxt.testing import serve_fake_exchange
    from rustybt_yfinance.testing import serve_fake_yahoo

    with serve_fake_yahoo(["AAPL", "MSFT", "SPY"]) as yahoo, serve_fake_exchange() as exchange:
        yield {
            "RUSTYBT_YFINANCE_BASE_URL": yahoo.base_url,
            "RUSTYBT_CCXT_BASE_URL": exchange,
            "RUSTYBT_BINANCE_API_KEY": "readme-test-key",
            "RUSTYBT_BINANCE_SECRET": "readme-test-secret",
        }


def test_the_quick_start_is_two_commands_that_install_uv_without_root_or_a_venv() -> None:
    first, second = (line for line in readme_lines() if INSTALL_UV in line.text)
    assert first.text.startswith(INSTALL_UV + ".uv/bin/uv run rustybt run -f examples/")
    assert first.skip_reason is None
    assert second.text == INSTALL_UV + ".uv/bin/uv run nox"
    assert (REPO / ".ci" / "run").read_text().strip().endswith(second.text)


def test_every_readme_command_runs_in_order_in_a_fresh_copy(
    tmp_path: Path, fake_services: dict[str, str]
) -> None:
    clone = copy_of_the_repository(tmp_path / "rustybt")
    (clone / ".uv" / "bin").mkdir(parents=True)
    (clone / ".uv" / "bin" / "uv").symlink_to(reader_shell.UV)
    before = files_not_ignored(clone)
    lines = [line for line in readme_lines() if line.skip_reason is None]
    script = ["set +e"]
    for number, line in enumerate(lines):
        command = line.text.removeprefix(INSTALL_UV)
        script += [command, f'echo "::exit {number} $?" >&2']
    environment = reader_shell.reader_environment(
        **fake_services, RUSTYBT_DATA_DIR=str(tmp_path / "data")
    )
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
    )
    codes = {
        int(number): int(code)
        for marker, number, code in (
            line.split() for line in result.stderr.splitlines() if line.startswith("::exit ")
        )
    }
    assert sorted(codes) == list(range(len(lines))), result.stderr[-3000:]
    failed = [f"{lines[n]} -> exit {code}" for n, code in codes.items() if code != 0]
    assert not failed, "\n".join(failed) + "\n\n" + result.stderr[-5000:]
    assert files_not_ignored(clone) == before, "the README's commands left files behind"
