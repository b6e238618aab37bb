"""The benchmark a run is measured against, as daily returns: one per session of the run.

As in zipline-reloaded, the benchmark is the asset set with ``set_benchmark`` when there is
one, else the ``benchmark_returns`` series given to ``run_algorithm`` (a session it does not
list has a return of 0), else no benchmark at all: zero returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.data.bar_arrays import BarArrays
from rustybt.errors import ConfigError


def daily_returns(series: Any) -> pd.Series:
    """``series``, a ``benchmark_returns`` argument, checked and keyed by date: float returns
    indexed by tz-naive midnight dates, NaN read as 0.

    The index may be tz-naive (zipline's session labels) or tz-aware (converted to UTC
    first), at midnight or any other time of day; each entry counts for its date.

    Raises:
        ConfigError: ``series`` is not a pandas Series indexed by a DatetimeIndex, holds
            something other than numbers, or gives one date more than one return.
    """
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise ConfigError(
            "benchmark_returns must be a pandas Series of daily returns indexed by date "
            f"(a DatetimeIndex), got {type(series).__name__}"
        )
    try:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ConfigError(
            f"benchmark_returns holds values that are not numbers (dtype {series.dtype}): "
            "pass the benchmark's daily returns as floats"
        ) from None
    index = series.index
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    dates = index.normalize()
    if dates.has_duplicates:
        twice = dates[dates.duplicated()][0].date()
        raise ConfigError(
            f"benchmark_returns gives {twice} more than one return: pass one per session"
        )
    return pd.Series(np.nan_to_num(values, nan=0.0), index=dates)


def returns_on_sessions(series: pd.Series | None, sessions: pd.DatetimeIndex) -> np.ndarray:
    """The returns of ``series`` (from :func:`daily_returns`) on each of ``sessions`` (UTC
    midnight labels), 0 where it has none; all 0 without a series."""
    if series is None:
        return np.zeros(len(sessions))
    dates = sessions.tz_localize(None) if sessions.tz is not None else sessions
    return series.reindex(dates, fill_value=0.0).to_numpy(dtype=np.float64)


def asset_returns(arrays: BarArrays, column: int, session_end_bars: np.ndarray) -> np.ndarray:
    """The daily returns of the asset in ``arrays``' ``column``, close to close.

    ``session_end_bars`` holds the last bar of the session before the run (-1 when the
    data has none) and then of each session of the run, so the first return is measured
    from the close before the run. An asset whose first bar falls in the run returns
    open to close on that session, as zipline computes an asset first traded on the run's
    first session, and 0 before it. Prices are closes carried over sessions without a bar.
    """
    price = arrays.fields["price"][:, column]
    prices = np.where(session_end_bars >= 0, price[session_end_bars], np.nan)
    first_bar = int(arrays.first_bar[column])
    if first_bar >= 0:
        first_session = int(np.searchsorted(session_end_bars, first_bar))
        if 0 < first_session < len(prices):
            prices[first_session - 1] = arrays.fields["open"][first_bar, column]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = prices[1:] / prices[:-1] - 1.0
    return np.where(np.isfinite(returns), returns, 0.0)
