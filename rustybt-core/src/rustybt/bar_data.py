"""``data``: the strategy's window on market data at the current bar (Zipline's BarData)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bar_arrays import BarArrays
from rustybt.errors import StrategyError

FIELDS = frozenset({"open", "high", "low", "close", "volume", "price"})


def _check_fields(fields: Iterable[str]) -> None:
    for field in fields:
        if field not in FIELDS:
            raise StrategyError(f"unknown field {field!r}; use one of {', '.join(sorted(FIELDS))}")


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
        self._columns_cache: dict[tuple[Asset, ...], tuple[np.ndarray, pd.Index]] = {}
        self._full_history: dict[tuple[object, str], pd.Series | pd.DataFrame] = {}
        # A live feed writes bars as they arrive, so whole-run slices cannot be cached.
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
        key = tuple(assets)
        cached = self._columns_cache.get(key)
        if cached is None:
            cached = (
                np.array([self._column(a) for a in key], dtype=np.int64),
                pd.Index(key, dtype=object),
            )
            self._columns_cache[key] = cached
        return cached

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
        single_field = isinstance(fields, str)
        field_list = [fields] if single_field else list(fields)
        _check_fields(field_list)
        end = self._bar + 1
        start = end - bar_count
        if start >= 0 and not self._growing and (single_field or isinstance(assets, Asset)):
            # Slices of a whole-run Series/DataFrame built once: pandas' copy-on-write
            # keeps a strategy that modifies its slice from touching the shared data.
            if isinstance(assets, Asset):
                if single_field:
                    return self._full(assets, fields).iloc[start:end]
                return pd.DataFrame({f: self._full(assets, f).iloc[start:end] for f in field_list})
            return self._full(tuple(assets), fields).iloc[start:end]
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

    def _full(self, assets: Asset | tuple[Asset, ...], field: str) -> pd.Series | pd.DataFrame:
        """The whole run's ``field`` for one asset (a Series) or several (a DataFrame)."""
        key = (assets, field)
        full = self._full_history.get(key)
        if full is None:
            timeline = self._arrays.timeline
            if isinstance(assets, Asset):
                values = self._arrays.fields[field][:, self._column(assets)]
                full = pd.Series(values, index=timeline, name=assets, copy=True)
            else:
                columns, index = self._columns(assets)
                full = pd.DataFrame(
                    self._arrays.fields[field][:, columns], index=timeline, columns=index
                )
            self._full_history[key] = full
        return full

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
