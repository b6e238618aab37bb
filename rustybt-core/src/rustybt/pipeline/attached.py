"""Pipelines attached to a run: ``attach_pipeline`` in ``initialize``, ``pipeline_output``
from ``before_trading_start`` on, with zipline's timing.

A backtest computes each pipeline ahead in chunks (zipline's default: the first session and
the 5 after it, then 127 sessions at a time, the last chunk clipped to the run's end) and
keeps only the current chunk. A trading session computes each session's output at its start
from the source, which holds the stored and the freshly arrived bars: a chunk of one session,
so a session restarted from a checkpoint computes the same output again.

This module is imported with :mod:`rustybt.algorithm`, so it stays light: the pipeline
engine itself is imported by the trading engine only when a strategy attaches a pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from rustybt.errors import (
    AttachPipelineAfterInitialize,
    DuplicatePipelineName,
    NoSuchPipeline,
    PipelineOutputDuringInitialize,
    StrategyError,
)

if TYPE_CHECKING:
    from rustybt.pipeline.engine import PipelineEngine
    from rustybt.pipeline.pipeline import Pipeline

FIRST_CHUNK = 5
"""zipline's first chunk size: results for the first week come quickly."""
LATER_CHUNKS = 126
"""zipline's size of every later chunk: about half a year of sessions."""

__all__ = [
    "AttachPipelineAfterInitialize",
    "AttachedPipeline",
    "DuplicatePipelineName",
    "NoSuchPipeline",
    "PipelineOutputDuringInitialize",
    "PipelineOutputs",
    "attached_pipeline",
]


@attrs.define(kw_only=True)
class AttachedPipeline:
    """A pipeline attached under ``name``: ``chunks`` yields the size of each chunk to
    compute (sessions after the chunk's first), ``eager`` computes it before
    ``before_trading_start`` whether or not the strategy asks for it."""

    pipeline: Pipeline
    name: str
    chunks: Iterator[int]
    eager: bool = True


def attached_pipeline(pipeline: Any, name: Any, chunks: Any, eager: bool) -> AttachedPipeline:
    """``attach_pipeline``'s arguments checked and made an :class:`AttachedPipeline`:
    ``chunks`` None means zipline's default sizes, a number that size every time, an
    iterable its sizes in turn. A wrong argument is a StrategyError saying which."""
    from rustybt.pipeline.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise StrategyError(
            f"attach_pipeline takes a Pipeline first, got {type(pipeline).__name__} "
            f"{pipeline!r}; build one with rustybt.pipeline.Pipeline(columns=..., screen=...)"
        )
    if not isinstance(name, str):
        raise StrategyError(
            f"attach_pipeline: the name must be a string, got {name!r}; "
            "pipeline_output(name) asks for the output by it"
        )
    sizes: Iterable[Any]
    if chunks is None:
        sizes = chain([FIRST_CHUNK], repeat(LATER_CHUNKS))
    elif isinstance(chunks, int | np.integer) and not isinstance(chunks, bool) and chunks >= 0:
        sizes = repeat(int(chunks))
    elif isinstance(chunks, Iterable) and not isinstance(chunks, str | bytes):
        sizes = chunks
    else:
        raise StrategyError(
            f"attach_pipeline({name!r}): chunks must be a number of sessions (0 or more) or "
            f"an iterable of them, got {chunks!r}"
        )
    return AttachedPipeline(pipeline=pipeline, name=name, chunks=iter(sizes), eager=bool(eager))


@attrs.define
class _Chunk:
    """One computed chunk: the output frame, the first row of each session in it (the
    frame is sorted by date), and the run position of its last session."""

    frame: pd.DataFrame
    days: np.ndarray
    """The chunk's sessions as UTC-midnight nanoseconds, one per row."""
    last: int


class PipelineOutputs:
    """The outputs of a run's attached pipelines, session by session.

    ``sessions`` are the run's sessions (first to last). :meth:`begin_session` moves to a
    session and computes the eager pipelines; :meth:`output` answers ``pipeline_output``
    for the current session. ``each_session``: compute only the current session each time
    (a trading session), instead of the chunks the pipeline was attached with.
    """

    def __init__(
        self,
        attached: Mapping[str, AttachedPipeline],
        engine: PipelineEngine,
        sessions: pd.DatetimeIndex,
        *,
        each_session: bool = False,
    ) -> None:
        self.attached = dict(attached)
        self.engine = engine
        self.sessions = sessions
        self.each_session = each_session
        self._days = _day_ns(sessions)
        self._chunks: dict[str, _Chunk] = {}
        self._position = 0

    def begin_session(self, position: int) -> None:
        """Make the run's session ``position`` the current one and compute the eager
        pipelines' output for it, as zipline does before ``before_trading_start``."""
        self._position = position
        for name, attached in self.attached.items():
            if attached.eager:
                self._chunk(name)

    def output(self, name: str) -> pd.DataFrame:
        """The current session's rows of pipeline ``name``, indexed by asset (zipline's
        ``pipeline_output``): an empty frame with the pipeline's columns when no asset
        passed the screen."""
        chunk = self._chunk(name)
        day = self._days[self._position]
        first, stop = np.searchsorted(chunk.days, [day, day + 1])
        if first == stop:
            return pd.DataFrame(index=[], columns=chunk.frame.columns)
        return chunk.frame.iloc[first:stop].droplevel(0)

    def _chunk(self, name: str) -> _Chunk:
        """The chunk of ``name`` holding the current session, computed when the one kept
        has ended (the older chunk is let go first: one chunk per pipeline in memory)."""
        chunk = self._chunks.get(name)
        position = self._position
        if chunk is not None and position <= chunk.last:
            return chunk
        self._chunks.pop(name, None)
        attached = self.attached[name]
        size: Any = 0
        if not self.each_session:
            size = next(attached.chunks, None)
            if not isinstance(size, int | np.integer) or isinstance(size, bool) or size < 0:
                raise StrategyError(
                    f"attach_pipeline({name!r}): its chunks gave {size!r} at "
                    f"{self.sessions[position].date()} where a number of sessions (0 or "
                    "more) was due; pass chunks as a number or an endless iterable"
                )
        last = min(position + int(size), len(self.sessions) - 1)
        frame = self.engine.run(attached.pipeline, self.sessions[position], self.sessions[last])
        days = _day_ns(pd.DatetimeIndex(frame.index.get_level_values(0)))
        chunk = self._chunks[name] = _Chunk(frame=frame, days=days, last=last)
        return chunk


def _day_ns(dates: pd.DatetimeIndex) -> np.ndarray:
    """Each date's midnight as UTC nanoseconds, whether the labels are tz-aware or not."""
    if dates.tz is not None:
        dates = dates.tz_convert("UTC").tz_localize(None)
    return np.asarray(dates.normalize().asi8, dtype=np.int64)
