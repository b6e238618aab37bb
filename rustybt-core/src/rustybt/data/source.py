"""The data source protocol that every plugin's source satisfies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs
import pandas as pd

from rustybt.errors import DataError


@attrs.frozen(kw_only=True)
class SourceCapabilities:
    """What a data source can deliver.

    ``max_history`` maps a frequency to how far back the source reaches (``None``: no
    limit the source knows of). ``network`` is True when bars come over the network: a
    backtest then reads them through the bar store (:mod:`rustybt.data.store`), which asks
    the source only for the date ranges it has not stored yet. Local sources (``sample``,
    ``files``) leave it False and are read directly.
    """

    asset_classes: tuple[str, ...]
    frequencies: tuple[str, ...]
    max_history: dict[str, pd.Timedelta | None] = attrs.field(factory=dict)
    network: bool = False


class NoBarsError(DataError):
    """The symbol exists but the requested range holds no bars (a weekend, a holiday).

    Sources raise it instead of returning an empty frame; the bar store then records the
    range as covered, while any other :class:`DataError` is passed on to the user.
    """


@runtime_checkable
class DataSource(Protocol):
    """A source of OHLCV bars in the canonical schema (:data:`rustybt.data.BAR_SCHEMA`)."""

    name: str
    capabilities: SourceCapabilities

    def fetch_bars(
        self,
        symbols: Sequence[str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` inclusive (UTC), validated.

        Rows are sorted by symbol, then timestamp. Raises :class:`rustybt.errors.DataError`
        for an unknown symbol, an unsupported frequency, or a range with no bars at all.
        """
        ...

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The most recent complete bar of each symbol, one row per symbol."""
        ...


# A source may also define ``has_symbol(symbol) -> bool`` (and a ``symbols`` list) when it
# can tell cheaply which symbols it holds; engines then reject unknown symbols at the
# strategy's ``symbol()`` call instead of at the first data load.
