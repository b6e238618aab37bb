"""Executors: where a sweep's runs run. Core registers ``local``; plugins add others
(``rustybt-ray`` adds ``ray``) through the ``rustybt_register_executors`` hook."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, runtime_checkable

from rustybt.errors import ConfigError, RustyBTError
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask


@runtime_checkable
class Executor(Protocol):
    """Runs a sweep's backtests, each with a :class:`~rustybt.sweep.worker.SweepWorker`.

    The sweep calls :meth:`open` once, :meth:`map_runs` one or more times (Optuna asks in
    batches, a walk-forward fold runs its test after its training), then :meth:`close`,
    also when a run or the user interrupted it.
    """

    name: str
    """The name it is registered under (``local``, ``ray``, ...)."""

    def open(self, task: SweepTask) -> None:
        """Start the workers; each opens ``task``'s data once, for every run it is given."""

    def map_runs(self, runs: Sequence[SweepRun]) -> Iterator[RunOutcome]:
        """Run each of ``runs`` and yield its outcome as soon as it finishes, in any order.

        A run whose strategy raises yields an outcome with its error; only a failure of the
        executor itself (a worker that died, a cluster that went away) raises.
        """
        ...

    def close(self) -> None:
        """Stop the workers and free what :meth:`open` took; safe to call twice."""


class SweepWorkerLost(RustyBTError):
    """A worker process of a sweep died (killed, out of memory) while it ran runs."""


# The worker of this process, made once by the pool's initializer (one per process).
_worker: object = None
_worker_error: RustyBTError | None = None


def _start_worker(task: SweepTask) -> None:
    """The pool's initializer: this process's :class:`~rustybt.sweep.worker.SweepWorker`.
    Its error (a strategy that does not compile, an unknown source) is kept and raised by
    every run, since an initializer's exception would only say the pool broke."""
    global _worker, _worker_error
    from rustybt.sweep.worker import SweepWorker

    try:
        _worker = SweepWorker(task)
    except RustyBTError as exc:
        _worker_error = exc


def _run_in_worker(run: SweepRun) -> RunOutcome:
    """Run ``run`` on this process's worker."""
    from rustybt.sweep.worker import SweepWorker

    if _worker_error is not None:
        raise _worker_error
    assert isinstance(_worker, SweepWorker)  # _start_worker made it
    return _worker.run(run)


def _process_context() -> multiprocessing.context.BaseContext:
    """Forkserver where the platform has it (workers fork from a server that imported the
    worker module once), else spawn; never a plain fork of a process that may hold threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["rustybt.sweep.worker"])
        return context
    return multiprocessing.get_context("spawn")


class LocalExecutor:
    """Warm worker processes on this machine: ``jobs`` of them (default: one per CPU), each
    holding one :class:`~rustybt.sweep.worker.SweepWorker` that opens the data once and runs
    every run it is given; only runs and their metrics cross between processes.

    Worker processes import the main module, as :mod:`multiprocessing` does: a script that
    runs a sweep keeps its own code under ``if __name__ == "__main__":``.
    """

    name = "local"

    def __init__(self, jobs: int | None = None) -> None:
        """An executor of ``jobs`` worker processes (None: ``os.cpu_count()``).

        Raises:
            ConfigError: ``jobs`` is below 1.
        """
        if jobs is not None and jobs < 1:
            raise ConfigError(f"--jobs {jobs}: give 1 or more worker processes")
        self.jobs = jobs or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def open(self, task: SweepTask) -> None:
        """Start the worker processes; each opens ``task``'s data source once."""
        self.close()
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=_process_context(),
            initializer=_start_worker,
            initargs=(task,),
        )

    def map_runs(self, runs: Sequence[SweepRun]) -> Iterator[RunOutcome]:
        """Give every run to the workers at once (none waits while another has work) and
        yield each outcome as it finishes.

        Raises:
            SweepWorkerLost: a worker process died; the runs it held have no outcome.
            RustyBTError: a worker could not open the task (raised by its first run).
        """
        if self._pool is None:
            raise RuntimeError("LocalExecutor.map_runs before open")
        pending: set[Future[RunOutcome]] = {self._pool.submit(_run_in_worker, r) for r in runs}
        yielded = 0
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                    yielded += 1
        except BrokenProcessPool:
            raise SweepWorkerLost(
                "a sweep worker process died (killed, or out of memory) with "
                f"{len(runs) - yielded} of {len(runs)} runs unfinished; rerun the same command "
                "to resume from the finished runs"
            ) from None
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the worker processes (a run in progress ends first); safe to call twice."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
