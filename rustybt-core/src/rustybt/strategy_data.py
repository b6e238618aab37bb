"""``data`` as a strategy sees it once it has fetched CSV columns (``fetch_csv``) or restricted
assets (``set_asset_restrictions``): the run's :class:`~rustybt.bar_data.BarData`, whose
``current`` also answers fetched columns and whose ``can_trade`` is False for an asset
restricted now, as in zipline. Everything else is the bars' own answer.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.bar_data import CURRENT_FIELDS, BarData
from rustybt.errors import StrategyError
from rustybt.fetcher import FetchedColumns
from rustybt.finance.asset_restrictions import Restrictions


class StrategyData:
    """The bars of ``bars``, with the columns of ``fetched`` and the ``restrictions``."""

    def __init__(
        self, bars: BarData, fetched: FetchedColumns, restrictions: Restrictions | None
    ) -> None:
        self._bars = bars
        self._fetched = fetched
        self._restrictions = restrictions

    @property
    def bars(self) -> BarData:
        """The run's bars this view extends."""
        return self._bars

    @property
    def current_dt(self) -> pd.Timestamp:
        """The algorithm's current time (UTC)."""
        return self._bars.current_dt

    @property
    def current_session(self) -> pd.Timestamp:
        """The label of the current session: its date, tz-naive, as zipline gives it."""
        return self._bars.current_session

    def current(self, assets: Hashable | Sequence[Hashable], fields: str | Sequence[str]):
        """As :meth:`BarData.current`, where a key is an asset or the ``symbol=`` name of a
        fetched series, and a field a bar field or a fetched column. An asset's bar fields
        come from its bars; a fetched column is NaN for a key it has no row of yet."""
        single_key = isinstance(assets, Asset | str)
        keys: list[Hashable] = [assets] if single_key else list(assets)
        single_field = isinstance(fields, str)
        field_list = [fields] if single_field else list(fields)
        for field in field_list:
            if field not in CURRENT_FIELDS and not self._fetched.has(field):
                known = [*sorted(CURRENT_FIELDS), *self._fetched.columns]
                raise StrategyError(
                    f"unknown field {field!r}; use a bar field or a fetched column: "
                    f"{', '.join(known)}"
                )
        if all(f in CURRENT_FIELDS for f in field_list) and all(isinstance(k, Asset) for k in keys):
            return self._bars.current(assets, fields)
        now_ns = self._bars.current_dt.value

        def value(key: Hashable, field: str) -> Any:
            if isinstance(key, Asset) and field in CURRENT_FIELDS:
                return self._bars.current(key, field)
            return self._fetched.value(key, field, now_ns)

        if single_key and single_field:
            return value(assets, fields)
        if single_key:
            return pd.Series({f: value(assets, f) for f in field_list}, index=field_list)
        index = pd.Index(keys, dtype=object)
        if single_field:
            return pd.Series([value(k, fields) for k in keys], index=index)
        return pd.DataFrame({f: [value(k, f) for k in keys] for f in field_list}, index=index)

    def history(
        self,
        assets: Asset | Sequence[Asset],
        fields: str | Sequence[str],
        bar_count: int,
        frequency: str,
    ):
        """The bars' :meth:`BarData.history` (fetched columns have no history)."""
        return self._bars.history(assets, fields, bar_count, frequency)

    def can_trade(self, assets: Asset | Sequence[Asset]):
        """:meth:`BarData.can_trade`, and False for an asset restricted now."""
        tradable = self._bars.can_trade(assets)
        if self._restrictions is None:
            return tradable
        now = self._bars.current_dt
        restricted = self._restrictions.is_restricted
        if isinstance(assets, Asset):
            return tradable and not restricted(assets, now)
        allowed = np.array([not restricted(a, now) for a in tradable.index], dtype=bool)
        return tradable & allowed

    def is_stale(self, assets: Asset | Sequence[Asset]):
        """The bars' :meth:`BarData.is_stale`."""
        return self._bars.is_stale(assets)
