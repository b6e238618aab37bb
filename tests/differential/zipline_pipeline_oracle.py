"""Runs pipelines and pipeline strategies under zipline-reloaded, the oracle, and writes what
each gave as JSON.

This file runs in the oracle's own environment (RustyBT is not installed there), started by
tests/differential/test_pipeline.py:

    python zipline_pipeline_oracle.py DATA_DIR DATA_START START END OUT_DIR FILE.py [...]

``DATA_DIR`` is a csvdir folder (``daily/SYMBOL.csv``) of bars from DATA_START, ingested as a
bundle whose assets trade in the US (see EXCHANGE) and whose dividends are paid on their
ex-dates. zipline's bundle holds one row per session from a symbol's first bar
to its last, so a session missing from a file is written as a row of zeros first: zipline's
daily bar reader gives such a row as NaN prices and volume 0, what a missing bar is to it.

A ``FILE.py`` defining ``initialize`` is a strategy, run from START to END as
zipline_oracle.py runs strategies (no benchmark). Any other file is a pipeline: its
``make_pipeline()`` (or ``make_pipeline(assets)``, given the bundle's assets by symbol) runs
through zipline's SimplePipelineEngine from START to END over the bundle's pricing loader,
plus the loaders its ``loaders()`` (optional) gives by column.

``OUT_DIR/<name>.json`` holds a strategy's answer as zipline_oracle.py writes it, or a
pipeline's frame: its dates (ISO), its assets' symbols, the index's names, the columns in
order with their dtypes, and each column's values (NaN as NaN; categories as strings, None
where missing); or the error zipline raised.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import traceback
from pathlib import Path

import pandas as pd
from zipline_oracle import BUNDLE, PayOnExDate, run

EXCHANGE = pd.DataFrame(
    {"exchange": ["CSVDIR"], "canonical_name": ["CSVDIR"], "country_code": ["US"]}
)
"""csvdir's exchange, in the United States: csvdir writes it without a country, and
zipline's US_EQUITIES domain (its pipelines' domain on the XNYS calendar) sees only US
assets."""


class InTheUS:
    """The bundle's asset writer, writing csvdir's exchange with its country (EXCHANGE)."""

    def __init__(self, writer):
        self.writer = writer

    def write(self, equities=None, **tables):
        self.writer.write(equities=equities, exchanges=EXCHANGE, **tables)


def ingest(data_dir: Path, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """``data_dir`` ingested once as the bundle BUNDLE, its assets in the US, its dividends
    paid on their ex-dates."""
    from zipline.data import bundles
    from zipline.data.bundles.csvdir import csvdir_equities

    csvdir = csvdir_equities(["daily"], str(data_dir))

    def in_the_us(environ, assets, minutes, daily, adjustments, *rest):
        csvdir(environ, InTheUS(assets), minutes, daily, PayOnExDate(adjustments), *rest)

    bundles.register(BUNDLE, in_the_us, calendar_name="XNYS", start_session=start, end_session=end)
    marker = Path(os.environ["ZIPLINE_ROOT"]) / "ingested"
    if not marker.exists():
        bundles.ingest(BUNDLE, os.environ, show_progress=False)
        marker.touch()


def without_gaps(data_dir: Path, out: Path) -> Path:
    """A copy of ``data_dir`` under ``out`` in which every session missing between a file's
    first and last bar is a row of zeros (no dividend, no split)."""
    from zipline.utils.calendar_utils import get_calendar

    calendar = get_calendar("XNYS")
    filled = out / "filled-csvdir"
    (filled / "daily").mkdir(parents=True, exist_ok=True)
    for path in sorted((data_dir / "daily").glob("*.csv")):
        bars = pd.read_csv(path, index_col="date", parse_dates=True)
        sessions = calendar.sessions_in_range(bars.index[0], bars.index[-1])
        bars = bars.reindex(sessions.tz_localize(None))
        bars[["open", "high", "low", "close", "volume", "dividend"]] = bars[
            ["open", "high", "low", "close", "volume", "dividend"]
        ].fillna(0.0)
        bars["split"] = bars["split"].fillna(1.0)
        bars.to_csv(filled / "daily" / path.name, index_label="date")
    return filled


def pipeline_engine(custom: dict):
    """zipline's engine over the bundle, as its run_algorithm builds it, reading the columns
    ``custom`` keys (bound columns, generic or specialized) through their loaders."""
    from zipline.data import bundles
    from zipline.pipeline import SimplePipelineEngine
    from zipline.pipeline.data import EquityPricing
    from zipline.pipeline.domain import US_EQUITIES
    from zipline.pipeline.loaders import USEquityPricingLoader

    bundle = bundles.load(BUNDLE)
    pricing = USEquityPricingLoader.without_fx(
        bundle.equity_daily_bar_reader, bundle.adjustment_reader
    )

    def get_loader(column):
        if column.unspecialize() in EquityPricing.columns:
            return pricing
        for key in (column, column.unspecialize()):
            if key in custom:
                return custom[key]
        raise ValueError(f"no loader for {column}")

    return SimplePipelineEngine(get_loader, bundle.asset_finder, default_domain=US_EQUITIES)


def column_values(column: pd.Series) -> list:
    """A column's values as JSON: categories (and other objects) as strings or None, numbers
    and booleans as they are."""
    if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object:
        return [None if pd.isna(value) else str(value) for value in column]
    return column.to_numpy().tolist()


def frame_json(frame: pd.DataFrame) -> dict:
    dates, assets = frame.index.get_level_values(0), frame.index.get_level_values(1)
    return {
        "dates": [day.isoformat() for day in dates],
        "symbols": [asset.symbol for asset in assets],
        "index_names": list(frame.index.names),
        "columns": [str(c) for c in frame.columns],
        "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
        "values": {str(c): column_values(frame[c]) for c in frame.columns},
    }


def run_pipeline(path: Path, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    namespace: dict = {"__file__": str(path), "__name__": path.stem}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    loaders = namespace["loaders"]() if "loaders" in namespace else {}
    engine = pipeline_engine(loaders)
    make_pipeline = namespace["make_pipeline"]
    if inspect.signature(make_pipeline).parameters:
        finder = engine._finder
        pipeline = make_pipeline({a.symbol: a for a in finder.retrieve_all(finder.sids)})
    else:
        pipeline = make_pipeline()
    return frame_json(engine.run_pipeline(pipeline, start, end))


def main(argv: list[str]) -> None:
    data_dir, data_start, start, end, out_dir, *files = argv
    out = Path(out_dir)
    os.environ["ZIPLINE_ROOT"] = str(out / "zipline-root")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    filled = without_gaps(Path(data_dir), out)
    ingest(filled, pd.Timestamp(data_start), last)
    for argument in files:
        path = Path(argument)
        strategy = "def initialize(" in path.read_text()
        try:
            if strategy:
                result = run(path, first, last, "none", None)
            else:
                result = run_pipeline(path, first, last)
        except Exception as exc:  # the oracle's own refusal is a result too
            result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        # Written whole or not at all: the tests take a present file as a cached answer.
        partial = out / f"{path.stem}.json.partial"
        partial.write_text(json.dumps(result))
        partial.replace(out / f"{path.stem}.json")


if __name__ == "__main__":
    main(sys.argv[1:])
