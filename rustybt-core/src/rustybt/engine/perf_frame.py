"""The results frame of a run, as zipline-reloaded's ``run_algorithm`` returns it: one row
per session, indexed by the session's close (UTC), with zipline's columns.

The ledger's columns (:meth:`rustybt.engine.records.SessionRecords.columns`) arrive
computed; this module derives the rest from them: the start-of-session figures, exposures
and leverage, the running returns of strategy and benchmark, zipline's cumulative risk
metrics (:mod:`rustybt.engine.cumulative_risk`) and its bookkeeping columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rustybt.engine.cumulative_risk import cumulative_risk_metrics

FIRST_MINUTE = pd.Timedelta(minutes=1)
DETAIL_COLUMNS = ("positions", "transactions", "orders", "actions")
"""The columns of lists of dicts (one list per session), left out of a frame of figures."""


def _previous(values: np.ndarray, first: float) -> np.ndarray:
    """``values`` one session later: ``first``, then each but the last."""
    return np.concatenate(([first], values[:-1]))


def _month_labels(sessions: pd.DatetimeIndex) -> np.ndarray:
    """Each session's ``YYYY-MM`` (``sessions`` in order), written once per month."""
    months = sessions.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    starts = np.flatnonzero(np.concatenate(([True], months[1:] != months[:-1])))
    labels = np.datetime_as_string(months[starts], unit="M").astype(object)
    return np.repeat(labels, np.diff(np.append(starts, len(months))))


def perf_frame(
    columns: Mapping[str, np.ndarray],
    recorded: Mapping[str, np.ndarray],
    *,
    sessions: pd.DatetimeIndex,
    opens: pd.DatetimeIndex,
    closes: pd.DatetimeIndex,
    starting_cash: float,
    benchmark_returns: np.ndarray,
) -> pd.DataFrame:
    """The results frame of a run's ``sessions`` (UTC midnight labels) opening at ``opens``
    and closing at ``closes``.

    ``columns`` are the ledger's (``portfolio_value``, ``returns``, ``pnl``, ``cash``,
    ``starting_cash``, ``positions_value``, ``capital_used``, ``long_value``,
    ``short_value``, ``longs_count``, ``shorts_count``, and :data:`DETAIL_COLUMNS`:
    ``positions``, ``transactions``, ``orders``, ``actions``, each left out of the frame
    when not given); ``recorded`` the
    strategy's recorded variables, which follow the other columns (one named like a column
    replaces it); ``starting_cash`` the run's capital; ``benchmark_returns`` the benchmark's daily
    returns, one per session.

    As zipline's, the frame is indexed by each session's close (UTC, unnamed) and adds:
    ``period_open`` (the session's first minute, labelled by its end as zipline labels
    minutes) and ``period_close``; ``ending_cash`` (``starting_cash`` as given: the
    previous session's cash and any dividend paid at the session's start),
    ``starting_value``/``ending_value`` (positions) and
    ``starting_exposure``/``ending_exposure`` at the previous and this session's close;
    ``long_exposure``/``short_exposure`` (the long and short values: every asset is valued
    at its full price); ``gross_leverage`` (long minus short over the portfolio value),
    ``net_leverage`` (their sum over it; both infinite at a value of 0) and
    ``max_leverage`` (the highest gross leverage so far, from 0);
    ``algorithm_period_return`` (value over starting cash, minus 1); the cumulative risk
    metrics with ``benchmark_period_return``; ``treasury_period_return`` and
    ``excess_return`` (0.0, as zipline keeps them); ``period_label`` (``YYYY-MM``) and
    ``trading_days`` (1, 2, …). ``actions`` (after ``orders``; zipline has no such column)
    lists the splits applied and the dividends paid at each session's start.
    """
    value = columns["portfolio_value"]
    positions_value = columns["positions_value"]
    cash = columns["cash"]
    long_value, short_value = columns["long_value"], columns["short_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        gross_leverage = np.where(value == 0, np.inf, (long_value - short_value) / value)
        net_leverage = np.where(value == 0, np.inf, positions_value / value)
    data = {
        "period_open": opens + FIRST_MINUTE,
        "period_close": closes,
        **{
            name: columns[name]
            for name in ("portfolio_value", "returns", "pnl", "cash", "positions_value")
        },
        "capital_used": columns["capital_used"],
        "starting_cash": columns["starting_cash"],
        "ending_cash": cash.copy(),
        "starting_value": _previous(positions_value, 0.0),
        "ending_value": positions_value.copy(),
        "starting_exposure": _previous(positions_value, 0.0),
        "ending_exposure": positions_value.copy(),
        "long_value": long_value,
        "short_value": short_value,
        "long_exposure": long_value.copy(),
        "short_exposure": short_value.copy(),
        "longs_count": columns["longs_count"],
        "shorts_count": columns["shorts_count"],
        "gross_leverage": gross_leverage,
        "net_leverage": net_leverage,
        "max_leverage": np.maximum.accumulate(np.maximum(gross_leverage, 0.0)),
        **{name: columns[name] for name in DETAIL_COLUMNS if name in columns},
        "algorithm_period_return": value / starting_cash - 1.0,
        **cumulative_risk_metrics(columns["returns"], benchmark_returns),
        "treasury_period_return": np.zeros(len(value)),
        "excess_return": np.zeros(len(value)),
        "period_label": _month_labels(sessions),
        "trading_days": np.arange(1, len(value) + 1, dtype=np.int64),
        **recorded,
    }
    # Every array is the frame's own (the copies above), so it need not copy them again.
    return pd.DataFrame(data, index=pd.DatetimeIndex(closes).rename(None), copy=False)
