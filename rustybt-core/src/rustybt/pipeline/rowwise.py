"""Cross-sectional computations on one session's row of values: ranks, demeaning, z-scores,
winsorizing, maxima and percentiles, per group of a classifier, as zipline computes them.

Each function takes (sessions x assets) arrays and works on whole rows with numpy; a group
is computed with the other groups' entries set to NaN.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator

import numpy as np


def rank_rows_ordinal(data: np.ndarray) -> np.ndarray:
    """1-based ordinal ranks of each row, ties by column order, NaN last."""
    order = np.argsort(data, axis=1, kind="mergesort")
    ranks = np.empty(data.shape, dtype=np.float64)
    rows = np.arange(data.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, data.shape[1] + 1, dtype=np.float64)
    return ranks


def rank_rows(data: np.ndarray, method: str) -> np.ndarray:
    """Ranks of each row by ``method`` (``ordinal``, ``average``, ``min``, ``max``,
    ``dense``; scipy's rankdata). A row holding a NaN ranks all NaN for every method but
    ordinal, as zipline's scipy ``rankdata`` gives it."""
    if method == "ordinal":
        return rank_rows_ordinal(data)
    result = np.full(data.shape, np.nan)
    if data.shape[1] == 0:
        return result
    complete = ~np.isnan(data).any(axis=1)
    if not complete.any():
        return result
    rows = data[complete]
    order = np.argsort(rows, axis=1, kind="mergesort")
    ordered = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    if method == "dense":
        ranks_sorted = np.cumsum(starts, axis=1).astype(np.float64)
    else:
        positions = np.broadcast_to(np.arange(1, ordered.shape[1] + 1), ordered.shape)
        first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
        ends = np.ones(ordered.shape, dtype=bool)
        ends[:, :-1] = starts[:, 1:]
        last_rev = np.where(ends, positions, ordered.shape[1] + 1)[:, ::-1]
        last = np.minimum.accumulate(last_rev, axis=1)[:, ::-1]
        if method == "min":
            ranks_sorted = first.astype(np.float64)
        elif method == "max":
            ranks_sorted = last.astype(np.float64)
        else:
            ranks_sorted = (first + last) / 2.0
    ranks = np.empty(rows.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    result[complete] = ranks
    return result


def masked_rank(data: np.ndarray, mask: np.ndarray, method: str, ascending: bool) -> np.ndarray:
    """zipline's Rank: ranks among the entries ``mask`` holds that are not NaN; NaN
    elsewhere."""
    usable = mask & ~np.isnan(data)
    if method == "ordinal":
        return _usable_ordinal_ranks(data, usable, ascending)
    values = np.where(usable, data if ascending else -data, np.nan)
    result = rank_rows(values, method)
    result[~usable] = np.nan
    return result


def _usable_ordinal_ranks(data: np.ndarray, usable: np.ndarray, ascending: bool) -> np.ndarray:
    """The ordinal ranks of the ``usable`` entries of each row among themselves (ties by
    column order), NaN elsewhere: :func:`rank_rows_ordinal`'s, from numpy's quickest sort
    (not a stable one) with the order of equal values put right afterwards."""
    width = data.shape[1]
    keys = _sort_keys(data, usable, ascending)
    order = np.argsort(keys, axis=1)
    ordered = np.take_along_axis(keys, order, axis=1)
    equal = ordered[:, 1:] == ordered[:, :-1]
    rows = np.flatnonzero(equal.any(axis=1))
    if len(rows):
        # Equal keys whose order matters: two usable values, or a usable infinity next to
        # the unusable entries (keyed infinite too), which must stay after it.
        usable_ordered = np.take_along_axis(usable[rows], order[rows], axis=1)
        tied = equal[rows] & (usable_ordered[:, 1:] | usable_ordered[:, :-1])
        picked = tied.any(axis=1)
        rows, equal, usable_ordered = rows[picked], equal[rows[picked]], usable_ordered[picked]
    if len(rows):
        # Sort each such row again by (group of equal keys, unusable, column).
        group = np.ones((len(rows), width), dtype=np.int64)
        group[:, 1:] = ~equal
        np.cumsum(group, axis=1, out=group)
        composite = (group * 2 + ~usable_ordered) * width + order[rows]
        order[rows] = np.take_along_axis(order[rows], np.argsort(composite, axis=1), axis=1)
    ranks = np.empty(data.shape)
    positions = np.broadcast_to(np.arange(1.0, width + 1.0), data.shape)
    np.put_along_axis(ranks, order, positions, axis=1)
    np.copyto(ranks, np.nan, where=~usable)
    return ranks


def first_ordinal(data: np.ndarray, mask: np.ndarray, count: int, ascending: bool) -> np.ndarray:
    """Where ``masked_rank(data, mask, "ordinal", ascending) <= count`` (zipline's
    ``top``/``bottom``): the ``count`` first usable entries of each row in value order,
    equal values in column order, found from each row's ``count``-th value (one sort of
    the values, no ranking)."""
    usable = mask & ~np.isnan(data)
    if count >= data.shape[1]:
        return usable
    keys = _sort_keys(data, usable, ascending)
    last = np.sort(keys, axis=1)[:, count - 1 : count]
    chosen = keys < last
    tied = (keys == last) & usable
    room = count - chosen.sum(axis=1)
    crowded = np.flatnonzero(tied.sum(axis=1) > room)
    if len(crowded):
        # More values equal to the last one than places left: the first columns win.
        tied[crowded] &= np.cumsum(tied[crowded], axis=1) <= room[crowded, None]
    chosen |= tied
    return chosen


def _sort_keys(data: np.ndarray, usable: np.ndarray, ascending: bool) -> np.ndarray:
    """Float keys ordering each row as the ranks do: the values (negated when descending,
    so -0.0 and 0.0 stay equal), infinity where not usable."""
    keys = np.array(data, dtype=np.float64) if ascending else np.negative(data, dtype=np.float64)
    np.copyto(keys, np.inf, where=~usable)
    return keys


def demean(data: np.ndarray) -> np.ndarray:
    """Each row minus its mean (NaN ignored)."""
    with np.errstate(all="ignore"), _quiet():
        return data - np.nanmean(data, axis=1, keepdims=True)


def zscore(data: np.ndarray) -> np.ndarray:
    """Each row minus its mean, over its standard deviation (NaN ignored, ddof 0)."""
    with np.errstate(all="ignore"), _quiet():
        mean = np.nanmean(data, axis=1, keepdims=True)
        std = np.nanstd(data, axis=1, keepdims=True)
        return (data - mean) / std


def ranker(method: str, ascending: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Rows ranked with scipy's rankdata semantics (a NaN in a row makes it all NaN)."""

    def rank(data: np.ndarray) -> np.ndarray:
        values = data if ascending else -data
        if method == "ordinal":
            result = rank_rows_ordinal(values)
            result[np.isnan(values).any(axis=1)] = np.nan
            return result
        return rank_rows(values, method)

    return rank


def winsorizer(low: float, high: float) -> Callable[[np.ndarray], np.ndarray]:
    """Rows winsorized as zipline does: values below the ``low`` quantile's entry set to
    it, above the ``high`` one's to it, NaN kept."""

    def winsorize(data: np.ndarray) -> np.ndarray:
        out = np.array(data, copy=True)
        for row in range(data.shape[0]):
            out[row] = _winsorize_row(data[row], low, high)
        return out

    return winsorize


def _winsorize_row(row: np.ndarray, low: float, high: float) -> np.ndarray:
    out = row.copy()
    nan_count = int(np.isnan(row).sum())
    present = out.size - nan_count
    order = out.argsort()
    if low > 0:
        lower = int(low * present)
        out[order[:lower]] = out[order[lower]]
    if high < 1:
        upper = math.ceil(present * high)
        if upper < present:
            stop = -nan_count if nan_count else None
            out[order[upper:stop]] = out[order[upper - 1]]
    return out


def grouped_apply(
    data: np.ndarray,
    labels: np.ndarray,
    null_label: object,
    function: Callable[[np.ndarray], np.ndarray],
    rowwise_groups: bool,
) -> np.ndarray:
    """``function`` applied to each group of each row (``labels`` gives each entry's group),
    other groups' entries hidden as NaN; entries labelled ``null_label`` come back NaN.

    ``rowwise_groups``: the function needs a group's entries alone (ranks: a NaN would
    spoil the group), so each (row, group) is computed separately."""
    out = np.full(data.shape, np.nan)
    groups = [g for g in np.unique(labels) if g != null_label]
    for group in groups:
        members = labels == group
        if not rowwise_groups:
            hidden = np.where(members, data, np.nan)
            out[members] = function(hidden)[members]
            continue
        for row in np.flatnonzero(members.any(axis=1)):
            columns = members[row]
            out[row, columns] = function(data[row, columns][None, :])[0]
    return out


def maximal(data: np.ndarray, labels: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """True at the first greatest usable value of each group of each row (values compared
    by their int64 bit patterns, as zipline's top(1) compares them)."""
    bits = np.ascontiguousarray(data, dtype=np.float64).view(np.int64)
    out = np.zeros(data.shape, dtype=bool)
    for row in range(data.shape[0]):
        best: dict[object, int] = {}
        for column in np.flatnonzero(usable[row]):
            group = labels[row, column]
            current = best.get(group)
            if current is None or bits[row, column] > bits[row, current]:
                best[group] = int(column)
        out[row, list(best.values())] = True
    return out


def percentile_between(data: np.ndarray, mask: np.ndarray, low: float, high: float) -> np.ndarray:
    """True where a value lies between the row's ``low`` and ``high`` percentiles (0-100)
    of the values ``mask`` holds."""
    values = np.array(data, dtype=np.float64, copy=True)
    values[~mask] = np.nan
    with np.errstate(all="ignore"), _quiet():
        lower = np.nanpercentile(values, low, axis=1, keepdims=True)
        upper = np.nanpercentile(values, high, axis=1, keepdims=True)
    result: np.ndarray = (lower <= values) & (values <= upper)
    return result


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # An all-NaN row's mean is NaN by design; numpy's warning about it is noise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
