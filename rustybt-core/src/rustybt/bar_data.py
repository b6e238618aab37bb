"""``data``: the strategy's window on market data at the current bar (Zipline's BarData)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.actions import RunActions
from rustybt.data.adjust import GroupAdjustments, HistoryAdjustments, Rows
from rustybt.data.bar_arrays import BarArrays, last_rows, session_to_date
from rustybt.errors import (
    HistoryWindowStartsBeforeData,
    IncompatibleHistoryFrequency,
    StrategyError,
)
from rustybt.history_window import WindowSums, window_frame, window_series, window_sums

FIELDS = frozenset({"open", "high", "low", "close", "volume", "price"})
"""The fields of ``data.history``."""
CURRENT_FIELDS = FIELDS | {"last_traded"}
"""The fields of ``data.current``."""

MAX_HISTORY_BARS = 1_000_000
"""The longest window ``data.history`` gives: ten years of minute bars. A longer one comes
from a bug and would not fit in memory."""

_PRICES = frozenset({"open", "high", "low", "close", "price"})
_MINUTE = pd.Timedelta(minutes=1)

_AssetRun: TypeAlias = tuple[int, np.ndarray, WindowSums | None]
"""One asset's field over the run: its array column, the column's values, their sums."""


def _unknown_field(field: str, allowed: frozenset[str]) -> StrategyError:
    return StrategyError(f"unknown field {field!r}; use one of {', '.join(sorted(allowed))}")


def _check_fields(fields: Iterable[str], allowed: frozenset[str] = FIELDS) -> None:
    for field in fields:
        if field not in allowed:
            raise _unknown_field(field, allowed)


def _bar_count(value: object) -> int:
    """``value``, a whole number of bars from 1 to MAX_HISTORY_BARS, as an int; anything
    else is a StrategyError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StrategyError(f"bar_count must be a whole number of bars, got {value!r}")
    if not float(value).is_integer():
        raise StrategyError(f"bar_count must be a whole number of bars, got {value!r}")
    if value < 1:
        raise StrategyError(f"bar_count must be at least 1, got {value}")
    if value > MAX_HISTORY_BARS:
        raise StrategyError(
            f"bar_count {value} is more than any history window may be "
            f"({MAX_HISTORY_BARS:,} bars); ask for fewer bars"
        )
    return int(value)


def _volume(value: float) -> int | float:
    """A volume as zipline gives it, a whole number as an ``int``; a fractional one (crypto)
    stays a float rather than be rounded."""
    return int(value) if value.is_integer() else value


def _volumes(values: np.ndarray) -> np.ndarray:
    """Volumes as zipline gives them, int64 when all are whole numbers."""
    return values.astype(np.int64) if (values == np.floor(values)).all() else values


def _naive(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Session labels as zipline gives them: midnight without a time zone."""
    return index.tz_convert(None) if index.tz is not None else index


_GROUPS_BY_ID = 64
"""How many asset lists ``BarData`` recognises by identity (a strategy that builds a new
list on every bar would otherwise grow the table without end)."""


@attrs.define
class _AssetGroup:
    """A list of assets as the arrays see it: their columns, their labels, and per field
    the whole run's values with one contiguous row per asset (built on first use)."""

    positions: np.ndarray
    labels: pd.Index
    by_field: dict[str, np.ndarray] = attrs.Factory(dict)
    sums: dict[str, WindowSums | None] = attrs.Factory(dict)
    """Per field, the window sums of ``by_field``'s array (:class:`WindowSums`)."""
    adjustments: dict[str, GroupAdjustments | None] = attrs.Factory(dict)


class BarData:
    """Current values and history of the run's assets, as of the current bar, as zipline's
    ``data`` gives them.

    ``frequency`` is the run's bar frequency (``1d`` or ``1m``). ``sessions`` (labels) and
    ``session_of_bar`` (each timeline row's position in ``sessions``) say which session each
    bar belongs to; without them each bar is its own session, as in a daily run, and a minute
    run offers no daily history. ``growing`` marks arrays that a live feed fills in as bars
    arrive.

    ``"price"`` is the last traded close carried forward; ``open``/``high``/``low``/``close``
    are NaN and ``volume`` is 0 for an asset that did not trade in the bar. History includes
    the current bar and is labelled as zipline labels it: daily bars by session (midnight,
    no time zone), minute bars by their close in UTC (the ``current_dt`` at which they were
    seen). A minute run's daily history rolls the minutes up per session, the last session
    so far (:func:`rustybt.data.bar_arrays.session_bars`).

    A window that starts before the first session with data raises
    :class:`HistoryWindowStartsBeforeData`, as zipline does before its bundle's first
    session, when the data source has nothing earlier: that is, when no asset of the run has
    a bar in the timeline's first row (the warm-up the engine loads before the start begins
    before the data). When some asset has a bar there, the source may hold older bars that
    were not loaded, and a window reaching before the timeline is padded with NaN (labelled
    NaT) instead.

    With the run's splits and dividends (:meth:`set_actions`) history is adjusted as
    zipline's is, as of the current bar (:mod:`rustybt.data.adjust`); ``current`` stays raw.
    """

    def __init__(
        self,
        arrays: BarArrays,
        frequency: str,
        *,
        growing: bool = False,
        sessions: pd.DatetimeIndex | None = None,
        session_of_bar: np.ndarray | None = None,
    ) -> None:
        self._arrays = arrays
        self._frequency = frequency
        self._bar = -1
        self._now_ns = 0
        self._session_ns = 0
        self._groups: dict[tuple[Asset, ...], _AssetGroup] = {}
        self._groups_by_id: dict[int, tuple[tuple[Asset, ...], _AssetGroup]] = {}
        # A live feed writes bars as they arrive, so whole-run copies cannot be kept.
        self._growing = growing
        timeline = arrays.timeline
        if sessions is None or session_of_bar is None:
            sessions, session_of_bar = timeline, np.arange(len(timeline))
            # Daily history of minute bars needs to know where sessions begin.
            self._rolls_up_minutes = False
        else:
            self._rolls_up_minutes = frequency == "1m"
        self._session_of_bar = np.asarray(session_of_bar, dtype=np.int64)
        self._session_starts = np.searchsorted(self._session_of_bar, np.arange(len(sessions) + 1))
        self._session_labels = _naive(sessions)
        self._sessions_ns = sessions.asi8
        self._labels = self._session_labels if frequency == "1d" else timeline + _MINUTE
        self._derived: dict[str, np.ndarray] = {}
        self._now_session_ns, self._now_session = -1, -1
        self._derived_version = arrays.version
        self._runs: dict[tuple[str, Asset], _AssetRun] = {}
        self._runs_version = arrays.version
        self._adjustments: HistoryAdjustments | None = None

    def set_actions(self, run_actions: RunActions) -> None:
        """Adjust history windows for ``run_actions``' splits and dividends from now on
        (none when it has no price or volume adjustments)."""
        adjusts = bool(run_actions.prices or run_actions.volumes)
        self._adjustments = HistoryAdjustments(run_actions) if adjusts else None
        for group in self._groups.values():
            group.adjustments.clear()

    def set_bar(self, bar: int, now_ns: int, session_ns: int) -> None:
        """Move to bar ``bar`` (index in the timeline) at algorithm time ``now_ns`` (UTC
        nanoseconds) within the session labelled ``session_ns``."""
        self._bar = bar
        self._now_ns = now_ns
        self._session_ns = session_ns

    @property
    def current_dt(self) -> pd.Timestamp:
        """The algorithm's current time (UTC)."""
        return pd.Timestamp(self._now_ns, tz="UTC")

    @property
    def current_session(self) -> pd.Timestamp:
        """The label of the current session: its date at midnight, without a time zone (as
        zipline's)."""
        return pd.Timestamp(self._session_ns)

    def _column(self, asset: Asset) -> int:
        try:
            return self._arrays.column[asset]
        except (KeyError, TypeError):
            if not isinstance(asset, Asset):
                raise StrategyError(
                    f"expected an asset (from symbol('...')), got {asset!r}"
                ) from None
            raise StrategyError(
                f"{asset.symbol} has no data in this run; call symbol({asset.symbol!r}) "
                "in initialize, or pass it with --symbols"
            ) from None

    def _columns(self, assets: Sequence[Asset]) -> tuple[np.ndarray, pd.Index]:
        """The array columns of ``assets`` and their labels."""
        group = self._group(assets)
        return group.positions, group.labels

    def _group(self, assets: Sequence[Asset]) -> _AssetGroup:
        """What is kept about a list of assets, found by the list's identity first.

        Strategies pass the same list on every bar; recognising it by ``id`` and checking
        its contents element by element (identical assets compare at C speed) spares
        hashing every asset on every call. Groups themselves are kept by contents.
        """
        try:
            key = tuple(assets)
        except TypeError:
            raise StrategyError(
                f"expected an asset or a list of assets (from symbol('...')), got {assets!r}"
            ) from None
        seen = self._groups_by_id.get(id(assets))
        if seen is not None and seen[0] == key:
            return seen[1]
        group = self._groups.get(key)
        if group is None:
            group = _AssetGroup(
                positions=np.array([self._column(a) for a in key], dtype=np.int64),
                labels=pd.Index(key, dtype=object),
            )
            self._groups[key] = group
        if len(self._groups_by_id) >= _GROUPS_BY_ID:
            self._groups_by_id.clear()
        self._groups_by_id[id(assets)] = (key, group)
        return group

    def _derive(self, name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
        """An array computed from the bars once, and again after they change (an asset
        joined, a live bar arrived)."""
        if self._derived_version != self._arrays.version:
            self._derived.clear()
            self._derived_version = self._arrays.version
        derived = self._derived.get(name)
        if derived is None:
            derived = self._derived[name] = build()
        return derived

    def _last_traded_rows(self) -> np.ndarray:
        """Per row and asset, the last row at or before it with volume (zipline's 'last
        traded'), -1 before any."""
        return self._derive("last traded", lambda: last_rows(self._arrays.fields["volume"] != 0))

    def _value(self, field: str, column: int) -> Any:
        """``data.current`` of one asset and field."""
        bar = self._bar
        if field in _PRICES:
            return float(self._arrays.fields[field][bar, column]) if bar >= 0 else float("nan")
        if field == "volume":
            return _volume(float(self._arrays.fields[field][bar, column])) if bar >= 0 else 0
        if field == "last_traded":
            return self._last_traded(np.array([column]))[0]
        raise _unknown_field(field, CURRENT_FIELDS)

    def _last_traded(self, columns: np.ndarray) -> pd.DatetimeIndex:
        """When each of ``columns`` last traded (NaT before any trade)."""
        bar = self._bar
        rows = self._last_traded_rows()[bar, columns] if bar >= 0 else np.full(len(columns), -1)
        return self._labels[np.maximum(rows, 0)].where(rows >= 0)

    def _values(self, field: str, columns: np.ndarray) -> np.ndarray | pd.DatetimeIndex:
        """``data.current`` of several assets and one field."""
        bar = self._bar
        if field == "last_traded":
            return self._last_traded(columns)
        _check_fields([field], CURRENT_FIELDS)
        if bar >= 0:
            values = self._arrays.fields[field][bar, columns]
        else:
            values = np.full(len(columns), 0.0 if field == "volume" else np.nan)
        return _volumes(values) if field == "volume" else values

    def current(self, assets: Asset | Sequence[Asset], fields: str | Sequence[str]):
        """Values at the current bar, as zipline's ``data.current``: a scalar (a float; an
        int for ``volume``; a Timestamp, or NaT, for ``last_traded``), a Series (by field,
        named by the asset's symbol, or by asset, named by the field) or a DataFrame (assets
        × fields), depending on which arguments are lists."""
        if isinstance(assets, Asset):
            column = self._column(assets)
            if isinstance(fields, str):
                return self._value(fields, column)
            field_list = list(fields)
            _check_fields(field_list, CURRENT_FIELDS)
            return pd.Series(
                {f: self._value(f, column) for f in field_list},
                index=field_list,
                name=assets.symbol,
            )
        columns, index = self._columns(assets)
        if isinstance(fields, str):
            return pd.Series(self._values(fields, columns), index=index, name=fields)
        field_list = list(fields)
        _check_fields(field_list, CURRENT_FIELDS)
        return pd.DataFrame(
            {f: pd.Series(self._values(f, columns), index=index) for f in field_list},
            index=index,
        )

    def history(
        self,
        assets: Asset | Sequence[Asset],
        fields: str | Sequence[str],
        bar_count: int,
        frequency: str,
    ):
        """The last ``bar_count`` bars up to and including the current one.

        One asset and one field give a Series indexed by bar time; a list of assets gives a
        DataFrame with one column per asset; a list of fields for one asset, one column per
        field; lists of both, a DataFrame indexed by (time, asset) with a column per field.
        ``1d`` bars in a minute run are the sessions' rolled-up minutes, the current one so
        far. A window before the data raises :class:`HistoryWindowStartsBeforeData`, or is
        padded with NaN when older bars may exist but were not loaded (see the class).
        """
        if type(bar_count) is not int or not 1 <= bar_count <= MAX_HISTORY_BARS:
            bar_count = _bar_count(bar_count)
        if frequency != self._frequency:
            if frequency == "1d" and self._rolls_up_minutes:
                return self._session_history(assets, fields, bar_count)
            raise IncompatibleHistoryFrequency(
                f"history frequency {frequency!r} is not available in a run with "
                f"{self._frequency!r} bars; use {self._frequency!r}"
            )
        end = self._bar + 1
        start = end - bar_count
        arrays = self._arrays
        if isinstance(fields, str) and start >= 0 and start >= arrays.earliest_bar:
            if self._runs_version != arrays.version:
                self._forget_runs()
            # The common case, kept short: one asset whose field was read before.
            run = self._runs.get((fields, assets)) if isinstance(assets, Asset) else None
            if run is not None and not self._growing:
                column, data, sums = run
                values = data[start:end]
                rows = range(start, end)
                if self._adjustments is not None:
                    raw = values
                    values = self._adjustments.series(fields, column, values, rows, end - 1)
                    if values is not raw:
                        return window_series(values, self._labels, rows, assets)
                return window_series(values, self._labels, rows, assets, sums)
            if fields in FIELDS:
                return self._window(assets, fields, start, end)
        field_list = [fields] if isinstance(fields, str) else list(fields)
        _check_fields(field_list)
        self._check_start(start, bar_count, frequency, by_session=False)
        if start >= 0 and isinstance(fields, str):
            return self._window(assets, fields, start, end)
        if start >= 0 and isinstance(assets, Asset):
            column = self._column(assets)
            rows = range(start, end)
            return pd.DataFrame(
                {
                    f: self._adjusted(f, column, arrays.fields[f][start:end, column], rows, end - 1)
                    for f in field_list
                },
                index=self._labels[start:end],
                copy=True,
            )
        lo = max(start, 0)
        return self._assemble(
            assets,
            fields,
            field_list,
            lambda f: arrays.fields[f][lo:end],
            self._labels,
            (start, end),
            (range(lo, end), end - 1),
        )

    def _session_history(
        self, assets: Asset | Sequence[Asset], fields: str | Sequence[str], bar_count: int
    ) -> pd.Series | pd.DataFrame:
        """``history`` of daily bars in a minute run: the sessions' minutes rolled up, the
        current session up to the current bar."""
        field_list = [fields] if isinstance(fields, str) else list(fields)
        _check_fields(field_list)
        bar = self._bar
        session = int(self._session_of_bar[bar]) if bar >= 0 else -1
        end = session + 1
        start = end - bar_count
        self._check_start(start, bar_count, "1d", by_session=True)
        lo = max(start, 0)

        # The rows whose bars so far are the window's daily bars: each earlier session's last
        # row, then the current one (none before the first bar).
        rows = np.append(self._session_starts[lo + 1 : end] - 1, bar)[: end - lo]
        # Before a session's first bar (before_trading_start), zipline's daily history
        # already applies the adjustments of the session about to open.
        now = bar
        if self._adjustments is not None:
            now = max(bar, int(self._session_starts[self._now_session_index()]))

        def sessions(field: str) -> np.ndarray:
            """``field`` of sessions ``lo`` to the current one (so far), one row each."""
            so_far = self._derive(
                f"so far {field}",
                lambda: session_to_date(self._arrays.fields, field, self._session_starts),
            )
            return so_far[rows]

        if isinstance(fields, str) and start >= 0:
            # Fresh arrays, so pending windows may hold them.
            if isinstance(assets, Asset):
                column = self._column(assets)
                values = self._adjusted(fields, column, sessions(fields)[:, column], rows, now)
                return window_series(values, self._session_labels, range(lo, end), assets)
            group = self._group(assets)
            values = np.ascontiguousarray(sessions(fields)[:, group.positions].T)
            values = self._adjusted_group(fields, group, values, rows, now, by_column=True)
            return window_frame(values, self._session_labels, range(lo, end), group.labels)
        return self._assemble(
            assets, fields, field_list, sessions, self._session_labels, (start, end), (rows, now)
        )

    def _check_start(self, start: int, bar_count: int, frequency: str, *, by_session: bool) -> None:
        """Raise :class:`HistoryWindowStartsBeforeData` for a window whose first bar is row
        (``by_session``: session) ``start`` when that lies before the first session with data
        and the source has nothing earlier (see the class)."""
        earliest = self._arrays.earliest_bar
        if earliest <= 0:  # nothing loaded yet, or bars from the first row: may go further back
            return
        first_session = int(self._session_of_bar[earliest])
        if by_session:
            floor, fits = first_session, first_session + bar_count - 1
        else:
            floor = int(self._session_starts[first_session])
            # The first session whose first bar has bar_count bars of data behind it.
            fits = int(np.searchsorted(self._session_starts[:-1], floor + bar_count - 1))
        if start >= floor:
            return
        labels = self._session_labels
        advice = (
            f"start the backtest on or after {labels[fits].date()}"
            if fits < len(labels)
            else "start the backtest later or ask for fewer bars"
        )
        raise HistoryWindowStartsBeforeData(
            f"history window of {bar_count} bars ({frequency}) extends before "
            f"{labels[first_session].date()}, the first session with data; {advice}"
        )

    def _assemble(
        self,
        assets: Asset | Sequence[Asset],
        fields: str | Sequence[str],
        field_list: list[str],
        rows_of: Callable[[str], np.ndarray],
        labels: pd.DatetimeIndex,
        span: tuple[int, int],
        seen: tuple[Rows, int],
    ) -> pd.Series | pd.DataFrame:
        """A history result from ``rows_of(field)``: every asset's bars ``max(start, 0)`` to
        ``end`` (exclusive; ``span``), labelled by ``labels``; bars before the first are NaN,
        labelled NaT. ``seen`` is the timeline rows those bars were read from and the bar
        as of which they are adjusted."""
        start, end = span
        rows, now = seen
        lo = max(start, 0)
        pad = lo - start
        index = labels[lo:end]
        if pad:
            index = pd.DatetimeIndex([pd.NaT] * pad, dtype=labels.dtype).append(index)

        def window(field: str, columns: int | _AssetGroup) -> np.ndarray:
            if isinstance(columns, _AssetGroup):
                values = rows_of(field)[:, columns.positions]  # a copy of its own
                values = self._adjusted_group(field, columns, values, rows, now, by_column=False)
            else:
                values = self._adjusted(field, columns, rows_of(field)[:, columns], rows, now)
            if pad:
                filler = np.full((pad, *values.shape[1:]), np.nan)
                values = np.concatenate([filler, values])
            return values

        if isinstance(assets, Asset):
            column = self._column(assets)
            if isinstance(fields, str):
                return pd.Series(window(fields, column), index=index, name=assets, copy=True)
            return pd.DataFrame({f: window(f, column) for f in field_list}, index=index, copy=True)
        group = self._group(assets)
        asset_index = group.labels
        if isinstance(fields, str):
            return pd.DataFrame(window(fields, group), index=index, columns=asset_index)
        stacked = {f: window(f, group).reshape(-1) for f in field_list}
        multi = pd.MultiIndex.from_product([index, asset_index])
        return pd.DataFrame(stacked, index=multi)

    def _window(
        self, assets: Asset | Sequence[Asset], field: str, start: int, end: int
    ) -> pd.Series | pd.DataFrame:
        """Bars ``start:end`` of ``field`` as a pending pandas object (see
        :mod:`rustybt.history_window`): a Series for one asset, a frame for a list."""
        labels, rows = self._labels, range(start, end)
        if isinstance(assets, Asset):
            column, data, sums = self._run(field, assets)
            raw = values = data[start:end]
            if self._growing:
                values = values.copy()
            values = self._adjusted(field, column, values, rows, end - 1)
            # Sums are of the stored data: not for a copy (live) nor an adjusted window.
            return window_series(values, labels, rows, assets, sums if values is raw else None)
        group = self._group(assets)
        if self._growing:
            raw = values = np.ascontiguousarray(
                self._arrays.fields[field][start:end, group.positions].T
            )
        else:
            raw = values = self._by_column(group, field)[:, start:end]
        if self._adjustments is not None:
            values = self._adjusted_group(field, group, values, rows, end - 1, by_column=True)
        sums = group.sums.get(field) if values is raw and not self._growing else None
        return window_frame(values, labels, rows, group.labels, sums)

    def _by_column(self, group: _AssetGroup, field: str) -> np.ndarray:
        """The whole run's ``field`` of ``group``'s assets, one contiguous row per asset
        (the layout pandas reduces in), kept for the run."""
        by_column = group.by_field.get(field)
        if by_column is None:
            by_column = np.ascontiguousarray(self._arrays.fields[field][:, group.positions].T)
            by_column.flags.writeable = False  # windows are views of it
            group.by_field[field] = by_column
            group.sums[field] = window_sums(by_column)
        return by_column

    def _run(self, field: str, asset: Asset) -> _AssetRun:
        """``asset``'s array column, its ``field`` over the whole run and the window sums of
        that (None for a live feed's, whose rows are still being written), made on first use
        and again after the arrays change (an asset joined); a :class:`StrategyError` for an
        asset without data in this run."""
        if self._runs_version != self._arrays.version:
            self._forget_runs()
        run = self._runs.get((field, asset))
        if run is None:
            column = self._column(asset)
            data = self._arrays.fields[field][:, column]
            sums = None if self._growing else window_sums(data)
            run = self._runs[(field, asset)] = (column, data, sums)
        return run

    def _forget_runs(self) -> None:
        self._runs.clear()
        self._runs_version = self._arrays.version

    def _adjusted(
        self, field: str, column: int, values: np.ndarray, rows: Rows, now: int
    ) -> np.ndarray:
        """``values``, one asset's window of ``field`` read from timeline rows ``rows``, as
        of bar ``now``: the same array unless a split or dividend falls inside the window,
        then an adjusted copy."""
        adjustments = self._adjustments
        if adjustments is None or not len(rows):
            return values
        return adjustments.series(field, column, values, rows, now)

    def _adjusted_group(
        self,
        field: str,
        group: _AssetGroup,
        values: np.ndarray,
        rows: Rows,
        now: int,
        *,
        by_column: bool,
    ) -> np.ndarray:
        """``values``, a window of ``field`` of ``group``'s assets (one row per asset when
        ``by_column``, else one column) read from timeline rows ``rows``, as of bar ``now``:
        the same array unless a split or dividend falls inside the window, then an adjusted
        copy."""
        adjustments = self._adjustments
        if adjustments is None or not len(rows):
            return values
        cached = group.adjustments
        if field in cached:
            these = cached[field]
        else:
            these = cached[field] = adjustments.group(field, group.positions.tolist())
        if these is None or not these.affects(int(rows[0]), now):
            return values
        adjusted = np.array(values, dtype=np.float64)
        these.apply(adjusted, rows, now, by_column=by_column)
        return adjusted

    def can_trade(self, assets: Asset | Sequence[Asset]):
        """As zipline's: True for an asset alive in the current session (between the
        sessions of its first and last bars) that has a price (has traded by now)."""
        if isinstance(assets, Asset):
            return bool(self._can_trade(self._column(assets)))
        columns, index = self._columns(assets)
        return pd.Series(self._can_trade(columns), index=index, dtype=bool)

    def is_stale(self, assets: Asset | Sequence[Asset]):
        """As zipline's: True for an asset alive in the current session that has traded
        before but has no volume in the current bar."""
        if isinstance(assets, Asset):
            return bool(self._stale(self._column(assets)))
        columns, index = self._columns(assets)
        return pd.Series(self._stale(columns), index=index, dtype=bool)

    # Each of these takes one column (giving a numpy bool) or an array of them.

    def _can_trade(self, columns: Any) -> Any:
        bar = self._bar
        first = self._arrays.first_bar[columns]
        return (first >= 0) & (first <= bar) & self._alive(columns)

    def _stale(self, columns: Any) -> Any:
        bar = self._bar
        if bar < 0:
            return np.zeros(np.shape(columns), dtype=bool)
        traded_before = self._last_traded_rows()[bar, columns] >= 0
        quiet = ~(self._arrays.fields["volume"][bar, columns] > 0)
        return traded_before & quiet & self._alive(columns)

    def _alive(self, columns: Any) -> Any:
        """Whether the current session (before the open: the one about to open) is at or
        before the session of each asset's last bar (an asset's first bar is checked by the
        callers)."""
        last = self._arrays.last_bar[columns]
        return (last >= 0) & (self._now_session_index() <= self._session_of_bar[last])

    def _now_session_index(self) -> int:
        """The index in the run's sessions of the current session (before the open: the
        one about to open)."""
        if self._session_ns != self._now_session_ns:
            self._now_session = int(np.searchsorted(self._sessions_ns, self._session_ns))
            self._now_session_ns = self._session_ns
        return self._now_session
