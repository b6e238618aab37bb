"""The sweeps the tests run (the SMA crossover on the sample data; a test's own strategy,
written to a file), a Ray head for the tests to join by address, and Ray kept on this
machine's loopback, its files in a temporary directory, never in the user's home."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from rustybt.sweep.executor import LocalExecutor
from rustybt.sweep.space import parse_space
from rustybt.sweep.sweep import SweepPlan, run_sweep
from rustybt.sweep.task import SweepTask

# Ray reads these when it is first imported; a test process never imports it before.
RAY_ENVIRONMENT = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
    # Every Ray process listens on 127.0.0.1, and 127.0.0.1 addresses stay loopback.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
}

HEAD = textwrap.dedent(
    """
    import logging, sys
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)
    print(ray.get_runtime_context().gcs_address, flush=True)
    sys.stdin.read()  # until the test closes our stdin
    ray.shutdown()
    """
)


@pytest.fixture(scope="session", autouse=True)
def ray_environment() -> Iterator[dict[str, str]]:
    """Ray's settings for the whole session: a short temporary directory (its socket paths
    must fit in 107 bytes) and a token of this session for the head's authentication."""
    temporary = tempfile.mkdtemp(prefix="rbt-ray-")
    settings = {
        **RAY_ENVIRONMENT,
        "RAY_TMPDIR": temporary,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        yield settings
    shutil.rmtree(temporary, ignore_errors=True)


@pytest.fixture(scope="session")
def head_address(ray_environment: dict[str, str]) -> Iterator[str]:
    """The address of a Ray head (2 CPUs) run by another process, stopped after the tests."""
    home = Path(ray_environment["RAY_TMPDIR"]) / "home"
    home.mkdir()
    head = subprocess.Popen(
        [sys.executable, "-c", HEAD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "HOME": str(home)},
    )
    assert head.stdout is not None and head.stdin is not None
    address = head.stdout.readline().strip()
    try:
        assert address, "the Ray head did not start"
        yield address
    finally:
        head.stdin.close()
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()


REPO = Path(__file__).resolve().parents[2]
SMA_SWEEP = REPO / "examples" / "sma_sweep.py"
START, END = "2005-01-03", "2005-06-30"
GRID = ("fast=5,10", "slow=20,40")


@pytest.fixture
def sma_task() -> SweepTask:
    """The SMA crossover of examples/sma_sweep.py, on the sample data."""
    return SweepTask(strategy_path=str(SMA_SWEEP), strategy_source=SMA_SWEEP.read_text())


@pytest.fixture
def sma_plan() -> SweepPlan:
    """Its 2 x 2 grid over half a year."""
    return SweepPlan(space=parse_space(GRID), start=START, end=END)


@pytest.fixture(scope="session")
def local_table() -> pd.DataFrame:
    """The SMA sweep's table from the local executor (2 workers): what every executor gives."""
    task = SweepTask(strategy_path=str(SMA_SWEEP), strategy_source=SMA_SWEEP.read_text())
    plan = SweepPlan(space=parse_space(GRID), start=START, end=END)
    return run_sweep(task, plan, LocalExecutor(jobs=2), journal=None, progress=None).table


@pytest.fixture
def strategy_task(tmp_path: Path) -> Callable[[str], SweepTask]:
    """A task of the strategy ``source`` (dedented), written to a file of its own."""

    def make(source: str) -> SweepTask:
        path = tmp_path / "strategy.py"
        path.write_text(textwrap.dedent(source))
        return SweepTask(strategy_path=str(path), strategy_source=path.read_text())

    return make
