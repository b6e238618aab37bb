"""The bar store: bars fetched from network sources, kept as Parquet so they are fetched once.

Layout, under :func:`data_root` (``$RUSTYBT_DATA_DIR``, else the user cache directory)::

    bars/<source>/<frequency>/<SYMBOL>.parquet   canonical bar schema, one file per symbol
    bars/<source>/<frequency>/manifest.json      provenance of every file

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
from rustybt.data.file_source import symbol_file_stem
from rustybt.data.parquet_files import read_table
from rustybt.data.schema import BAR_SCHEMA, FREQUENCIES, empty_bars
from rustybt.data.source import DataSource, NoBarsError, SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError

DATA_DIR_ENV = "RUSTYBT_DATA_DIR"
MANIFEST = "manifest.json"
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
        missing = _missing_ranges(entry, start, end)
        if not missing:
            assert entry is not None
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
        return removed

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


def dataset_name(source: DataSource) -> str:
    """The store dataset a source's bars go to: its ``dataset_name`` when it has one (a
    ccxt source per exchange, ``ccxt-binance``), else its registered name."""
    return getattr(source, "dataset_name", source.name)


def read_through_store(source: DataSource, store: BarStore | None = None) -> DataSource:
    """``source`` wrapped in a :class:`StoredSource` when its capabilities say it reads the
    network; local sources are returned as they are."""
    if not source.capabilities.network:
        return source
    return StoredSource(source, store if store is not None else BarStore())


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(
        f"bar store manifest {path} is unreadable ({exc}); run `rustybt data clean` to start afresh"
    )


def _missing_ranges(
    entry: StoredSeries | None, start: pd.Timestamp, end: pd.Timestamp
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The ranges to fetch so that the covered range grows to include ``[start, end]``,
    earliest first; a gap between the covered range and the request is fetched too, so
    the covered range stays one interval."""
    if entry is None:
        return [(start, end)]
    missing = []
    if start < entry.start:
        missing.append((start, entry.start - _ONE_NS))
    if end > entry.end:
        missing.append((entry.end + _ONE_NS, end))
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
