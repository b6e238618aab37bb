"""Built-in benchmark ``pipeline-500-assets-10y``: ``run_pipeline`` over 500 assets and ten
years of daily bars, side by side with zipline-reloaded's engine on the same bars.

The pipeline is the issue's: SMA(50) and SMA(200) of the close, Returns(20),
AverageDollarVolume(30), RSI(14), the rank of the returns, and the top 50 by dollar volume
as the screen. Setup writes synthetic bars (see :mod:`rustybt.benchmarks.synthetic_bars`)
of 2,516 XNYS sessions (2014-01-02 to 2023-12-29) plus a year before them for the 200-day
windows, one Parquet file per asset; the timed run is what a notebook does,
``run_pipeline(pipeline, start, end, source="files", data_dir=DIR)`` over the whole range
in one chunk, reading the files included. It reports the cells computed (sessions ×
assets) per second and the seconds.

With ``RUSTYBT_ZIPLINE_PYTHON`` naming zipline-reloaded's python (the differential
oracle's environment: zipline pins pandas 2, so it cannot share ours), setup also runs
:mod:`rustybt.benchmarks.pipeline_zipline` there on the same bars, as a zipline bundle
ingested once and kept under the data directory, and the row adds zipline's seconds, its
peak memory and ``speedup_vs_zipline`` (zipline's seconds over ours). Each repetition of
the row thus measures both engines, one after the other, on one machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

from rustybt.benchmarks import portable
from rustybt.benchmarks.measurement import Metric
from rustybt.benchmarks.synthetic_bars import random_walk_bars, synthetic_symbols
from rustybt.calendars import get_calendar
from rustybt.data.store import data_root
from rustybt.errors import ConfigError, RustyBTError
from rustybt.pipeline import Pipeline, run_pipeline

ORACLE_PYTHON = "RUSTYBT_ZIPLINE_PYTHON"
"""The environment variable naming zipline-reloaded's python, as for the differential tests."""
FIRST_SESSION, LAST_SESSION = pd.Timestamp("2014-01-02"), pd.Timestamp("2023-12-29")
WARMUP_START = pd.Timestamp("2013-01-02")
"""A year of bars before the first session: SMA(200)'s window on the first session."""
HIGHEST_PRICE = 1000.0
"""Each asset's prices are scaled to stay below this: zipline's bundle keeps prices as
unsigned 32-bit thousandths of a dollar (at most $4,294.967)."""
TARGET = "target: at least 3x zipline-reloaded's speed, peak memory under 1 GB"
ZIPLINE_SCRIPT = Path(__file__).with_name("pipeline_zipline.py")


def make_pipeline() -> Pipeline:
    """The benchmark's pipeline in rustybt's names; zipline's side builds the same one
    (:func:`rustybt.benchmarks.portable.make_pipeline`)."""
    pipeline: Pipeline = portable.make_pipeline("rustybt")
    return pipeline


def benchmark_bars(symbol: str, days: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """:func:`random_walk_bars` scaled to stay under :data:`HIGHEST_PRICE` and rounded to
    tenths of a cent, so that zipline's bundle stores exactly the prices rustybt reads."""
    bars = random_walk_bars(symbol, days, seed)
    prices = ["open", "high", "low", "close"]
    factor = min(1.0, HIGHEST_PRICE / float(bars["high"].max()))
    # Rounding is monotonic, so high and low still bound open and close afterwards.
    bars[prices] = (bars[prices] * factor).round(3)
    return bars


def write_zipline_csvs(folder: Path, bars: dict[str, pd.DataFrame]) -> Path:
    """``bars`` by symbol as zipline's csvdir layout, ``folder/daily/SYMBOL.csv``; returns
    ``folder``."""
    daily = folder / "daily"
    daily.mkdir(parents=True)
    for symbol, frame in bars.items():
        csv = frame.assign(date=frame["timestamp"].dt.strftime("%Y-%m-%d"))
        csv = csv[["date", "open", "high", "low", "close", "volume"]]
        csv.astype({"volume": "int64"}).to_csv(daily / f"{symbol}.csv", index=False)
    return folder


@attrs.define
class PipelineThroughput:
    """Cells (sessions × assets) per second of ``run_pipeline`` over ``assets`` ×
    ``sessions``, and, with zipline's python named, zipline's figures on the same bars."""

    assets: int
    sessions: int
    description: str
    oracle_python: str | None = None
    data_dir: Path | None = attrs.field(default=None, init=False)
    run_sessions: pd.DatetimeIndex | None = attrs.field(default=None, init=False)
    zipline: dict[str, Any] | None = attrs.field(default=None, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the bars to ``workdir/bars``; with zipline's python, run zipline's side.

        Raises:
            ConfigError: ``oracle_python`` names no file.
            RustyBTError: zipline's side failed (its last line of error output says why).
        """
        calendar = get_calendar("XNYS")
        days = calendar.sessions(WARMUP_START, LAST_SESSION)
        warmup = int((days < FIRST_SESSION.tz_localize(days.tz)).sum())
        days = days[: warmup + self.sessions]
        self.run_sessions = days[warmup:]
        symbols = synthetic_symbols(self.assets)
        bars = {name: benchmark_bars(name, days, seed) for seed, name in enumerate(symbols)}
        self.data_dir = workdir / "bars"
        self.data_dir.mkdir()
        for symbol, frame in bars.items():
            frame.to_parquet(self.data_dir / f"{symbol}.parquet")
        if self.oracle_python is not None:
            self.zipline = self._run_zipline(workdir, bars, days)

    def _run_zipline(
        self, workdir: Path, bars: dict[str, pd.DataFrame], days: pd.DatetimeIndex
    ) -> dict[str, Any]:
        python = Path(str(self.oracle_python))
        if not python.is_file():
            raise ConfigError(
                f"RUSTYBT_ZIPLINE_PYTHON={python} is not a file; name zipline-reloaded's python "
                "(nox -s differential makes .nox/zipline-oracle/bin/python) or unset it"
            )
        assert self.run_sessions is not None, "setup() chooses the sessions first"
        root = data_root() / "benchmarks" / f"zipline-pipeline-{self.assets}x{len(days)}-v1"
        root.mkdir(parents=True, exist_ok=True)
        csv_dir = workdir / "zipline-csv"
        if not (root / "ingested").exists():  # the script's mark of a finished ingest
            write_zipline_csvs(csv_dir, bars)
        dates = [day.strftime("%Y-%m-%d") for day in (days[0], *self.run_sessions[[0, -1]])]
        completed = subprocess.run(
            [str(python), str(ZIPLINE_SCRIPT), str(csv_dir), str(root), *dates],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise RustyBTError(f"zipline's side of the pipeline benchmark failed: {last}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def run(self) -> dict[str, Metric]:
        """Time one ``run_pipeline`` over every session; add zipline's figures when taken."""
        assert self.run_sessions is not None, "setup() chooses the sessions"
        start, end = self.run_sessions[0], self.run_sessions[-1]
        pipeline = make_pipeline()
        began = time.perf_counter()
        frame = run_pipeline(pipeline, start, end, source="files", data_dir=self.data_dir)
        seconds = time.perf_counter() - began
        del frame  # freed after the clock stops: a notebook keeps the frame it asked for
        cells = len(self.run_sessions) * self.assets
        metrics = {
            "cells_per_second": Metric(
                value=cells / seconds, unit="cells/s", higher_is_better=True
            ),
            "seconds": Metric(value=seconds, unit="s", higher_is_better=False),
        }
        if self.zipline is not None:
            theirs = self.zipline["seconds"]
            metrics |= {
                "zipline_seconds": Metric(value=theirs, unit="s", higher_is_better=False),
                "zipline_peak_memory_mb": Metric(
                    value=self.zipline["peak_memory_mb"], unit="MB", higher_is_better=False
                ),
                "speedup_vs_zipline": Metric(
                    value=theirs / seconds, unit="×", higher_is_better=True
                ),
            }
        return metrics


def pipeline_500_assets_10y(scale: float = 1.0) -> PipelineThroughput:
    """500 assets × 2,516 daily sessions (2014-01-02 to 2023-12-29); ``scale`` takes fewer
    assets (at least one) and sessions (at least 60). zipline's side runs when
    ``RUSTYBT_ZIPLINE_PYTHON`` names its python."""
    return PipelineThroughput(
        assets=max(1, round(500 * scale)),
        sessions=max(60, int(2516 * scale)),
        description=(
            "run_pipeline of SMA(50), SMA(200), Returns(20), AverageDollarVolume(30), RSI(14), "
            f"a rank and top(50), 500 assets x 10 years of daily bars ({TARGET})"
        ),
        oracle_python=os.environ.get(ORACLE_PYTHON) or None,
    )
