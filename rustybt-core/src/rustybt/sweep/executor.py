"""Executors: where a sweep's runs run. Core registers ``local``; plugins add others
(``rustybt-ray`` adds ``ray``) through the ``rustybt_register_executors`` hook."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

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
