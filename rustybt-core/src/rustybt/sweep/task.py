"""What crosses the boundary between a sweep and its workers: the task, its runs and their
outcomes, as plain frozen attrs classes (picklable, and comparable in tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class SweepTask:
    """Everything a sweep's backtests share: the strategy and how to run it, but not its
    parameters or dates.

    The strategy travels as its source text (``strategy_source``) with its file name
    (``strategy_path``, for error messages and ``__file__``), so a worker on another machine
    runs exactly the file the sweep read. The data options are those of ``rustybt run``;
    a worker opens the data source once and runs every run it is given on it.
    """

    strategy_path: str
    strategy_source: str
    source: str = "sample"
    data_dir: str | None = None
    exchange: str | None = None
    symbols: tuple[str, ...] = ()
    capital_base: str = "100000"
    frequency: str = "daily"
    calendar: str = "XNYS"
    adjustment: str = "raw"
    fixed_params: Mapping[str, Any] = attrs.field(factory=dict)
    """Parameters every run shares (``-D``/``--params``); a run's own parameters win."""


@attrs.frozen(kw_only=True)
class SweepRun:
    """One backtest of a sweep: its number, its parameters and its window.

    ``number`` is the run's place in the sweep's plan, the table's ``run`` column; ``fold``
    and ``phase`` say which walk-forward fold and half it belongs to (None without folds).
    """

    number: int
    params: Mapping[str, Any]
    start: str
    end: str
    fold: int | None = None
    phase: str | None = None


@attrs.frozen(kw_only=True)
class RunOutcome:
    """What one run gave: its metrics (:data:`rustybt.sweep.metrics.METRICS` by name), or
    the one-line error that stopped it (``metrics`` is then empty)."""

    run: SweepRun
    metrics: Mapping[str, float] = attrs.field(factory=dict)
    error: str | None = None
