"""Custom datasets from Parquet or CSV files of any daily field (fundamentals, sentiment...).

The file is in long format, one row per (date, symbol)::

    date,symbol,pe_ratio,sentiment
    2020-01-02,AAPL,24.1,0.3
    2020-01-02,MSFT,30.5,-0.1

``date`` is the day the values became known (a date, or a timestamp whose UTC date is
used); ``symbol`` names the asset; every other column is a field, matched by name to the
dataset's columns. The value of pipeline session D is the latest row dated strictly
before D — known before D opens, as EquityPricing's bar of the previous session is — and
it stays the value until a newer row (``max_staleness`` sessions at most, when given).
Symbols the pipeline does not know are ignored; assets without rows get the column's
missing value.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import DataError
from rustybt.pipeline.loaders.base import LoadedColumn, missing_filled


class FilesLoader:
    """Loads a dataset's columns from one Parquet (``.parquet``) or CSV file (any other
    suffix) in the long format of the module doc. ``max_staleness``: after how many
    sessions without a newer row a value counts as missing (None: never)."""

    def __init__(self, path: str | Path, *, max_staleness: int | None = None) -> None:
        self.path = Path(path)
        self.max_staleness = max_staleness
        self._frame: pd.DataFrame | None = None

    def frame(self) -> pd.DataFrame:
        """The file's rows (``date`` as tz-naive days, sorted by symbol and date), read once."""
        if self._frame is None:
            self._frame = self._read()
        return self._frame

    def _read(self) -> pd.DataFrame:
        if not self.path.exists():
            raise DataError(f"dataset file {self.path} does not exist; check the path")
        try:
            if self.path.suffix.lower() == ".parquet":
                frame = pd.read_parquet(self.path)
            else:
                frame = pd.read_csv(self.path)
        except (OSError, ValueError) as exc:
            raise DataError(f"dataset file {self.path} cannot be read: {exc}") from None
        missing = [c for c in ("date", "symbol") if c not in frame.columns]
        if missing:
            raise DataError(
                f"dataset file {self.path} lacks the column(s) {', '.join(missing)}; it needs "
                "date, symbol and one column per field"
            )
        stamps = pd.to_datetime(frame["date"], utc=True, errors="coerce", format="mixed")
        if stamps.isna().any():
            bad = frame["date"][stamps.isna()].iloc[0]
            raise DataError(f"dataset file {self.path}: date {bad!r} is not a date; use YYYY-MM-DD")
        frame = frame.assign(date=stamps.dt.tz_localize(None).dt.normalize())
        frame["symbol"] = frame["symbol"].astype(str)
        if frame.duplicated(["symbol", "date"]).any():
            row = frame[frame.duplicated(["symbol", "date"])].iloc[0]
            raise DataError(
                f"dataset file {self.path}: two rows for {row['symbol']} on "
                f"{row['date'].date()}; keep one row per date and symbol"
            )
        return frame.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)

    def load(
        self, columns: Sequence[Any], dates: pd.DatetimeIndex, assets: Sequence[Asset]
    ) -> dict[Any, LoadedColumn]:
        """The as-of values of ``columns`` on ``dates`` for ``assets``."""
        frame = self.frame()
        for column in columns:
            if column.name not in frame.columns:
                fields = [c for c in frame.columns if c not in ("date", "symbol")]
                raise DataError(
                    f"dataset file {self.path} has no column {column.name!r} for "
                    f"{column.qualname} (has: {', '.join(fields) or 'none'})"
                )
        positions = {asset.symbol: i for i, asset in enumerate(assets)}
        out = {c: missing_filled(c, (len(dates), len(assets))) for c in columns}
        labels = dates.as_unit("ns").asi8
        for symbol, rows in frame.groupby("symbol", sort=False):
            column_index = positions.get(str(symbol))
            if column_index is None:
                continue
            stamps = rows["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
            # The latest row dated before each session.
            source_rows = np.searchsorted(stamps, labels, side="left") - 1
            known = source_rows >= 0
            if self.max_staleness is not None:
                session_of_row = np.searchsorted(labels, stamps)
                age = np.arange(len(labels)) - session_of_row[np.maximum(source_rows, 0)]
                known &= age <= self.max_staleness
            for column in columns:
                values = rows[column.name].to_numpy()
                picked = values[np.maximum(source_rows, 0)]
                if column.dtype.kind != "f":
                    picked = np.where(pd.isna(picked), column.missing_value, picked)
                target = out[column]
                try:
                    converted = picked[known].astype(column.dtype)
                except (TypeError, ValueError):
                    raise DataError(
                        f"dataset file {self.path}: column {column.name!r} of {symbol} does "
                        f"not hold {column.dtype} values"
                    ) from None
                target[known, column_index] = converted
        return {column: LoadedColumn(values=out[column]) for column in columns}
