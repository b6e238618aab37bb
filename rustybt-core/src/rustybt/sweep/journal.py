"""The journal of a sweep: its finished runs, so a rerun skips them.

Beside the sweep's output (``sweep.parquet.journal`` for ``-o sweep.parquet``), one JSON line
per run that finished without error, written, flushed and synced to disk as it finishes: a
sweep killed at any point loses only the runs it was running. Each line holds the run's key
(:func:`run_key`, a hash of everything that determines its result) and its metrics. A run
that failed is not journaled: its cause may lie outside the key (a missing file, an
environment variable), so a rerun tries it again. A line cut short by a kill is ignored.
The journal stays after the output is written: rerunning the sweep, or widening its grid,
runs only the runs it does not hold yet. Delete it to run every run again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from rustybt.sweep.task import SweepRun, SweepTask

SUFFIX = ".journal"


def journal_path(output: str | Path) -> Path:
    """Where the journal of the sweep written to ``output`` lives: beside it."""
    output = Path(output)
    return output.with_name(output.name + SUFFIX)


def run_key(task: SweepTask, run: SweepRun, params: Mapping[str, Any]) -> str:
    """A hash of what determines ``run``'s result: the strategy's text and file name, the
    data options, the window and ``params`` (the run's resolved parameters, JSON-ready).
    The run's number, fold and phase are left out: the same backtest has the same key in
    any plan. The data's contents are not hashed: a rerun after changing the files of
    ``--data-dir`` needs a fresh output path, or the journal removed."""
    identity = {
        "strategy_path": task.strategy_path,
        "strategy_source": task.strategy_source,
        "source": task.source,
        "data_dir": str(Path(task.data_dir).resolve()) if task.data_dir else None,
        "exchange": task.exchange,
        "symbols": list(task.symbols),
        "capital_base": task.capital_base,
        "frequency": task.frequency,
        "calendar": task.calendar,
        "adjustment": task.adjustment,
        "start": run.start,
        "end": run.end,
        "params": dict(params),
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Journal:
    """The journal file at ``path``: :meth:`finished` reads it, :meth:`record` appends."""

    def __init__(self, path: str | Path) -> None:
        """The journal at ``path`` (created by the first :meth:`record`)."""
        self.path = Path(path)
        self._file: IO[str] | None = None

    def finished(self) -> dict[str, dict[str, float]]:
        """The metrics of every journaled run, by key (none when there is no journal)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        found: dict[str, dict[str, float]] = {}
        for line in lines:
            try:
                entry = json.loads(line)
                found[str(entry["key"])] = {k: float(v) for k, v in entry["metrics"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # the line a kill cut short
        return found

    def record(self, key: str, metrics: Mapping[str, float]) -> None:
        """Append one finished run and make it durable before returning."""
        if self._file is None:
            cut_short = self.path.is_file() and not self.path.read_bytes().endswith(b"\n")
            self._file = self.path.open("a", encoding="utf-8")
            if cut_short and self.path.stat().st_size:
                self._file.write("\n")
        self._file.write(json.dumps({"key": key, "metrics": dict(metrics)}) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file; safe to call twice."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
