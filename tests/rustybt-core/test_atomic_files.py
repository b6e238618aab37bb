"""A file written through atomic_path is whole or absent, and a killed writer's leftovers are
swept by the next write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rustybt.atomic_files import atomic_path
from rustybt.errors import ConfigError

KILLED_WHILE_WRITING = textwrap.dedent(
    """
    import os, signal, sys
    from rustybt.atomic_files import atomic_path

    with atomic_path(sys.argv[1]) as temporary:
        temporary.write_text("half of the new")
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def kill_a_writer(target: Path) -> int:
    """Run a process that dies by SIGKILL in the middle of writing ``target``; its pid."""
    process = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, str(target)])
    assert process.returncode == -9
    [pid] = _leftover_pids(target)
    return int(pid)


def _leftover_pids(target: Path) -> list[str]:
    return [
        path.name[len(target.name) + 2 :].split(".")[0]
        for path in target.parent.glob(f".{target.name}.*.tmp")
    ]


def test_a_completed_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    target.write_text("old")

    with atomic_path(target) as temporary:
        temporary.write_text("new")

    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["results.parquet"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    target.write_text("old")

    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")

    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.parquet"]


def test_a_writer_killed_mid_write_leaves_a_file_named_with_its_pid(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    target.write_text("old")

    pid = kill_a_writer(target)

    assert target.read_text() == "old"
    assert _leftover_pids(target) == [str(pid)]


def test_the_next_write_sweeps_a_dead_writers_leftover(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    kill_a_writer(target)

    with atomic_path(target) as temporary:
        temporary.write_text("new")

    assert [p.name for p in tmp_path.iterdir()] == ["results.parquet"]


def test_a_running_writers_file_and_other_files_are_not_swept(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    running = tmp_path / f".results.parquet.{os.getpid()}.abc123.tmp"
    running.write_text("being written")
    unrelated = tmp_path / ".other.parquet.1.abc.tmp"
    unrelated.write_text("not ours")

    with atomic_path(target) as temporary:
        temporary.write_text("new")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [running.name, unrelated.name, "results.parquet"]
    )


def test_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match=r"directory .* does not exist"),
        atomic_path(tmp_path / "nowhere" / "results.parquet"),
    ):
        pass
