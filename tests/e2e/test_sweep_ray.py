"""`rustybt sweep --executor ray`: the table the local executor writes, JSON output Ray's logs
do not disturb, one clear line for a cluster that is not there, and the executor listed by
`rustybt plugins`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rustybt.sweep.sweep import load_sweep

REPO = Path(__file__).resolve().parents[2]
SWEEP = (
    "sweep", "-f", str(REPO / "examples" / "sma_sweep.py"),
    "--start", "2005-01-03", "--end", "2005-06-30",
    "--grid", "fast=5,10", "--grid", "slow=20,40", "--jobs", "2",
)  # fmt: skip


@pytest.fixture
def ray_tmpdir() -> Iterator[str]:
    """Ray's files, in a directory short enough for its socket paths (107 bytes at most)."""
    directory = tempfile.mkdtemp(prefix="rbt-ray-")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def rustybt(*args: str, ray_tmpdir: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rustybt", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "RAY_TMPDIR": ray_tmpdir},
        timeout=180,
    )


@pytest.mark.slow
def test_a_ray_sweep_writes_the_local_executors_table(tmp_path: Path, ray_tmpdir: str) -> None:
    on_ray = rustybt(
        *SWEEP, "--executor", "ray", "-o", str(tmp_path / "ray.parquet"), "--output", "json",
        ray_tmpdir=ray_tmpdir,
    )  # fmt: skip
    assert on_ray.returncode == 0, on_ray.stderr
    payload = json.loads(on_ray.stdout)  # nothing of Ray's on stdout
    assert (payload["executor"], payload["jobs"], payload["failed"]) == ("ray", 2, 0)

    on_local = rustybt(
        *SWEEP, "--executor", "local", "-o", str(tmp_path / "local.parquet"),
        ray_tmpdir=ray_tmpdir,
    )  # fmt: skip
    assert on_local.returncode == 0, on_local.stderr
    ray_table = load_sweep(tmp_path / "ray.parquet")
    assert len(ray_table) == 4
    assert ray_table.equals(load_sweep(tmp_path / "local.parquet"))
    assert not (Path.home() / ".ray").exists()  # Ray wrote no token to the home directory


def test_a_ray_cluster_that_is_not_there_is_one_clear_error(ray_tmpdir: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"

    result = rustybt(*SWEEP, "--executor", "ray", "--ray-address", address, ray_tmpdir=ray_tmpdir)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: cannot reach the Ray cluster at {address}: ")
    assert "Traceback" not in result.stderr


def test_rustybt_plugins_lists_the_ray_executor(ray_tmpdir: str) -> None:
    result = rustybt("plugins", "--json", ray_tmpdir=ray_tmpdir)
    assert result.returncode == 0, result.stderr
    ray = next(plugin for plugin in json.loads(result.stdout) if plugin["name"] == "ray")
    assert (ray["distribution"], ray["status"]) == ("rustybt-ray", "ok")
    assert ray["provides"] == {"executors": ["ray"]}
