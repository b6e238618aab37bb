"""The zipline side of ``pipeline-500-assets-10y``: zipline-reloaded's own engine runs the
same pipeline on the same bars, timed and measured as the rustybt row is.

This file runs in zipline's environment (the differential oracle's python, named by
``RUSTYBT_ZIPLINE_PYTHON``), where rustybt is not installed, so it imports nothing of
rustybt but :mod:`rustybt.benchmarks.portable`, the file beside it, which both sides share:

    python pipeline_zipline.py CSV_DIR ZIPLINE_ROOT DATA_START START END

``CSV_DIR/daily/SYMBOL.csv`` (zipline's csvdir layout) is ingested into a bundle under
``ZIPLINE_ROOT`` unless an earlier run already did (the ``ingested`` marker), so the folder
is read only the first time. Then, as :func:`rustybt.benchmarks.measure` does for rustybt:
a warm-up run of the pipeline over START..END, whose figures are dropped, the peak memory
reset (Linux), and the measured run. It prints one JSON object: ``seconds`` of
``SimplePipelineEngine.run_pipeline`` (building the engine and loading the bundle included,
as rustybt's ``run_pipeline`` opens its source), ``peak_memory_mb`` (the measured run's
resident high-water mark), and the output's ``rows`` and ``sums`` (each column's sum, NaN
skipped), which tell whether both engines computed the same frame.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

# portable.py is the file beside this one (a script's folder leads sys.path), not rustybt's
# package, which zipline's python does not have.
from portable import make_pipeline, peak_memory_mb, reset_peak_memory

BUNDLE = "rustybt-pipeline-benchmark"


def ingest(csv_dir: Path, data_start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Register the csvdir bundle and ingest it, unless ``ZIPLINE_ROOT`` already holds it."""
    from zipline.data import bundles
    from zipline.data.bundles.csvdir import csvdir_equities

    bundles.register(
        BUNDLE,
        csvdir_equities(["daily"], str(csv_dir)),
        calendar_name="XNYS",
        start_session=data_start,
        end_session=end,
    )
    marker = Path(os.environ["ZIPLINE_ROOT"]) / "ingested"
    if not marker.exists():
        bundles.ingest(BUNDLE, os.environ, show_progress=False)
        marker.touch()


def run_once(start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, pd.DataFrame]:
    """Seconds to load the bundle, build the engine and run the pipeline; the frame."""
    from zipline.data import bundles
    from zipline.pipeline.data import EquityPricing
    from zipline.pipeline.domain import EquityCalendarDomain
    from zipline.pipeline.engine import SimplePipelineEngine
    from zipline.pipeline.loaders import EquityPricingLoader

    pipeline = make_pipeline("zipline")
    began = time.perf_counter()
    bundle = bundles.load(BUNDLE)
    loader = EquityPricingLoader.without_fx(
        bundle.equity_daily_bar_reader, bundle.adjustment_reader
    )

    def get_loader(column):
        if column.unspecialize() in EquityPricing.columns:
            return loader
        raise ValueError(f"no loader for {column}")

    # csvdir writes its assets on an exchange of country "??": a domain of that country on
    # the NYSE calendar is what finds them (US_EQUITIES would find none).
    domain = EquityCalendarDomain("??", "XNYS")
    engine = SimplePipelineEngine(get_loader, bundle.asset_finder, default_domain=domain)
    frame = engine.run_pipeline(pipeline, start, end)
    return time.perf_counter() - began, frame


def main(argv: list[str]) -> None:
    csv_dir, zipline_root, data_start, start, end = argv
    os.environ["ZIPLINE_ROOT"] = zipline_root
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    ingest(Path(csv_dir), pd.Timestamp(data_start), last)
    run_once(first, last)
    gc.collect()
    reset_peak_memory()
    seconds, frame = run_once(first, last)
    peak = peak_memory_mb()
    sums = {str(name): float(column.sum()) for name, column in frame.items()}
    print(
        json.dumps({"seconds": seconds, "peak_memory_mb": peak, "rows": len(frame), "sums": sums})
    )


if __name__ == "__main__":
    main(sys.argv[1:])
