"""run_pipeline: a pipeline's output frame for research, in a notebook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rustybt.pipeline.engine import PipelineEngine
from rustybt.pipeline.pipeline import Pipeline


def run_pipeline(
    pipeline: Pipeline,
    start: Any,
    end: Any,
    source: Any = "sample",
    *,
    chunksize: int | None = None,
    loaders: Mapping[Any, Any] | None = None,
    adjustment: str = "raw",
    calendar: str = "XNYS",
    **source_options: Any,
) -> pd.DataFrame:
    """zipline's (date, asset) frame of ``pipeline`` for the sessions ``start`` ... ``end``.

    ``source`` is a registered data source's name (``"sample"``, ``"files"`` with
    ``data_dir=DIR``...; ``source_options`` go to its factory, and its bars are read through
    the local store as a backtest reads them) or a DataSource object. The universe is every
    symbol the source lists. ``loaders`` give custom datasets their data; ``chunksize``
    bounds memory to that many sessions at a time.

    Example::

        from rustybt.pipeline import Pipeline, run_pipeline
        from rustybt.pipeline.data import EquityPricing

        frame = run_pipeline(
            Pipeline(columns={"close": EquityPricing.close.latest}),
            "2012-01-03", "2012-01-31", source="sample",
        )
    """
    if isinstance(source, str):
        from rustybt.data.store import read_through_store
        from rustybt.plugins import PluginRegistry

        registry = PluginRegistry.from_environment()
        source = read_through_store(registry.data_source(source, **source_options))
    engine = PipelineEngine(source, calendar=calendar, adjustment=adjustment, loaders=loaders)
    return engine.run(pipeline, start, end, chunksize=chunksize)
