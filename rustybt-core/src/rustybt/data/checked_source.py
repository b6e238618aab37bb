"""A third-party data source whose frames are checked against the bar schema as they come in.

The engine reads a source's frames without looking again (core's own sources validate
their bars themselves, and the bar store validates what it reads from disk), so a plugin's
frame that lacks a column or holds naive times would fail deep inside the engine, naming
no plugin. :class:`CheckedSource` puts :func:`~rustybt.data.validation.validate_bars` and
the timestamp rules between a plugin's source and the engine, and says which plugin and
package sent the bad frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import pandas as pd

from rustybt.data.schema import BAR_COLUMNS, empty_bars
from rustybt.data.source import DataSource, SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import PluginError, RustyBTError
from rustybt.plugin_checks import type_of

DOCS_ANCHOR = "docs/hooks.md#data-sources"

# Methods the engine probes for with getattr and that yield bars without going through
# fetch_bars: a checked source lacks them, so the engine falls back to the checked path.
_UNCHECKED_SHORTCUTS = frozenset({"bar_columns"})


class CheckedSource:
    """``source`` (a plugin's) with every frame of ``fetch_bars`` and ``latest_bars``
    validated against the bar schema, and any exception that is no
    :class:`~rustybt.errors.RustyBTError` turned into a :class:`PluginError`; both name
    ``prefix`` (``plugin X (package Y)``). Optional members the engine looks up
    (``fetch_actions``, ``has_symbol``, ``symbols``, ``dataset_name``, ...) are the
    source's own."""

    def __init__(self, source: DataSource, *, prefix: str) -> None:
        self.source = source
        self.prefix = prefix
        self.name: str = source.name
        self.capabilities: SourceCapabilities = source.capabilities

    def __getattr__(self, name: str) -> Any:
        """The source's own optional members (only called for names this class lacks)."""
        source = self.__dict__.get("source")  # absent while a copy is being made
        if source is None or name.startswith("__") or name in _UNCHECKED_SHORTCUTS:
            raise AttributeError(name)
        return getattr(source, name)

    def __repr__(self) -> str:
        return f"CheckedSource({self.source!r})"

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """The source's bars, checked (see the class)."""
        try:
            frame = self.source.fetch_bars(symbols, start, end, frequency)
        except RustyBTError:
            raise
        except Exception as exc:
            self._raised("fetch_bars", exc)
        return self.checked(frame, "fetch_bars")

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The source's latest bars, checked (see the class)."""
        try:
            frame = self.source.latest_bars(symbols, frequency)
        except RustyBTError:
            raise
        except Exception as exc:
            self._raised("latest_bars", exc)
        return self.checked(frame, "latest_bars")

    def checked(self, frame: object, method: str) -> pd.DataFrame:
        """``frame``, returned by the source's ``method``, in the bar schema (canonical
        column order, prices and volume as float64, times in UTC), or a
        :class:`PluginError` saying what breaks the schema."""
        prefix, name = self.prefix, self.name
        if not isinstance(frame, pd.DataFrame):
            raise PluginError(
                f"{prefix}: data source '{name}' {method} returned {type_of(frame)}, not a "
                f"pandas DataFrame; see {DOCS_ANCHOR}"
            )
        if frame.empty and set(BAR_COLUMNS) <= set(frame.columns):
            return empty_bars()
        if "timestamp" in frame.columns:
            stamps = frame["timestamp"]
            utc = self._utc_times(stamps, method)
            if utc is not stamps:
                frame = frame.assign(timestamp=utc)
        try:
            return validate_bars(frame, lambda i: "the header" if i < 0 else f"bar {i + 1}")
        except Exception as exc:  # whatever the frame made validation raise is the plugin's
            problem = (
                f"in {exc}" if isinstance(exc, RustyBTError) else f"{type(exc).__name__}: {exc}"
            )
            raise PluginError(
                f"{prefix}: data source '{name}' {method} returned a frame that breaks the bar "
                f"schema ({problem}); see {DOCS_ANCHOR}"
            ) from None

    def _utc_times(self, stamps: pd.Series, method: str) -> pd.Series:
        """``stamps`` in UTC; values that are no tz-aware times raise :class:`PluginError`."""
        if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
            what = (
                "naive timestamps (no time zone)"
                if stamps.dtype.kind == "M"
                else f"a timestamp column of {stamps.dtype}, not times"
            )
            raise PluginError(
                f"{self.prefix}: data source '{self.name}' {method} returned {what}; the "
                "timestamp column holds tz-aware UTC times (pd.to_datetime(..., utc=True)); "
                f"see {DOCS_ANCHOR}"
            )
        return stamps if str(stamps.dtype.tz) == "UTC" else stamps.dt.tz_convert("UTC")

    def _raised(self, method: str, exc: Exception) -> NoReturn:
        raise PluginError(
            f"{self.prefix}: data source '{self.name}' {method} raised "
            f"{type(exc).__name__}: {exc}; a source raises rustybt.errors.DataError saying "
            f"what is wrong; see {DOCS_ANCHOR}"
        ) from exc
