"""Parameter sweeps and walk-forward runs: many independent backtests of one strategy.

A sweep is one :class:`~rustybt.sweep.task.SweepTask` (the strategy and everything a backtest
needs but its parameters and dates) run once per :class:`~rustybt.sweep.task.SweepRun` (a
parameter set and a window). Each run is independent and deterministic, so the table is the
same whatever the executor or the number of workers.

Modules, each owning one idea:

``task``
    the task, the runs and their outcomes: the values that cross process and machine
    boundaries (plain, picklable attrs classes).
``space``
    the parameter space of ``--grid`` options, its grid, a seeded random sample of it, and
    Optuna's search over it.
``walk_forward``
    the train/test folds of ``--walk-forward train=3y,test=1y``.
``metrics``
    the figures of one run's result that make a row of the table.
``worker``
    :class:`~rustybt.sweep.worker.SweepWorker`: opens the task's data once, then runs one
    run after another on it; what every executor runs in its workers.
``executor``
    the :class:`~rustybt.sweep.executor.Executor` protocol (the ``rustybt_register_executors``
    hook's product) and the ``local`` executor: warm worker processes on this machine.
``journal``
    the finished runs, appended as they finish, so a rerun skips them.
``sweep``
    :func:`~rustybt.sweep.sweep.run_sweep`: plans the runs, hands them to an executor,
    reports progress, and builds the table.

The table (``rustybt sweep -o sweep.parquet``) has one row per run, in run order: ``run``
(its number), the walk-forward columns ``fold``, ``phase`` (``train`` or ``test``),
``start`` and ``end`` when there are folds, one column per parameter (named as the
parameter), then one per metric (:data:`rustybt.sweep.metrics.METRICS`). The Parquet file's
schema metadata holds, under ``b"rustybt.sweep"``, a JSON object with at least ``params``
(the parameter columns, in order), ``metrics`` (the metric columns) and ``objective``.
"""
