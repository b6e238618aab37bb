"""The loader protocol: how a pipeline gets a dataset's columns.

A loader returns, for each column asked for, a :class:`LoadedColumn`: the raw values on the
pipeline's sessions (one row per session, one column per asset; the row of session D holds
what was known before D opened) and the as-of adjustments that windows over them apply
(see :mod:`rustybt.pipeline.windows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.pipeline.windows import Adjustment


@attrs.frozen(eq=False)
class LoadedColumn:
    """One column's values (``(len(dates), len(assets))``, the column's dtype, its missing
    value where there is no data) and ``adjustments``: by row k, the (asset column, ratio)
    multiplying rows 0..k of that column in every window ending at row k or later."""

    values: np.ndarray
    adjustments: Mapping[int, Sequence[Adjustment]] = attrs.field(factory=dict)

    def tail(self, rows: int) -> LoadedColumn:
        """The last ``rows`` rows, with the adjustments that still touch them."""
        offset = len(self.values) - rows
        if offset == 0:
            return self
        return LoadedColumn(
            values=self.values[offset:],
            adjustments={k - offset: v for k, v in self.adjustments.items() if k >= offset},
        )


class PipelineLoader(Protocol):
    """Loads columns of datasets for a pipeline."""

    def load(
        self, columns: Sequence[Any], dates: pd.DatetimeIndex, assets: Sequence[Asset]
    ) -> dict[Any, LoadedColumn]:
        """The values of ``columns`` (BoundColumns) on the pipeline sessions ``dates``
        (tz-naive labels) for ``assets`` (in the order given)."""
        ...


def missing_filled(column: Any, shape: tuple[int, int]) -> np.ndarray:
    """An array of ``shape`` holding ``column``'s missing value, of its dtype."""
    return np.full(shape, column.missing_value, dtype=column.dtype)


def asset_keys(assets: Sequence[Asset]) -> dict[Any, int]:
    """Each way a frame may name an asset — the Asset, its sid, its symbol — mapped to its
    position in ``assets``."""
    keys: dict[Any, int] = {}
    for position, asset in enumerate(assets):
        keys[asset] = position
        keys[asset.symbol] = position
        if asset.sid is not None:
            keys[int(asset.sid)] = position
    return keys
