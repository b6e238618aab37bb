"""The ``ray`` sweep executor: a sweep's runs on Ray actors, locally or on a cluster."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rustybt.errors import ConfigError, RustyBTError
from rustybt.sweep.executor import SweepWorkerLost
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask

# Ray reads these when it is imported or initialised; a value the user set wins.
_QUIET_ENVIRONMENT = {
    # No usage statistics sent home.
    "RAY_USAGE_STATS_ENABLED": "0",
    # Under `uv run`, Ray would start its workers through `uv run` and upload the current
    # directory to the cluster; the sweep ships what its workers need (the task) itself.
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
}
_LOCAL_ENVIRONMENT = {
    # A local instance serves this process only: every Ray process listens on 127.0.0.1
    # (Ray's switch for single-machine instances) ...
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
}
_AUTH_VARIABLES = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
_CONNECT_TIMEOUT_S = 5.0


class _SweepActor:
    """One Ray actor: a :class:`~rustybt.sweep.worker.SweepWorker` kept for every run it is
    given, so the task's data is opened once per actor."""

    def __init__(self, task: SweepTask) -> None:
        from rustybt.sweep.worker import SweepWorker

        # Kept for ready() to raise: Ray reports an error raised here only as text.
        self._error: RustyBTError | None = None
        try:
            self._worker = SweepWorker(task)
        except RustyBTError as exc:
            self._error = exc

    def ready(self) -> bool:
        """True once the worker has opened the task; its error when it could not."""
        if self._error is not None:
            raise self._error
        return True

    def run(self, run: SweepRun) -> RunOutcome:
        """The outcome of ``run`` on this actor's worker."""
        return self._worker.run(run)


class RayExecutor:
    """Runs a sweep's runs on Ray: ``jobs`` actors (default: one per CPU of the cluster),
    each holding one :class:`~rustybt.sweep.worker.SweepWorker` made from the task, which is
    put in Ray's object store once. Outcomes stream back as runs finish.

    With ``address`` it joins that existing cluster (``ray start --head`` prints it);
    without, it starts a Ray instance on this machine, listening on 127.0.0.1 only, with
    ``jobs`` CPUs (default: all of them). When the caller already called ``ray.init`` it
    uses that instance as it is. It shuts down only the instance it started or joined.
    """

    name = "ray"

    def __init__(self, jobs: int | None = None, address: str | None = None) -> None:
        """An executor of ``jobs`` actors on the cluster at ``address`` (None: a local
        instance).

        Raises:
            ConfigError: ``jobs`` is below 1.
        """
        if jobs is not None and jobs < 1:
            raise ConfigError(f"--jobs {jobs}: give 1 or more Ray workers")
        self.jobs = jobs
        """How many actors run runs: as given, or once opened, how many did."""
        self.address = address
        self._actors: list[Any] = []
        self._started_ray = False
        self._restore_environment: dict[str, str | None] = {}

    def open(self, task: SweepTask) -> None:
        """Connect to Ray (or start it), put ``task`` in the object store, and start the
        actors; returns once each has opened the task's data.

        Raises:
            ConfigError: the cluster at ``address`` cannot be reached, or has fewer CPUs
                than ``jobs``.
            RustyBTError: a worker could not open the task (its data source, its strategy).
        """
        self.close()
        try:
            self._start(task)
        except BaseException:
            self.close()
            raise

    def _start(self, task: SweepTask) -> None:
        self._connect()
        import ray

        capacity = int(ray.cluster_resources().get("CPU", 0))
        count = self.jobs or max(capacity, 1)
        if count > capacity:
            where = self.address or "this machine's Ray instance"
            raise ConfigError(
                f"--jobs {count} is more than the {capacity} CPUs of the Ray cluster at "
                f"{where}; give --jobs {capacity} or fewer, or add nodes to the cluster"
            )
        self.jobs = count
        actor_class = ray.remote(num_cpus=1, max_restarts=0)(_SweepActor)
        shipped = ray.put(task)
        self._actors = [actor_class.remote(shipped) for _ in range(count)]
        with _ray_errors():
            ray.get([actor.ready.remote() for actor in self._actors])

    def map_runs(self, runs: Sequence[SweepRun]) -> Iterator[RunOutcome]:
        """Give each actor one run at a time, the next as soon as it finishes one, and
        yield the outcomes in the order they finish.

        Raises:
            SweepWorkerLost: an actor (or its node) died; the runs it held have no outcome.
        """
        if not self._actors:
            raise RuntimeError("RayExecutor.map_runs before open")
        import ray

        waiting = list(reversed(runs))
        running: dict[Any, Any] = {}  # the run's result reference -> the actor running it
        for actor in self._actors:
            if not waiting:
                break
            running[actor.run.remote(waiting.pop())] = actor
        yielded = 0
        while running:
            finished, _ = ray.wait(list(running), num_returns=1)
            reference = finished[0]
            actor = running.pop(reference)
            if waiting:
                running[actor.run.remote(waiting.pop())] = actor
            with _ray_errors(unfinished=len(runs) - yielded, total=len(runs)):
                outcome: RunOutcome = ray.get(reference)
            yield outcome
            yielded += 1

    def close(self) -> None:
        """Kill the actors, and shut Ray down when :meth:`open` started or joined it; safe
        to call twice."""
        if self._actors or self._started_ray:
            import ray  # only now: open() sets Ray's environment before its first import

            if ray.is_initialized():
                for actor in self._actors:
                    ray.kill(actor)
            if self._started_ray:
                ray.shutdown()
        self._actors = []
        self._started_ray = False
        for variable, value in self._restore_environment.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        self._restore_environment = {}

    def _connect(self) -> None:
        """Join the cluster at ``address``, or start a local instance, unless the caller
        already initialised Ray."""
        self._set_environment(_QUIET_ENVIRONMENT)
        # Ray reads the rest when first imported: once it is, its settings stay as they are.
        if self.address is None and "ray" not in sys.modules:
            self._set_environment(_LOCAL_ENVIRONMENT)
            if not any(variable in os.environ for variable in _AUTH_VARIABLES):
                # ... and only holders of a token made for this run may use it, so Ray
                # neither warns about authentication nor writes a token to ~/.ray.
                self._set_environment(
                    {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
                )
        import ray

        if ray.is_initialized():
            return
        if self.address is not None:
            _check_reachable(self.address)
        try:
            ray.init(
                address=self.address,
                num_cpus=self.jobs if self.address is None else None,
                include_dashboard=False,
                # Workers' output would interleave with the command's (JSON) output.
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            if self.address is None:
                raise ConfigError(
                    f"cannot start Ray on this machine: {_first_line(exc)}; see Ray's logs "
                    "under RAY_TMPDIR (default /tmp/ray)"
                ) from None
            raise ConfigError(
                f"cannot join the Ray cluster at {self.address}: {_first_line(exc)}; check "
                "--ray-address and the cluster's token (ray status on the head node)"
            ) from None
        self._started_ray = True

    def _set_environment(self, values: dict[str, str]) -> None:
        for variable, value in values.items():
            if variable not in os.environ:
                self._restore_environment.setdefault(variable, None)
                os.environ[variable] = value


def _check_reachable(address: str) -> None:
    """Fail fast when nothing listens at ``address``: Ray itself retries for minutes."""
    target = address.removeprefix("ray://")
    host, separator, port = target.rpartition(":")
    if not separator or not port.isdigit():
        if address in ("auto", "local"):
            return
        raise ConfigError(
            f"--ray-address {address}: give the cluster's head as HOST:PORT "
            "(ray start --head prints it)"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), _CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}; start it with "
            "ray start --head or check --ray-address"
        ) from None


@contextmanager
def _ray_errors(*, unfinished: int | None = None, total: int | None = None) -> Iterator[None]:
    """Turn Ray's failures into RustyBT errors: a worker's own RustyBTError as it is, an
    actor or node that died as :class:`SweepWorkerLost` (``unfinished`` of ``total`` runs
    lost)."""
    from ray.exceptions import RayError, RayTaskError

    try:
        yield
    except RayError as exc:
        cause = _rustybt_cause(exc)
        if cause is not None:
            raise cause from None
        if isinstance(exc, RayTaskError):  # a bug in a worker: its own traceback says where
            raise exc.as_instanceof_cause() from None
        lost = f" with {unfinished} of {total} runs unfinished" if unfinished is not None else ""
        raise SweepWorkerLost(
            f"a Ray sweep worker died{lost} ({type(exc).__name__}: {_first_line(exc)}); rerun "
            "the same command to resume from the finished runs"
        ) from None


def _rustybt_cause(exc: BaseException) -> RustyBTError | None:
    """The RustyBTError a worker raised, found through Ray's wrappers (which may subclass
    it, with the worker's traceback in their message), if any."""
    from ray.exceptions import RayError

    seen: set[int] = set()
    current: object = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RustyBTError) and not isinstance(current, RayError):
            return current
        seen.add(id(current))
        current = getattr(current, "cause", None)
    return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
