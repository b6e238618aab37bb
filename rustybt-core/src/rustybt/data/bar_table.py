"""An in-memory table of validated bars that sources holding whole datasets select from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rustybt.data.schema import to_utc_timestamp
from rustybt.errors import DataError


class BarTable:
    """Validated bars of several symbols at one frequency, answering range queries.

    ``source_name`` is used in error messages; ``frame`` must already satisfy the bar rules.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        source_name: str,
        frequency: str,
        symbol: str | None = None,
        stamps: np.ndarray | None = None,
    ) -> None:
        """``symbol``, when given, says every row is that symbol's, and ``stamps`` are then
        its timestamps as int64 nanoseconds (each saves finding out)."""
        self.source_name = source_name
        self.frequency = frequency
        symbols = [symbol] if symbol is not None else frame["symbol"].unique()
        if len(symbols) == 1:
            self._by_symbol = {str(symbols[0]): frame.reset_index(drop=True)}
        else:
            self._by_symbol = {
                str(symbol): bars.reset_index(drop=True)
                for symbol, bars in frame.groupby("symbol", sort=True, observed=True)
            }
        if symbol is not None and stamps is not None:
            self._stamps = {symbol: stamps}
        else:
            self._stamps = {
                name: pd.DatetimeIndex(bars["timestamp"]).asi8
                for name, bars in self._by_symbol.items()
            }

    @property
    def symbols(self) -> list[str]:
        """Every symbol in the table, sorted."""
        return sorted(self._by_symbol)

    def _bars_of(self, symbol: str) -> pd.DataFrame:
        try:
            return self._by_symbol[symbol]
        except KeyError:
            available = ", ".join(self.symbols) or "no symbols"
            raise DataError(
                f"unknown symbol '{symbol}' in source '{self.source_name}' (has: {available})"
            ) from None

    def _check_frequency(self, frequency: str) -> None:
        if frequency != self.frequency:
            raise DataError(
                f"source '{self.source_name}' has {self.frequency} bars only, not {frequency}"
            )

    def select(
        self, symbols: Sequence[str], start: object, end: object, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` with ``start <= timestamp <= end``, sorted by symbol and time.

        Raises :class:`DataError` for an unknown symbol, another frequency, ``end`` before
        ``start``, or a symbol with no bars in the range.
        """
        pieces = [
            self.bars_between(symbol, start, end, frequency)
            for symbol in sorted(dict.fromkeys(symbols))
        ]
        if len(pieces) == 1:
            return pieces[0].reset_index(drop=True)
        return pd.concat(pieces, ignore_index=True)

    def bars_between(self, symbol: str, start: object, end: object, frequency: str) -> pd.DataFrame:
        """``select`` for one symbol, keeping the table's row labels: for callers that
        concatenate several tables' bars and label the rows themselves."""
        self._check_frequency(frequency)
        start, end = to_utc_timestamp(start), to_utc_timestamp(end)
        if end < start:
            raise DataError(f"end {end.date()} is before start {start.date()}")
        bars = self._bars_of(symbol)
        stamps = self._stamps[symbol]
        first = int(np.searchsorted(stamps, start.value, side="left"))
        last = int(np.searchsorted(stamps, end.value, side="right"))
        if first >= last:
            raise DataError(
                f"no bars for {symbol} in source '{self.source_name}' between "
                f"{start.date()} and {end.date()} (it has "
                f"{bars['timestamp'].iloc[0].date()} to {bars['timestamp'].iloc[-1].date()})"
            )
        return bars if (first, last) == (0, len(bars)) else bars.iloc[first:last]

    def latest(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The last bar of each of ``symbols``, one row each."""
        self._check_frequency(frequency)
        rows = [self._bars_of(symbol).iloc[[-1]] for symbol in dict.fromkeys(symbols)]
        return pd.concat(rows, ignore_index=True).sort_values("symbol", ignore_index=True)
