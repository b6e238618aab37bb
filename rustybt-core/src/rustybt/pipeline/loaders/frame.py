"""zipline's DataFrameLoader: a custom dataset column from an in-memory frame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import StrategyError
from rustybt.pipeline.loaders.base import LoadedColumn, asset_keys, missing_filled


class DataFrameLoader:
    """Values of one ``column`` from ``baseline``, a frame indexed by session date with one
    column per asset (named by sid, symbol or Asset). As zipline's, the value of session D
    is the frame's row dated D (no shift: date the rows by when they are known); sessions
    or assets absent from the frame get the column's missing value. ``adjustments`` are
    not supported (zipline's are rarely used); pass None."""

    def __init__(self, column: Any, baseline: pd.DataFrame, adjustments: Any = None) -> None:
        if adjustments is not None:
            raise StrategyError(
                "DataFrameLoader: adjustments are not supported; adjust the baseline frame"
            )
        if not isinstance(baseline, pd.DataFrame):
            raise StrategyError(
                f"DataFrameLoader: baseline must be a DataFrame (dates x assets), not "
                f"{type(baseline).__name__}"
            )
        index = pd.DatetimeIndex(baseline.index)
        if index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        self.column = column
        self.baseline = baseline
        self._dates = index.normalize()
        self._values = baseline.to_numpy()

    def load(
        self, columns: Sequence[Any], dates: pd.DatetimeIndex, assets: Sequence[Asset]
    ) -> dict[Any, LoadedColumn]:
        """The baseline's rows for ``dates`` and columns for ``assets``."""
        for column in columns:
            if column is not self.column:
                raise StrategyError(
                    f"DataFrameLoader for {self.column!r} was asked for {column!r}; give each "
                    "column its own loader"
                )
        column = self.column
        out = missing_filled(column, (len(dates), len(assets)))
        rows = self._dates.get_indexer(dates)
        keys = asset_keys(assets)
        frame_columns = np.array([keys.get(c, -1) for c in self.baseline.columns])
        good_rows = rows >= 0
        for source_position, target in enumerate(frame_columns):
            if target < 0:
                continue
            values = self._values[rows[good_rows], source_position]
            if column.dtype.kind != "f":
                # pandas may hold a missing label as NaN: make it the column's missing value.
                values = np.where(pd.isna(values), column.missing_value, values)
            out[good_rows, target] = values.astype(column.dtype)
        return {column: LoadedColumn(values=out)}
