"""Running a sweep: the plan's runs handed to an executor, the journal kept, the table built.

:func:`run_sweep` checks the strategy and every run's parameters before the first run (a
mistyped value fails at once, not once per run), skips the runs its journal holds, streams
the others through the executor, and returns the table (one row per run, in run order,
the layout of :mod:`rustybt.sweep`). Run numbers follow the plan, never the order runs
finish in, and nothing in the table depends on time: any executor, any number of workers
gives the same table.

With walk-forward folds, fold ``k``'s training runs are numbered from ``k·(n+1)`` (``n``
points per fold) and its test run, the best training parameters on the next window, is
``k·(n+1)+n``. Every fold's training runs go to the executor together, then every test
run, so the workers stay busy; an Optuna search runs fold after fold, batch after batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.atomic_files import atomic_path
from rustybt.errors import DataError
from rustybt.params import declared_params, resolve_params
from rustybt.strategy_file import load_strategy_source
from rustybt.sweep.executor import Executor
from rustybt.sweep.journal import Journal, run_key
from rustybt.sweep.metrics import METRICS, check_objective, objective_value
from rustybt.sweep.space import OptunaSearch, ParamSpace
from rustybt.sweep.task import RunOutcome, SweepRun, SweepTask
from rustybt.sweep.walk_forward import Fold, WalkForward, best_run, plan_folds
from rustybt.sweep.worker import json_ready, run_params

METADATA_KEY = b"rustybt.sweep"
"""The key of the sweep's description in its Parquet file's schema metadata."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``, called as runs finish (skipped runs count as done)."""


@attrs.frozen(kw_only=True)
class SweepPlan:
    """Which runs a sweep makes: the points of ``space`` (all of them, ``random`` of them
    drawn with ``seed``, or ``optuna`` trials maximising ``objective``) from ``start`` to
    ``end``, or in the folds of ``walk_forward`` between those dates."""

    space: ParamSpace
    start: str
    end: str
    random: int | None = None
    optuna: int | None = None
    seed: int = 0
    objective: str = "sharpe"
    walk_forward: WalkForward | None = None

    @property
    def search(self) -> str:
        """``grid``, ``random`` or ``optuna``."""
        return "optuna" if self.optuna is not None else "random" if self.random else "grid"

    def points_per_search(self) -> int:
        """How many runs one search (the whole sweep, or one fold's training) makes."""
        if self.optuna is not None:
            return self.optuna
        if self.random is not None:
            return min(self.random, self.space.size)
        return self.space.size


@attrs.frozen(kw_only=True)
class SweepResult:
    """A finished sweep: its ``table`` (see :mod:`rustybt.sweep`), how many runs the
    journal let it skip, and with walk-forward, ``folds``: one row per fold with its
    windows, the parameters its training chose, their training objective and their test
    (out-of-sample) metrics."""

    table: pd.DataFrame
    skipped: int
    folds: pd.DataFrame | None
    metadata: Mapping[str, Any]

    @property
    def failed(self) -> int:
        """How many runs ended with an error."""
        return int(self.table["error"].notna().sum())

    def best(self, count: int = 10) -> pd.DataFrame:
        """The ``count`` best rows by the objective (test rows only with folds), best first,
        ties in run order; failed runs last."""
        rows = self.table
        if "phase" in rows:
            rows = rows[rows["phase"] == "test"]
        objective = str(self.metadata["objective"])
        score = [objective_value(row, objective) for row in rows[list(METRICS)].to_dict("records")]
        ranked = rows.assign(_score=score).sort_values(
            ["_score", "run"], ascending=[False, True], kind="stable"
        )
        return ranked.drop(columns="_score").head(count)

    def write_parquet(self, path: str | Path) -> None:
        """Write the table to ``path`` atomically, with :attr:`metadata` as JSON under
        :data:`METADATA_KEY` in the schema metadata (read back by :func:`load_sweep`)."""
        table = pa.Table.from_pandas(self.table, preserve_index=False)
        described = json.dumps(dict(self.metadata), default=str).encode()
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), METADATA_KEY: described}
        )
        with atomic_path(path) as temporary:
            pq.write_table(table, temporary)


def load_sweep(path: str | Path) -> pd.DataFrame:
    """The table of the sweep file at ``path``, its description (``params``, ``metrics``,
    ``objective``, ...) in ``attrs["sweep"]``.

    Raises:
        DataError: the file cannot be read or was not written by ``rustybt sweep``.
    """
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataError(f"cannot read sweep file {path}: {exc}") from None
    described = (table.schema.metadata or {}).get(METADATA_KEY)
    if described is None:
        raise DataError(f"{path} is not a sweep table; make one with rustybt sweep -o FILE")
    frame = table.to_pandas()
    frame.attrs["sweep"] = json.loads(described)
    return frame


class _Runner:
    """One sweep's runs: typed and checked, skipped when journaled, else executed."""

    def __init__(
        self,
        task: SweepTask,
        executor: Executor,
        journal: Journal | None,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.task = task
        self.executor = executor
        self.journal = journal
        self.progress = progress
        self.total = total
        self.done = 0
        self.skipped = 0
        self.typed: dict[int, dict[str, Any]] = {}
        self._keys: dict[int, str] = {}
        self._finished = journal.finished() if journal is not None else {}
        self._declared = declared_params(
            load_strategy_source(task.strategy_source, task.strategy_path)
        )
        self._opened = False

    def runs(
        self, points: Sequence[Mapping[str, Any]], first: int, **window: Any
    ) -> list[SweepRun]:
        """A run per point, numbered from ``first``, each parameter set resolved against
        the strategy's ``PARAMS`` now (ConfigError before any run)."""
        made = []
        for offset, point in enumerate(points):
            run = SweepRun(number=first + offset, params=dict(point), **window)
            resolved = resolve_params(self._declared, run_params(self.task, run))
            self.typed[run.number] = {name: resolved[name] for name in point}
            self._keys[run.number] = run_key(self.task, run, resolved.to_json())
            made.append(run)
        return made

    def execute(self, runs: Sequence[SweepRun]) -> list[RunOutcome]:
        """The outcomes of ``runs``, in run order: the journal's, then the executor's."""
        outcomes: dict[int, RunOutcome] = {}
        pending = []
        for run in runs:
            finished = self._finished.get(self._keys[run.number])
            if finished is not None:
                outcomes[run.number] = RunOutcome(run=run, metrics=finished)
                self.skipped += 1
                self._advance()
            else:
                pending.append(run)
        if pending:
            if not self._opened:
                self.executor.open(self.task)
                self._opened = True
            for outcome in self.executor.map_runs(pending):
                number = outcome.run.number
                outcomes[number] = outcome
                if outcome.error is None and self.journal is not None:
                    self.journal.record(self._keys[number], outcome.metrics)
                self._advance()
        return [outcomes[run.number] for run in runs]

    def _advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        if self._opened:
            self.executor.close()
        if self.journal is not None:
            self.journal.close()


def run_sweep(
    task: SweepTask,
    plan: SweepPlan,
    executor: Executor,
    *,
    journal: Path | None,
    progress: Progress | None,
) -> SweepResult:
    """Run ``plan``'s runs of ``task`` on ``executor`` and return the table.

    ``journal``, when given, is the file of finished runs (:mod:`rustybt.sweep.journal`):
    runs it holds are skipped (counted in ``skipped``), finished ones are appended as they
    finish. The caller removes it once the table is written. ``progress(done, total)`` is
    called as runs finish. A run whose strategy fails has its ``error`` in the table; the
    sweep carries on.

    Raises:
        StrategyError: the strategy cannot be loaded.
        ConfigError: an unknown objective, a parameter unknown to or mistyped for the
            strategy's ``PARAMS``, folds that do not fit, no optuna for ``--optuna``.
        RustyBTError: the executor failed (a worker died, a cluster went away).
    """
    check_objective(plan.objective)
    folds = (
        plan_folds(plan.walk_forward, plan.start, plan.end, task.calendar)
        if plan.walk_forward is not None
        else None
    )
    per_search = plan.points_per_search()
    total = per_search if folds is None else (per_search + 1) * len(folds)
    runner = _Runner(task, executor, Journal(journal) if journal else None, progress, total)
    try:
        if folds is None:
            outcomes = _search(runner, plan, 0, start=plan.start, end=plan.end)
        else:
            outcomes = _walk_forward(runner, plan, folds, per_search)
    finally:
        runner.close()
    table = _table(outcomes, runner.typed, plan, with_folds=folds is not None)
    fold_rows = _folds(folds, outcomes, runner.typed, plan) if folds is not None else None
    metadata = {
        "params": [axis.name for axis in plan.space.axes],
        "metrics": list(METRICS),
        "objective": plan.objective,
        "search": plan.search,
        "seed": plan.seed,
        "strategy": task.strategy_path,
        "start": plan.start,
        "end": plan.end,
        "fixed_params": json_ready(
            {name: getattr(value, "value", value) for name, value in task.fixed_params.items()}
        ),
        "walk_forward": plan.walk_forward.text if plan.walk_forward else None,
        "folds": None if fold_rows is None else json.loads(fold_rows.to_json(orient="records")),
    }
    return SweepResult(table=table, skipped=runner.skipped, folds=fold_rows, metadata=metadata)


def _search(runner: _Runner, plan: SweepPlan, first: int, **window: Any) -> list[RunOutcome]:
    """One search of the plan's space over one window, runs numbered from ``first``."""
    if plan.optuna is None:
        return runner.execute(runner.runs(_points(plan), first, **window))
    search = OptunaSearch(plan.space, plan.optuna, plan.objective, plan.seed)
    outcomes: list[RunOutcome] = []
    while batch := search.ask():
        finished = runner.execute(runner.runs(batch, first + len(outcomes), **window))
        search.tell(finished)
        outcomes.extend(finished)
    return outcomes


def _points(plan: SweepPlan) -> list[dict[str, Any]]:
    if plan.random is not None:
        return plan.space.sample(plan.random, plan.seed)
    return plan.space.grid()


def _walk_forward(
    runner: _Runner, plan: SweepPlan, folds: Sequence[Fold], per_search: int
) -> list[RunOutcome]:
    """Every fold's training search, then the best training parameters of each on its
    test window."""
    stride = per_search + 1
    trained: list[list[RunOutcome]] = []
    if plan.optuna is None:
        points = _points(plan)
        runs = [
            run
            for fold in folds
            for run in runner.runs(
                points,
                fold.number * stride,
                start=fold.train_start,
                end=fold.train_end,
                fold=fold.number,
                phase="train",
            )
        ]
        outcomes = runner.execute(runs)
        trained = [outcomes[k * len(points) : (k + 1) * len(points)] for k in range(len(folds))]
    else:
        for fold in folds:
            window = {"start": fold.train_start, "end": fold.train_end}
            trained.append(
                _search(
                    runner, plan, fold.number * stride, **window, fold=fold.number, phase="train"
                )
            )
    tests = []
    for fold, outcomes in zip(folds, trained, strict=True):
        best = best_run(outcomes, plan.objective)
        if best is not None:
            tests.extend(
                runner.runs(
                    [best.run.params],
                    fold.number * stride + per_search,
                    start=fold.test_start,
                    end=fold.test_end,
                    fold=fold.number,
                    phase="test",
                )
            )
    return [outcome for fold_outcomes in trained for outcome in fold_outcomes] + runner.execute(
        tests
    )


def _table(
    outcomes: Sequence[RunOutcome],
    typed: Mapping[int, Mapping[str, Any]],
    plan: SweepPlan,
    *,
    with_folds: bool,
) -> pd.DataFrame:
    """One row per outcome, in run order (the layout of :mod:`rustybt.sweep`)."""
    names = [axis.name for axis in plan.space.axes]
    rows = []
    for outcome in sorted(outcomes, key=lambda o: o.run.number):
        run = outcome.run
        row: dict[str, Any] = {"run": run.number}
        if with_folds:
            row |= {"fold": run.fold, "phase": run.phase, "start": run.start, "end": run.end}
        row |= {name: typed[run.number][name] for name in names}
        row |= {name: float(outcome.metrics.get(name, math.nan)) for name in METRICS}
        row["error"] = outcome.error
        rows.append(row)
    columns = ["run", *(["fold", "phase", "start", "end"] if with_folds else []), *names]
    columns += [*METRICS, "error"]
    table = pd.DataFrame(rows, columns=columns)
    table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    return table


def _folds(
    folds: Sequence[Fold],
    outcomes: Sequence[RunOutcome],
    typed: Mapping[int, Mapping[str, Any]],
    plan: SweepPlan,
) -> pd.DataFrame:
    """One row per fold: its windows, the chosen parameters, their training objective and
    their out-of-sample metrics (NaN for a fold whose training runs all failed)."""
    names = [axis.name for axis in plan.space.axes]
    by_fold: dict[tuple[int | None, str | None], list[RunOutcome]] = {}
    for outcome in outcomes:
        by_fold.setdefault((outcome.run.fold, outcome.run.phase), []).append(outcome)
    rows = []
    for fold in folds:
        row: dict[str, Any] = attrs.asdict(fold)
        row["fold"] = row.pop("number")
        tested = by_fold.get((fold.number, "test"), [])
        best = best_run(by_fold.get((fold.number, "train"), []), plan.objective)
        chosen = typed[best.run.number] if best is not None else {}
        row |= {name: chosen.get(name) for name in names}
        row[f"train_{plan.objective}"] = (
            float(best.metrics.get(plan.objective, math.nan)) if best is not None else math.nan
        )
        test = tested[0] if tested else None
        row |= {
            name: float(test.metrics.get(name, math.nan)) if test is not None else math.nan
            for name in METRICS
        }
        row["error"] = test.error if test is not None else None
        rows.append(row)
    return pd.DataFrame(rows)
