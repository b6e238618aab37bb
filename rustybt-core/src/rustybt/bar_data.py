"""``data``: the strategy's window on market data at the current bar (Zipline's BarData)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bar_arrays import BarArrays
from rustybt.errors import StrategyError
from rustybt.history_window import window_frame, window_series

FIELDS = frozenset({"open", "high", "low", "close", "volume", "price"})


def _check_fields(fields: Iterable[str]) -> None:
    for field in fields:
        if field not in FIELDS:
            raise StrategyError(f"unknown field {field!r}; use one of {', '.join(sorted(FIELDS))}")


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


class BarData:
    """Current values and history of the run's assets, as of the current bar.

    ``growing`` marks arrays that a live feed fills in as bars arrive.

    ``current`` and ``history`` follow Zipline: ``"price"`` is the last traded close carried
    forward; ``open``/``high``/``low``/``close`` are NaN and ``volume`` is 0 for an asset
    that did not trade in the bar. History includes the current bar.
    """

    def __init__(self, arrays: BarArrays, frequency: str, *, growing: bool = False) -> None:
        self._arrays = arrays
        self._frequency = frequency
        self._bar = -1
        self._now_ns = 0
        self._session_ns = 0
        self._groups: dict[tuple[Asset, ...], _AssetGroup] = {}
        self._groups_by_id: dict[int, tuple[tuple[Asset, ...], _AssetGroup]] = {}
        # A live feed writes bars as they arrive, so whole-run copies cannot be kept.
        self._growing = growing

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
        """The label of the current session (its date at 00:00 UTC)."""
        return pd.Timestamp(self._session_ns, tz="UTC")

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
        key = tuple(assets)
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

    def _value(self, field: str, bar: int, column: int) -> float:
        if bar < 0:
            return 0.0 if field == "volume" else float("nan")
        return float(self._arrays.fields[field][bar, column])

    def current(self, assets: Asset | Sequence[Asset], fields: str | Sequence[str]):
        """Values at the current bar: a float, a Series (by asset or by field) or a
        DataFrame (assets × fields), depending on which arguments are lists."""
        single_field = isinstance(fields, str)
        field_list = [fields] if single_field else list(fields)
        _check_fields(field_list)
        bar = self._bar
        if isinstance(assets, Asset):
            column = self._column(assets)
            if single_field:
                return self._value(fields, bar, column)
            return pd.Series({f: self._value(f, bar, column) for f in field_list}, dtype="float64")
        columns, index = self._columns(assets)
        if single_field:
            values = (
                self._arrays.fields[fields][bar, columns]
                if bar >= 0
                else np.full(len(columns), np.nan)
            )
            return pd.Series(values, index=index, dtype="float64")
        frame = {f: [self._value(f, bar, c) for c in columns] for f in field_list}
        return pd.DataFrame(frame, index=index)

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
        Bars before the first available one are NaN.
        """
        if frequency != self._frequency:
            raise StrategyError(
                f"history frequency {frequency!r} is not available in a run with "
                f"{self._frequency!r} bars; use {self._frequency!r}"
            )
        if bar_count < 1:
            raise StrategyError(f"bar_count must be at least 1, got {bar_count}")
        end = self._bar + 1
        start = end - bar_count
        single_field = isinstance(fields, str)
        if single_field and start >= 0 and fields in FIELDS:
            column = self._arrays.column.get(assets) if isinstance(assets, Asset) else None
            if column is not None and not self._growing:  # the common case, kept short
                values = self._arrays.fields[fields][start:end, column]
                return window_series(values, self._arrays.timeline, range(start, end), assets)
            return self._window(assets, fields, start, end)
        field_list = [fields] if single_field else list(fields)
        _check_fields(field_list)
        if start >= 0 and isinstance(assets, Asset):
            column = self._column(assets)
            return pd.DataFrame(
                {f: self._arrays.fields[f][start:end, column] for f in field_list},
                index=self._arrays.timeline[start:end],
                copy=True,
            )
        index = self._arrays.timeline[max(start, 0) : end]
        pad = -start if start < 0 else 0
        if pad:
            index = pd.DatetimeIndex([pd.NaT] * pad, dtype=self._arrays.timeline.dtype).append(
                index
            )

        def window(field: str, columns) -> np.ndarray:
            values = self._arrays.fields[field][max(start, 0) : end, columns]
            if pad:
                filler = np.full((pad, *values.shape[1:]), np.nan)
                values = np.concatenate([filler, values])
            return values

        if isinstance(assets, Asset):
            column = self._column(assets)
            if single_field:
                return pd.Series(window(fields, column), index=index, name=assets)
            return pd.DataFrame({f: window(f, column) for f in field_list}, index=index)
        columns, asset_index = self._columns(assets)
        if single_field:
            return pd.DataFrame(window(fields, columns), index=index, columns=asset_index)
        stacked = {f: window(f, columns).reshape(-1) for f in field_list}
        multi = pd.MultiIndex.from_product([index, asset_index])
        return pd.DataFrame(stacked, index=multi)

    def _window(
        self, assets: Asset | Sequence[Asset], field: str, start: int, end: int
    ) -> pd.Series | pd.DataFrame:
        """Bars ``start:end`` of ``field`` as a pending pandas object (see
        :mod:`rustybt.history_window`): a Series for one asset, a frame for a list."""
        timeline, rows = self._arrays.timeline, range(start, end)
        if isinstance(assets, Asset):
            column = self._arrays.column.get(assets)
            if column is None:
                column = self._column(assets)
            values = self._arrays.fields[field][start:end, column]
            if self._growing:
                values = values.copy()
            return window_series(values, timeline, rows, assets)
        if self._growing:
            positions, columns = self._columns(assets)
            values = np.ascontiguousarray(self._arrays.fields[field][start:end, positions].T)
        else:
            values, columns = self._by_column(assets, field)
            values = values[:, start:end]
        return window_frame(values, timeline, rows, columns)

    def _by_column(self, assets: Sequence[Asset], field: str) -> tuple[np.ndarray, pd.Index]:
        """The whole run's ``field`` of ``assets``, one contiguous row per asset (the layout
        pandas reduces in), kept for the run; and the column labels."""
        group = self._group(assets)
        by_column = group.by_field.get(field)
        if by_column is None:
            by_column = np.ascontiguousarray(self._arrays.fields[field][:, group.positions].T)
            group.by_field[field] = by_column
        return by_column, group.labels

    def can_trade(self, assets: Asset | Sequence[Asset]):
        """True for an asset that has started trading, not ended, and has a price."""
        if isinstance(assets, Asset):
            return bool(self._can_trade(np.array([self._column(assets)]))[0])
        columns, index = self._columns(assets)
        return pd.Series(self._can_trade(columns), index=index, dtype=bool)

    def _can_trade(self, columns: np.ndarray) -> np.ndarray:
        bar = self._bar
        arrays = self._arrays
        if bar < 0:
            return np.zeros(len(columns), dtype=bool)
        first, last = arrays.first_bar[columns], arrays.last_bar[columns]
        return (first >= 0) & (first <= bar) & (bar <= last)

    def is_stale(self, assets: Asset | Sequence[Asset]):
        """True for a tradable asset that did not trade in the current bar."""
        if isinstance(assets, Asset):
            columns = np.array([self._column(assets)])
            return bool(self._stale(columns)[0])
        columns, index = self._columns(assets)
        return pd.Series(self._stale(columns), index=index, dtype=bool)

    def _stale(self, columns: np.ndarray) -> np.ndarray:
        tradable = self._can_trade(columns)
        if self._bar < 0:
            return tradable
        return tradable & ~self._arrays.traded[self._bar, columns]
