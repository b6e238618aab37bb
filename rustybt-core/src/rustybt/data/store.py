"""The bar store: bars fetched from network sources, kept as Parquet so they are fetched once.

Layout, under :func:`data_root` (``$RUSTYBT_DATA_DIR``, else the user cache directory)::

    bars/<source>/<frequency>/<SYMBOL>.parquet   canonical bar schema, one file per symbol
    bars/<source>/<frequency>/manifest.json      provenance of every file
    bars/<source>/actions.parquet                splits and dividends of a source that has them
    bars/<source>/manifest.json                  their provenance

The manifest records, per symbol: the date range covered (what was asked of the source,
not only the first and last bar, so a holiday at either end is not asked for again), row
count, first and last bar, fetch time and the SHA-256 of the Parquet file, so a backtest
can state exactly which data it ran on. Every file is written to a temporary file and
renamed (:func:`rustybt.atomic_files.atomic_path`), the Parquet file before its manifest
entry: a process killed at any point leaves the old file or the new one, and a file whose
hash no longer matches its entry is fetched again rather than trusted.

Asking the store for a range (:meth:`BarStore.fill`) requests from the source only the parts
not covered yet. Coverage never extends past the last bar that was complete when fetched,
so today's bars are fetched again until their interval has ended. One writer per dataset at
a time is assumed: two processes filling the same symbol may each fetch it.

A source with corporate actions (``fetch_actions``, :mod:`rustybt.data.actions`) gives raw
bars that mean nothing without them, so its actions are stored with its bars: every fill
asks for the actions of the ranges not stored yet too, in one Parquet file per source
(:data:`~rustybt.data.actions.ACTIONS_SCHEMA`) whose manifest records its SHA-256 and the
range of ex-dates covered per symbol. They are frequency-free, so the file sits beside the
frequency directories. Stored bars whose actions are not stored over their range (bars of an
older RustyBT, or a write cut short) are fetched again with them, never used without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.atomic_files import atomic_path
from rustybt.data.actions import (
    ACTIONS_SCHEMA,
    empty_actions,
    has_actions,
    source_actions,
    validate_actions,
)
from rustybt.data.file_source import symbol_file_stem
from rustybt.data.parquet_files import read_table
from rustybt.data.schema import BAR_SCHEMA, FREQUENCIES, empty_bars
from rustybt.data.source import DataSource, NoBarsError, SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError

DATA_DIR_ENV = "RUSTYBT_DATA_DIR"
MANIFEST = "manifest.json"
ACTIONS_FILE = "actions.parquet"
_ONE_NS = pd.Timedelta(1, "ns")
_manifest_lock = threading.Lock()

Progress = Callable[[int, int], None]


def data_root() -> Path:
    """RustyBT's data directory: ``$RUSTYBT_DATA_DIR`` if set, else the user cache
    directory for ``rustybt`` (platformdirs). Not created here."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(override) if override else Path(platformdirs.user_cache_dir("rustybt"))


@attrs.frozen(kw_only=True)
class StoredSeries:
    """One symbol's stored bars: a manifest entry (timestamps UTC)."""

    source: str
    frequency: str
    symbol: str
    file: str
    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    fetched_at: pd.Timestamp
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps in ISO 8601)."""
        return {
            name: value.isoformat() if isinstance(value, pd.Timestamp) else value
            for name, value in attrs.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> StoredSeries:
        """The entry written by :meth:`to_dict`."""
        stamps = {"first", "last", "start", "end", "fetched_at"}
        return cls(**{k: pd.Timestamp(v) if k in stamps else v for k, v in entry.items()})


@attrs.frozen(kw_only=True)
class FillResult:
    """What :meth:`BarStore.fill` did for one symbol.

    ``status`` is ``cached`` when the source was not asked at all, else ``fetched``;
    ``fetched_ranges`` lists the (start, end) ranges asked of the source.
    """

    symbol: str
    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    status: Literal["cached", "fetched"]
    fetched_ranges: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps in ISO 8601)."""
        return {
            "symbol": self.symbol,
            "rows": self.rows,
            "first": self.first.isoformat() if self.first is not None else None,
            "last": self.last.isoformat() if self.last is not None else None,
            "status": self.status,
            "fetched_ranges": [[a.isoformat(), b.isoformat()] for a, b in self.fetched_ranges],
        }


@attrs.frozen(kw_only=True)
class StoredActions:
    """A source's stored corporate actions: its manifest entry (timestamps UTC).

    ``covered`` maps each symbol to the range of ex-dates asked of the source for it (the
    actions in that range are all stored, none is a finding too).
    """

    source: str
    file: str
    rows: int
    fetched_at: pd.Timestamp
    sha256: str
    covered: dict[str, tuple[pd.Timestamp, pd.Timestamp]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps in ISO 8601)."""
        return {
            "source": self.source,
            "file": self.file,
            "rows": self.rows,
            "fetched_at": self.fetched_at.isoformat(),
            "sha256": self.sha256,
            "covered": {
                s: [a.isoformat(), b.isoformat()] for s, (a, b) in sorted(self.covered.items())
            },
        }

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> StoredActions:
        """The entry written by :meth:`to_dict`."""
        return cls(
            source=entry["source"],
            file=entry["file"],
            rows=int(entry["rows"]),
            fetched_at=pd.Timestamp(entry["fetched_at"]),
            sha256=entry["sha256"],
            covered={
                s: (pd.Timestamp(a), pd.Timestamp(b)) for s, (a, b) in entry["covered"].items()
            },
        )


class BarStore:
    """Parquet bar files with a provenance manifest, under ``root`` (default
    :func:`data_root`) ``/bars``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root if root is not None else data_root()) / "bars"

    def dataset_dir(self, source: str, frequency: str) -> Path:
        """The directory holding one source's bars at one frequency."""
        return self.root / source / frequency

    # -- reading -------------------------------------------------------------------------

    def entries(self) -> list[StoredSeries]:
        """Every stored series, by source, frequency and symbol."""
        found: list[StoredSeries] = []
        for manifest in sorted(self.root.glob(f"*/*/{MANIFEST}")):
            found.extend(self._read_manifest(manifest.parent).values())
        return sorted(found, key=lambda e: (e.source, e.frequency, e.symbol))

    def load(
        self, source: str, frequency: str, symbol: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The stored bars of ``symbol`` from ``start`` to ``end`` inclusive, validated.

        Empty when nothing is stored. A file that does not match its manifest entry is a
        :class:`DataError`.
        """
        directory = self.dataset_dir(source, frequency)
        entry = self._read_entry(directory, symbol)
        if entry is None:
            return empty_bars()
        if not self._intact(directory, entry):
            raise DataError(
                f"stored bars {directory / entry.file} changed since they were written; "
                f"run `rustybt data clean --source {source}` and fetch them again"
            )
        bars = self._read(directory / entry.file)
        stamps = bars["timestamp"]
        return bars[(stamps >= start) & (stamps <= end)].reset_index(drop=True)

    # -- filling -------------------------------------------------------------------------

    def fill(
        self,
        source: DataSource,
        symbols: Sequence[str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
        progress: Progress | None = None,
    ) -> list[FillResult]:
        """Store ``symbols``' bars from ``start`` to ``end``, asking ``source`` only for what
        is not stored yet; one result per symbol, in the order given.

        Raises what the source raises; a symbol with no bars in the whole range (nothing
        stored and the source has none) is a :class:`NoBarsError`.
        """
        if end < start:
            raise DataError(f"end {end} is before start {start}")
        wanted = list(dict.fromkeys(symbols))
        results = []
        for done, symbol in enumerate(wanted):
            results.append(self._fill_one(source, symbol, start, end, frequency))
            if progress is not None:
                progress(done + 1, len(wanted))
        return results

    def _fill_one(
        self,
        source: DataSource,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
    ) -> FillResult:
        directory = self.dataset_dir(dataset_name(source), frequency)
        entry = self._read_entry(directory, symbol)
        if entry is not None and not self._intact(directory, entry):
            entry = None
        if entry is not None and has_actions(source):
            covered = self._actions_covered(source, symbol)
            if covered is None or covered[0] > entry.start:
                entry = None  # raw bars stored without their actions: fetch both again
        result = self._fill_bars(source, symbol, start, end, frequency, entry)
        if has_actions(source):
            self._fill_actions(source, symbol, start, end)
        return result

    def _fill_bars(
        self,
        source: DataSource,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
        entry: StoredSeries | None,
    ) -> FillResult:
        directory = self.dataset_dir(dataset_name(source), frequency)
        missing = _missing_ranges(None if entry is None else (entry.start, entry.end), start, end)
        if not missing:
            return _result(
                symbol, self.load(dataset_name(source), frequency, symbol, start, end), ()
            )
        fetched_at = pd.Timestamp.now(tz="UTC")
        frames = [] if entry is None else [self._read(directory / entry.file)]
        for piece_start, piece_end in missing:
            try:
                frames.append(source.fetch_bars([symbol], piece_start, piece_end, frequency))
            except NoBarsError:
                if entry is None:
                    raise
        bars = _merge(frames)
        if bars.empty:
            raise NoBarsError(
                f"source '{source.name}' has no {frequency} bars of {symbol} "
                f"between {start} and {end}"
            )
        complete_until = fetched_at - FREQUENCIES[frequency]
        covered_start = min(start, entry.start) if entry else start
        covered_end = max(min(end, complete_until), entry.end if entry else covered_start)
        self._write(
            directory, symbol, bars, dataset_name(source), frequency, covered_start, covered_end
        )
        selected = bars[(bars["timestamp"] >= start) & (bars["timestamp"] <= end)]
        return _result(symbol, selected.reset_index(drop=True), tuple(missing))

    def read_bars(
        self,
        source: DataSource,
        symbols: Sequence[str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` inclusive, filled from ``source``
        where missing: the :meth:`DataSource.fetch_bars` promise, read through the store."""
        self.fill(source, symbols, start, end, frequency)
        frames = []
        for symbol in sorted(set(symbols)):
            bars = self.load(dataset_name(source), frequency, symbol, start, end)
            if bars.empty:
                raise NoBarsError(
                    f"source '{source.name}' has no {frequency} bars of {symbol} "
                    f"between {start} and {end}"
                )
            frames.append(bars)
        return pd.concat(frames, ignore_index=True)

    # -- corporate actions ---------------------------------------------------------------

    def actions_dir(self, source: str) -> Path:
        """The directory holding one source's corporate actions (and its bar datasets)."""
        return self.root / source

    def stored_actions(self, source: str) -> StoredActions | None:
        """The manifest entry of ``source``'s stored actions, or None when none are stored."""
        path = self.actions_dir(source) / MANIFEST
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text())["actions"]
            return StoredActions.from_dict(raw)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _unreadable(path, exc) from None

    def load_actions(
        self, source: str, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The stored actions of ``symbols`` with ex-dates from ``start`` to ``end``
        inclusive, validated (:data:`~rustybt.data.actions.ACTIONS_SCHEMA`).

        Empty when none are stored. A file that does not match its manifest entry is a
        :class:`DataError`.
        """
        entry = self.stored_actions(source)
        if entry is None:
            return empty_actions()
        directory = self.actions_dir(source)
        if not self._intact_actions(entry):
            raise DataError(
                f"stored corporate actions {directory / entry.file} changed since they were "
                f"written; run `rustybt data clean --source {source}` and fetch them again"
            )
        actions = self._read_actions(directory / entry.file)
        wanted = actions["symbol"].isin(list(symbols))
        dates = actions["ex_date"]
        return actions[wanted & (dates >= start) & (dates <= end)].reset_index(drop=True)

    def read_actions(
        self, source: DataSource, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The actions of ``symbols`` with ex-dates from ``start`` to ``end`` inclusive,
        filled from ``source`` where not stored yet: its ``fetch_actions`` promise, read
        through the store."""
        if end < start:
            raise DataError(f"end {end} is before start {start}")
        wanted = sorted(set(symbols))
        for symbol in wanted:
            self._fill_actions(source, symbol, start, end)
        return self.load_actions(dataset_name(source), wanted, start, end)

    def _actions_covered(
        self, source: DataSource, symbol: str
    ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        entry = self.stored_actions(dataset_name(source))
        if entry is None or not self._intact_actions(entry):
            return None
        return entry.covered.get(symbol)

    def _fill_actions(
        self, source: DataSource, symbol: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> None:
        """Store ``symbol``'s actions from ``start`` to ``end``, asking ``source`` only for
        the ex-dates not covered yet."""
        covered = self._actions_covered(source, symbol)
        missing = _missing_ranges(covered, start, end)
        if not missing:
            return
        fetched = [source_actions(source, [symbol], a, b) for a, b in missing]
        # Today's actions may not be known yet: coverage stops at the end of yesterday.
        known_until = pd.Timestamp.now(tz="UTC").normalize() - _ONE_NS
        covered_start = min(start, covered[0]) if covered else start
        covered_end = max(min(end, known_until), covered[1] if covered else covered_start)
        self._write_actions(source, symbol, fetched, (covered_start, covered_end))

    def _write_actions(
        self,
        source: DataSource,
        symbol: str,
        fetched: list[pd.DataFrame],
        covered: tuple[pd.Timestamp, pd.Timestamp],
    ) -> None:
        name = dataset_name(source)
        directory = self.actions_dir(name)
        directory.mkdir(parents=True, exist_ok=True)
        with _manifest_lock:  # re-read: another source object may have added symbols
            entry = self.stored_actions(name)
            if entry is None or not self._intact_actions(entry):
                # Nothing stored, or a file that cannot be trusted: start afresh (the bars of
                # the symbols it covered are then fetched again with their actions).
                stored, coverage = empty_actions(), {}
            else:
                stored, coverage = self._read_actions(directory / entry.file), dict(entry.covered)
            kept = [stored, *(f[f["symbol"] == symbol] for f in fetched)]
            merged = pd.concat([f for f in kept if not f.empty] or [empty_actions()])
            merged = merged.drop_duplicates(["symbol", "ex_date", "kind"], keep="last")
            coverage[symbol] = covered
            self._store_actions(
                directory, name, validate_actions(merged, where=f"source {name!r}"), coverage
            )

    def _store_actions(
        self,
        directory: Path,
        source: str,
        actions: pd.DataFrame,
        coverage: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
    ) -> None:
        """Write ``actions`` then their manifest entry, each atomically (the caller holds
        the manifest lock): a kill between leaves a file its entry does not match, which
        is then not trusted."""
        with atomic_path(directory / ACTIONS_FILE) as temporary:
            table = pa.Table.from_pandas(actions, schema=ACTIONS_SCHEMA, preserve_index=False)
            pq.write_table(table, temporary)
        entry = StoredActions(
            source=source,
            file=ACTIONS_FILE,
            rows=len(actions),
            fetched_at=pd.Timestamp.now(tz="UTC"),
            sha256=_sha256(directory / ACTIONS_FILE),
            covered=coverage,
        )
        with atomic_path(directory / MANIFEST) as temporary:
            temporary.write_text(json.dumps({"actions": entry.to_dict()}, indent=2) + "\n")

    def _intact_actions(self, entry: StoredActions) -> bool:
        path = self.actions_dir(entry.source) / entry.file
        return path.is_file() and _sha256(path) == entry.sha256

    def _read_actions(self, path: Path) -> pd.DataFrame:
        try:
            frame = read_table(path).to_pandas()
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"cannot read stored corporate actions {path}: {exc}") from None
        return validate_actions(frame, where=str(path))

    # -- cleaning ------------------------------------------------------------------------

    def clean(
        self,
        *,
        source: str | None = None,
        frequency: str | None = None,
        symbols: Sequence[str] = (),
    ) -> list[StoredSeries]:
        """Delete the stored series matching every filter given (all of them with none),
        and any file the manifests do not account for (leftovers of killed writes).

        Returns the series deleted.
        """
        removed = []
        for manifest in sorted(self.root.glob(f"*/*/{MANIFEST}")):
            directory = manifest.parent
            with _manifest_lock:
                entries = self._read_manifest(directory)
                doomed = [
                    e
                    for e in entries.values()
                    if (source is None or e.source == source)
                    and (frequency is None or e.frequency == frequency)
                    and (not symbols or e.symbol in symbols)
                ]
                for entry in doomed:
                    del entries[entry.symbol]
                self._write_manifest(directory, entries)
            kept = {e.file for e in entries.values()} | {MANIFEST}
            for path in directory.iterdir():
                if path.is_file() and path.name not in kept:
                    path.unlink()
            removed.extend(doomed)
        if frequency is None:  # actions serve every frequency: kept while a filter keeps any
            self._clean_actions(source, symbols)
        return removed

    def _clean_actions(self, source: str | None, symbols: Sequence[str]) -> None:
        """Delete the stored actions of ``symbols`` (all with none) of ``source`` (every
        source with none), and files beside them that no manifest accounts for."""
        for directory in sorted(p for p in self.root.glob("*") if p.is_dir()):
            if source is not None and directory.name != source:
                continue
            with _manifest_lock:
                entry = self.stored_actions(directory.name)
                if entry is not None and symbols and self._intact_actions(entry):
                    actions = self._read_actions(directory / entry.file)
                    actions = actions[~actions["symbol"].isin(list(symbols))]
                    coverage = {s: r for s, r in entry.covered.items() if s not in symbols}
                    self._store_actions(directory, entry.source, actions, coverage)
                elif entry is not None:
                    (directory / MANIFEST).unlink()
            kept = {MANIFEST, ACTIONS_FILE} if (directory / MANIFEST).is_file() else set()
            for path in directory.iterdir():
                if path.is_file() and path.name not in kept:
                    path.unlink()

    # -- files ---------------------------------------------------------------------------

    def _read(self, path: Path) -> pd.DataFrame:
        try:
            frame = read_table(path).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"cannot read stored bars {path}: {exc}") from None
        return validate_bars(frame, lambda i: f"{path}, row {i + 1}")

    def _intact(self, directory: Path, entry: StoredSeries) -> bool:
        path = directory / entry.file
        return path.is_file() and _sha256(path) == entry.sha256

    def _write(
        self,
        directory: Path,
        symbol: str,
        bars: pd.DataFrame,
        source: str,
        frequency: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{symbol_file_stem(symbol)}.parquet"
        with atomic_path(directory / name) as temporary:
            table = pa.Table.from_pandas(bars, schema=BAR_SCHEMA, preserve_index=False)
            pq.write_table(table, temporary)
        entry = StoredSeries(
            source=source,
            frequency=frequency,
            symbol=symbol,
            file=name,
            rows=len(bars),
            first=bars["timestamp"].iloc[0],
            last=bars["timestamp"].iloc[-1],
            start=start,
            end=end,
            fetched_at=pd.Timestamp.now(tz="UTC"),
            sha256=_sha256(directory / name),
        )
        with _manifest_lock:  # re-read: another source object may have added symbols
            entries = self._read_manifest(directory)
            entries[symbol] = entry
            self._write_manifest(directory, entries)

    def _read_manifest(self, directory: Path) -> dict[str, StoredSeries]:
        return {
            symbol: self._entry(directory, raw)
            for symbol, raw in self._raw_manifest(directory).items()
        }

    def _read_entry(self, directory: Path, symbol: str) -> StoredSeries | None:
        """One symbol's manifest entry (loading a symbol converts only its own entry)."""
        raw = self._raw_manifest(directory).get(symbol)
        return None if raw is None else self._entry(directory, raw)

    def _raw_manifest(self, directory: Path) -> dict[str, Any]:
        path = directory / MANIFEST
        if not path.is_file():
            return {}
        try:
            series = json.loads(path.read_text())["series"]
            if not isinstance(series, dict):
                raise TypeError("'series' is not a mapping")
        except (ValueError, KeyError, TypeError) as exc:
            raise _unreadable(path, exc) from None
        return series

    def _entry(self, directory: Path, raw: Any) -> StoredSeries:
        try:
            return StoredSeries.from_dict(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise _unreadable(directory / MANIFEST, exc) from None

    def _write_manifest(self, directory: Path, entries: dict[str, StoredSeries]) -> None:
        payload = {"series": {s: entries[s].to_dict() for s in sorted(entries)}}
        with atomic_path(directory / MANIFEST) as temporary:
            temporary.write_text(json.dumps(payload, indent=2) + "\n")


class StoredSource:
    """A network source read through a :class:`BarStore`: same name and capabilities,
    ``fetch_bars`` served from the store and filled from the source where missing,
    ``latest_bars`` passed straight to the source (live polling is never cached)."""

    def __init__(self, source: DataSource, store: BarStore) -> None:
        self.source = source
        self.store = store
        self.name: str = source.name
        self.capabilities: SourceCapabilities = source.capabilities

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` inclusive, through the store."""
        return self.store.read_bars(self.source, symbols, start, end, frequency)

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The source's latest bars, not stored."""
        return self.source.latest_bars(symbols, frequency)


class StoredActionsSource(StoredSource):
    """A :class:`StoredSource` of a source with corporate actions: ``fetch_actions`` is
    served from the store too (only such sources get one, as a run applies actions when its
    source has the method)."""

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """Actions of ``symbols`` with ex-dates from ``start`` to ``end``, through the store."""
        return self.store.read_actions(self.source, symbols, start, end)


def dataset_name(source: DataSource) -> str:
    """The store dataset a source's bars go to: its ``dataset_name`` when it has one (a
    ccxt source per exchange, ``ccxt-binance``), else its registered name."""
    return getattr(source, "dataset_name", source.name)


def read_through_store(source: DataSource, store: BarStore | None = None) -> DataSource:
    """``source`` wrapped in a :class:`StoredSource` when its capabilities say it reads the
    network (a :class:`StoredActionsSource` when it has corporate actions); local sources
    are returned as they are."""
    if not source.capabilities.network:
        return source
    wrapper = StoredActionsSource if has_actions(source) else StoredSource
    return wrapper(source, store if store is not None else BarStore())


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(
        f"bar store manifest {path} is unreadable ({exc}); run `rustybt data clean` to start afresh"
    )


def _missing_ranges(
    covered: tuple[pd.Timestamp, pd.Timestamp] | None, start: pd.Timestamp, end: pd.Timestamp
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The ranges to fetch so that the ``covered`` range grows to include ``[start, end]``,
    earliest first; a gap between the covered range and the request is fetched too, so
    the covered range stays one interval."""
    if covered is None:
        return [(start, end)]
    first, last = covered
    missing = []
    if start < first:
        missing.append((start, first - _ONE_NS))
    if end > last:
        missing.append((last + _ONE_NS, end))
    return missing


def _merge(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One symbol's bars from several frames, later frames winning on equal timestamps."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_bars()
    merged = pd.concat(frames, ignore_index=True)
    merged = merged.drop_duplicates("timestamp", keep="last").sort_values("timestamp")
    return merged.reset_index(drop=True)


def _result(
    symbol: str, bars: pd.DataFrame, fetched: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
) -> FillResult:
    return FillResult(
        symbol=symbol,
        rows=len(bars),
        first=bars["timestamp"].iloc[0] if len(bars) else None,
        last=bars["timestamp"].iloc[-1] if len(bars) else None,
        status="fetched" if fetched else "cached",
        fetched_ranges=fetched,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
