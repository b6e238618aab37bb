"""The PipelineEngine: computes a pipeline over a range of sessions, chunk by chunk.

For each chunk the engine builds the universe (the root mask: which assets are alive on
which session, zipline's lifetimes), loads the columns the pipeline needs for the chunk's
sessions plus the history its longest window needs, computes each term once in dependency
order (windowed terms over views of the loaded arrays, adjusted as of each session), drops
each term's values once its last consumer has run, and returns zipline's output frame:
a (date, asset) MultiIndex with a row per asset passing the screen each session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.calendars import get_calendar
from rustybt.data.actions import adjustment_mode
from rustybt.data.schema import date_option
from rustybt.errors import ConfigError, DataError, StrategyError
from rustybt.pipeline.data.dataset import BoundColumn, EquityPricing
from rustybt.pipeline.filter import AssetExists
from rustybt.pipeline.graph import TermGraph
from rustybt.pipeline.loaders.base import LoadedColumn, PipelineLoader
from rustybt.pipeline.loaders.pricing import PricingChunk, PricingLoader
from rustybt.pipeline.pipeline import Pipeline
from rustybt.pipeline.term import ComputableTerm, NotSpecified, Term
from rustybt.pipeline.windows import Windows


class PipelineEngine:
    """Runs pipelines on ``source``'s daily bars over ``calendar``'s sessions.

    ``assets``: the universe (Asset objects; each needs a sid), by default every symbol the
    source lists, numbered by position in the sorted list as a run numbers them.
    ``adjustment``: ``raw`` (windows adjusted as of each session, zipline's) or
    ``adjusted`` (the source's bars back-adjusted, windows as they are). ``loaders``:
    loaders of custom datasets, keyed by DataSet class or BoundColumn; EquityPricing comes
    from ``source``.
    """

    def __init__(
        self,
        source: Any,
        *,
        assets: Sequence[Asset] | None = None,
        calendar: str = "XNYS",
        adjustment: str = "raw",
        loaders: Mapping[Any, PipelineLoader] | None = None,
    ) -> None:
        self.source = source
        self.calendar = get_calendar(calendar)
        self.adjustment = adjustment_mode(adjustment)
        self._sessions = self.calendar.sessions(
            self.calendar.first_day, self.calendar.last_day
        ).tz_localize(None)
        self._assets = list(assets) if assets is not None else None
        self._loaders = dict(loaders or {})
        self.pricing = PricingLoader(source, self._sessions, self.adjustment)

    @property
    def assets(self) -> list[Asset]:
        """The universe, ordered by sid."""
        if self._assets is None:
            symbols = sorted(getattr(self.source, "symbols", None) or [])
            if not symbols:
                raise ConfigError(
                    f"source '{getattr(self.source, 'name', self.source)}' does not list its "
                    "symbols; pass PipelineEngine(assets=[...]) to say which assets to compute"
                )
            self._assets = [
                Asset(
                    symbol=symbol,
                    asset_class=AssetClass.INDEX if symbol.startswith("^") else AssetClass.EQUITY,
                    calendar=self.calendar.name,
                    sid=sid,
                )
                for sid, symbol in enumerate(symbols)
            ]
        for asset in self._assets:
            if asset.sid is None:
                raise ConfigError(
                    f"PipelineEngine: asset {asset!r} has no sid; give every asset a sid"
                )
        return sorted(self._assets, key=lambda a: int(a.sid or 0))

    def run(
        self,
        pipeline: Pipeline,
        start: Any,
        end: Any,
        *,
        chunksize: int | None = None,
    ) -> pd.DataFrame:
        """zipline's output frame of ``pipeline`` for the sessions ``start`` ... ``end``
        (inclusive; dates off the calendar move to the next/previous session), computed
        in chunks of ``chunksize`` sessions (None: one chunk)."""
        if not isinstance(pipeline, Pipeline):
            raise StrategyError(f"run needs a Pipeline, not {type(pipeline).__name__}")
        dates = self._dates(start, end)
        if chunksize is not None and (
            isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1
        ):
            raise ConfigError(f"chunksize must be a positive whole number, not {chunksize!r}")
        screen = pipeline.screen if pipeline.screen is not None else AssetExists()
        columns = pipeline.columns
        size = len(dates) if chunksize is None else chunksize
        frames = [
            self._run_chunk(columns, screen, dates[i : i + size])
            for i in range(0, len(dates), size)
        ]
        if len(frames) == 1:
            return frames[0]
        nonempty = [f for f in frames if len(f)] or frames[:1]
        return _concat(nonempty)

    def _dates(self, start: Any, end: Any) -> pd.DatetimeIndex:
        first = date_option("start", start).tz_localize(None).normalize()
        last = date_option("end", end).tz_localize(None).normalize()
        if last < first:
            raise ConfigError(
                f"the pipeline's end {last.date()} is before its start {first.date()}"
            )
        sessions = self._sessions
        dates = sessions[(sessions >= first) & (sessions <= last)]
        if dates.empty:
            raise ConfigError(
                f"no {self.calendar.name} session between {first.date()} and {last.date()}"
            )
        return dates

    def _run_chunk(
        self,
        columns: dict[str, Term],
        screen: Term,
        dates: pd.DatetimeIndex,
    ) -> pd.DataFrame:
        position = int(self._sessions.searchsorted(dates[0]))
        graph = TermGraph.build([*columns.values(), screen], self._sessions, position)
        extra = graph.max_extra_rows
        if position - extra < 1:
            raise DataError(
                f"the pipeline needs {extra} sessions of history before {dates[0].date()}, "
                f"earlier than the {self.calendar.name} calendar goes; start it later"
            )
        all_dates = self._sessions[position - extra : position + len(dates)]
        assets = self.assets
        chunk = self.pricing.chunk(all_dates, assets, _pricing_fields(graph))
        root = _lifetimes(chunk, assets)
        alive = np.asarray(root.any(axis=0), dtype=bool)
        if not alive.any():
            raise DataError(
                f"no asset of source '{getattr(self.source, 'name', self.source)}' has bars "
                f"before {dates[-1].date()} (the pipeline runs {dates[0].date()} to "
                f"{dates[-1].date()}); run it over dates the data covers"
            )
        kept = [a for a, keep in zip(assets, alive, strict=True) if keep]
        root = root[:, alive]
        sids = np.array([int(a.sid or 0) for a in kept], dtype=np.int64)
        workspace = _Workspace(self, graph, all_dates, kept, alive, root)
        for term in graph.order:
            workspace.compute(term, sids)
        n = len(dates)
        screen_values = workspace.values(screen, n) & root[-n:]
        data = {name: workspace.values(term, n) for name, term in columns.items()}
        return _output_frame(columns, data, screen_values, dates, kept)

    def _loader_for(self, column: BoundColumn) -> Any:
        if _is_pricing(column):
            return self.pricing
        loader = self._loaders.get(column)
        if loader is None:
            loader = self._loaders.get(column.dataset)
        if loader is None:
            # A dataset may name its own loader, so a strategy file run by `rustybt run`
            # brings its data with it.
            loader = getattr(column.dataset, "loader", None)
        if loader is None:
            name = column.dataset.__name__
            raise ConfigError(
                f"no loader for {column.qualname}: give {name} a loader attribute (loader = "
                f"FilesLoader(...)), or pass loaders={{{name}: a loader}} to run_pipeline, or "
                f"custom_loader={{{name}: a loader}} to run_algorithm (e.g. a FilesLoader or "
                "DataFrameLoader)"
            )
        return loader


def _is_pricing(column: BoundColumn) -> bool:
    return column.dataset is EquityPricing or column in EquityPricing.columns


def _pricing_fields(graph: TermGraph) -> list[str]:
    """The EquityPricing columns the graph's terms read (only those are loaded)."""
    return [t.name for t in graph.order if isinstance(t, BoundColumn) and _is_pricing(t)]


def _lifetimes(chunk: PricingChunk, assets: Sequence[Asset]) -> np.ndarray:
    """zipline's lifetimes on the chunk's dates: alive on D when the asset's first bar
    (in the source's whole history, as zipline's asset database has it) is before D and
    its last bar on or after D; an Asset's recorded start/end dates win over the bars."""
    rows = np.arange(len(chunk.bar_sessions))
    first = np.array(chunk.first_bars, copy=True)
    last = np.array(chunk.last_bars, copy=True)
    labels = chunk.bar_sessions
    for column, asset in enumerate(assets):
        if asset.start_date is not None and asset.end_date is not None:
            start = pd.Timestamp(asset.start_date)
            end = pd.Timestamp(asset.end_date)
            start = start.tz_convert(None) if start.tzinfo is not None else start
            end = end.tz_convert(None) if end.tzinfo is not None else end
            first[column] = int(labels.searchsorted(start))
            last[column] = int(labels.searchsorted(end, side="right")) - 1
    # Row i of the mask is dates[i] = bar session i + 1.
    date_rows = rows[1:][:, None]
    return (first[None, :] < date_rows) & (date_rows <= last[None, :])


class _Workspace:
    """The values of a chunk's terms, each over its own rows (the chunk's sessions plus the
    extra history its consumers' windows need)."""

    def __init__(
        self,
        engine: PipelineEngine,
        graph: TermGraph,
        dates: pd.DatetimeIndex,
        assets: list[Asset],
        alive: np.ndarray,
        root: np.ndarray,
    ) -> None:
        self.engine = engine
        self.graph = graph
        self.dates = dates
        self.assets = assets
        self.alive = alive
        self.root = root
        self.results: dict[Term, Any] = {}
        self.remaining = dict(graph.consumers)

    def rows(self, term: Term) -> int:
        return len(self.dates) - self.graph.max_extra_rows + self.graph.extra_rows[term]

    def values(self, term: Term, rows: int) -> Any:
        """The last ``rows`` rows of a computed term."""
        result = self.results[term]
        if isinstance(result, LoadedColumn):
            return result.tail(rows).values
        return result[len(result) - rows :]

    def compute(self, term: Term, sids: np.ndarray) -> None:
        rows = self.rows(term)
        if isinstance(term, AssetExists):
            self.results[term] = self.root[len(self.root) - rows :]
            return
        if isinstance(term, BoundColumn):
            self._load(term)
            return
        if not isinstance(term, ComputableTerm):
            raise StrategyError(f"{term!r} is neither a dataset column nor a computed term")
        dates = self.dates[len(self.dates) - rows :]
        mask = self.values(term.effective_mask, rows)
        window = int(term.window_length)
        inputs: list[Any] = []
        for source in term.inputs:
            if window > 0:
                inputs.append(self._windows(source, window, rows))
            else:
                inputs.append(self.values(source, rows))
        try:
            result = term.compute_rows(inputs, dates, sids, mask)
        finally:
            for dependency in term.dependencies:
                self._release(dependency)
        self.results[term] = result

    def _windows(self, source: Term, window: int, rows: int) -> Windows:
        needed = rows + window - 1
        result = self.results[source]
        if isinstance(result, LoadedColumn):
            loaded = result.tail(needed)
            return Windows(loaded.values, window, rows, loaded.adjustments)
        return Windows(result[len(result) - needed :], window, rows)

    def _load(self, column: BoundColumn) -> None:
        loader = self.engine._loader_for(column)
        if loader is self.engine.pricing:
            loaded = loader.load([column], self.dates, self.engine.assets)
        else:
            loaded = loader.load([column], self.dates, self.assets)
        result = loaded[column]
        if loader is self.engine.pricing:
            if not self.alive.all():
                result = LoadedColumn(
                    values=result.values[:, self.alive],
                    adjustments=_kept_adjustments(result.adjustments, self.alive),
                )
            self._check_shape(column, result)
        else:
            self._check_shape(column, result)
            # zipline's DataFrameLoader: no value where the asset is not alive.
            result = LoadedColumn(
                values=_masked(result.values, self.root, column.missing_value),
                adjustments=result.adjustments,
            )
        self.results[column] = result

    def _check_shape(self, column: BoundColumn, result: LoadedColumn) -> None:
        expected = (len(self.dates), len(self.assets))
        if result.values.shape != expected:
            raise DataError(
                f"the loader of {column.qualname} returned an array of shape "
                f"{result.values.shape}, expected {expected} (sessions x assets)"
            )

    def _release(self, term: Term) -> None:
        self.remaining[term] -= 1
        if self.remaining[term] <= 0:
            self.results.pop(term, None)


def _masked(values: np.ndarray, alive: np.ndarray, missing: Any) -> np.ndarray:
    """``values`` with ``missing`` wherever ``alive`` is False (a new array)."""
    if alive.all():
        return values
    out = np.array(values, copy=True)
    out[~alive] = missing
    return out


def _kept_adjustments(
    adjustments: Mapping[int, Sequence[tuple[int, float]]], alive: np.ndarray
) -> dict[int, list[tuple[int, float]]]:
    new_position = np.cumsum(alive) - 1
    kept: dict[int, list[tuple[int, float]]] = {}
    for row, entries in adjustments.items():
        moved = [(int(new_position[c]), r) for c, r in entries if alive[c]]
        if moved:
            kept[row] = moved
    return kept


def _output_frame(
    columns: dict[str, Term],
    data: dict[str, Any],
    screen: np.ndarray,
    dates: pd.DatetimeIndex,
    assets: list[Asset],
) -> pd.DataFrame:
    """zipline's narrow frame: a row per (date, asset) where ``screen`` holds."""
    cells = np.flatnonzero(screen)
    if not len(cells):
        return pd.DataFrame(
            data={name: _empty_column(columns[name]) for name in columns},
            index=pd.MultiIndex.from_arrays([dates[:0], pd.Index(np.array([], dtype=object))]),
        )
    date_codes, asset_codes = np.divmod(cells, screen.shape[1])
    index = pd.MultiIndex(
        levels=[dates, pd.Index(np.array(assets, dtype=object))],
        codes=[date_codes, asset_codes],
        verify_integrity=False,
    )
    values = {name: _postprocess(columns[name], data[name], screen, cells) for name in columns}
    return pd.DataFrame(values, index=index, columns=list(columns))


def _empty_column(term: Term) -> Any:
    if term.dtype == np.dtype(object):
        return pd.Categorical([])
    return np.array([], dtype=term.dtype)


def _postprocess(term: Term, data: np.ndarray, screen: np.ndarray, cells: np.ndarray) -> Any:
    """The values of ``data`` where ``screen`` holds (at the flat positions ``cells``) as
    the frame's column."""
    values = np.take(data, cells) if data.shape == screen.shape else data[screen]
    if term.dtype == np.dtype(object):
        return pd.Categorical(values, categories=_categories(term, data))
    if term.outputs is not NotSpecified:
        return list(map(tuple, values.tolist()))
    return values


def _categories(term: Term, data: np.ndarray) -> pd.Index:
    """zipline's categories of a string column: every label of the chunk's rows, sorted,
    with the missing value (when it is not None, which pandas cannot hold)."""
    labels = {label for label in pd.unique(data.ravel()) if not pd.isna(label)}
    if term.missing_value is not None:
        labels.add(term.missing_value)
    return _sorted_labels(labels)


def _sorted_labels(labels: set[Any]) -> pd.Index:
    ordered = sorted(labels, key=lambda label: (not isinstance(label, str), str(label)))
    return pd.Index(ordered, dtype=object)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks' frames one after the other; a string column's categories are the union
    of the chunks' (zipline's categorical_df_concat)."""
    first = frames[0]
    for name in first.columns[first.dtypes == "category"]:
        union: set[Any] = set()
        for frame in frames:
            union.update(frame[name].cat.categories)
        categories = _sorted_labels(union)
        for frame in frames:
            frame[name] = frame[name].cat.set_categories(categories)
    return pd.concat(frames)
