"""One writer per state file: a second session is refused, naming the process that holds it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rustybt.live.state_lock import StateFileInUse, exclusive_state_file, lock_path


def hold_in_another_process(state: Path) -> subprocess.Popen[str]:
    """A process that takes the lock on ``state``, says so, and waits for its stdin."""
    code = textwrap.dedent(
        f"""
        import sys
        from rustybt.live.state_lock import exclusive_state_file
        with exclusive_state_file({str(state)!r}):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    state = tmp_path / "paper.sqlite"
    holder = hold_in_another_process(state)
    try:
        with pytest.raises(StateFileInUse) as refused, exclusive_state_file(state):
            pass
        assert str(refused.value) == (
            f"state file {state} is in use by process {holder.pid}; stop that session first "
            "(--stop with the same --state) or use another --state"
        )
    finally:
        holder.communicate("done\n", timeout=30)
    with exclusive_state_file(state):  # free again once the holder ends
        assert lock_path(state).read_text() == f"{os.getpid()}\n"


def test_a_killed_holder_leaves_the_state_file_free(tmp_path: Path) -> None:
    state = tmp_path / "live.sqlite"
    holder = hold_in_another_process(state)
    holder.kill()
    holder.wait(timeout=30)
    with exclusive_state_file(state):
        pass


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    state = tmp_path / "paper.sqlite"
    with exclusive_state_file(state):
        mode = stat.S_IMODE(lock_path(state).stat().st_mode)
    assert mode & 0o077 == 0
