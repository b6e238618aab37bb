"""The ``ray`` executor starting Ray itself or joining a cluster by address: the local
executor's table, nothing on stdout, Ray left as it was found, and one clear line when the
cluster cannot be reached."""

from __future__ import annotations

import socket

import pytest
from rustybt.errors import ConfigError
from rustybt.sweep.sweep import run_sweep
from rustybt_ray.executor import RayExecutor


def ray_is_initialized() -> bool:
    import ray  # only once conftest has set Ray's environment, which it reads on import

    return ray.is_initialized()


def test_a_sweep_on_a_ray_instance_of_its_own_gives_the_local_table(
    sma_task, sma_plan, local_table, capfd: pytest.CaptureFixture[str]
) -> None:
    executor = RayExecutor(jobs=2)
    result = run_sweep(sma_task, sma_plan, executor, journal=None, progress=None)

    assert result.table.equals(local_table)
    assert result.failed == 0 and executor.jobs == 2
    assert not ray_is_initialized()  # it shut down the instance it started
    assert capfd.readouterr().out == ""  # Ray's logs stay off stdout


def test_a_sweep_joins_a_cluster_by_its_address(
    head_address: str, sma_task, sma_plan, local_table
) -> None:
    executor = RayExecutor(jobs=2, address=head_address)
    result = run_sweep(sma_task, sma_plan, executor, journal=None, progress=None)

    assert result.table.equals(local_table)
    assert not ray_is_initialized()  # disconnected; the cluster itself runs on


def test_more_jobs_than_the_cluster_has_cpus_is_one_clear_error(
    head_address: str, sma_task
) -> None:
    executor = RayExecutor(jobs=3, address=head_address)
    with pytest.raises(ConfigError, match=r"--jobs 3 is more than the 2 CPUs of the Ray"):
        executor.open(sma_task)
    assert not ray_is_initialized()


def test_an_unreachable_address_is_one_clear_error(sma_task) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    executor = RayExecutor(jobs=2, address=address)

    with pytest.raises(ConfigError) as raised:
        executor.open(sma_task)
    message = str(raised.value)
    assert message.startswith(f"cannot reach the Ray cluster at {address}: ")
    assert "--ray-address" in message and "\n" not in message
    assert not ray_is_initialized()


def test_an_address_that_is_not_host_and_port_is_one_clear_error(sma_task) -> None:
    with pytest.raises(ConfigError, match=r"--ray-address head-node: give the cluster's head"):
        RayExecutor(address="head-node").open(sma_task)


def test_no_jobs_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"--jobs 0: give 1 or more Ray workers"):
        RayExecutor(jobs=0)
