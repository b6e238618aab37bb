"""pandas objects for ``data.history`` that build their pandas state only when it is needed.

A strategy calls ``data.history`` on every bar and usually does little with the result: takes
the last n bars, a mean, a comparison. Building a pandas object costs more than all of that.
:class:`WindowSeries` and :class:`WindowFrame` are real ``pandas.Series`` and
``pandas.DataFrame`` subclasses (``isinstance`` holds and every pandas method works), created
*pending* around a numpy window of the run's data. While pending, a few hot operations are
answered from the window with pandas' own arithmetic (so results are bit-identical):

- positional slices ``w[-20:]``, ``w.iloc[a:b]``, single positions ``w.iloc[-1]``, ``len(w)``;
- ``mean``, ``sum``, ``min``, ``max``, ``std`` and ``var`` with default arguments when the
  window holds no NaN (a frame reduces per column);
- a frame's column ``frame[asset]``;
- a Series' comparisons (``>``, ``>=``, ``<``, ``<=``) with a number or a window of the same
  index, ``items()`` and iteration.

Any other use first runs the ordinary pandas constructor on the object, with a copy of the
window (so a strategy that modifies its result never touches the run's data); from then on the
object is an ordinary pandas object. Results of pandas operations are plain pandas objects.

This module is the only place that leans on pandas internals (objects created without their
constructor, ``_constructor`` properties, ``NDFrame.__getattr__``). :func:`window_series` and
:func:`window_frame` are what the rest of RustyBT calls: they make pending windows when
:func:`pending_windows_work` confirms, once per process, that this pandas behaves as the
pending windows expect, and otherwise plain pandas objects built through the public API
(:func:`plain_series`, :func:`plain_frame`), which give the same values, only slower.
"""

from __future__ import annotations

import functools
import io
import operator
import pickle
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np
import pandas as pd

# Pending state lives in the instance __dict__ under these names; pandas' own attributes
# (_mgr, _name, ...) are absent until the constructor runs, so any pandas code path reaches
# __getattr__, which builds the object first.
_VALUES = "_window_values"
_INDEX = "_window_index"
_ROWS = "_window_rows"
_NAME = "_window_name"
_COLUMNS = "_window_columns"
_BUILDING = "_window_building"
_PENDING_KEYS = (_VALUES, _INDEX, _ROWS, _NAME, _COLUMNS, _BUILDING)

_COMPARISONS = {
    "__gt__": operator.gt,
    "__ge__": operator.ge,
    "__lt__": operator.lt,
    "__le__": operator.le,
}

_BOUND_TYPES = frozenset({int, type(None)})
_new = object.__new__


def _positional_slice(key: object) -> bool:
    """True for ``[a:b]`` with integer (or omitted) bounds and no step."""
    return (
        type(key) is slice
        and key.step is None
        and type(key.start) in _BOUND_TYPES
        and type(key.stop) in _BOUND_TYPES
    )


def _row_index(state: dict[str, Any]) -> pd.Index:
    """The pending window's row labels: ``index[rows]``, or ``index`` when rows is None."""
    index, rows = state[_INDEX], state[_ROWS]
    return index if rows is None else index[rows.start : rows.stop]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _pending(window: pd.Series | pd.DataFrame) -> bool:
    return _VALUES in window.__dict__


_add = np.add.reduce


def _frame_mean(values: np.ndarray) -> Any:
    return _add(values, axis=1) / values.shape[1]


def _sample_std(values: np.ndarray, axis: int | None = None) -> Any:
    return values.std(axis=axis, ddof=1)


def _sample_var(values: np.ndarray, axis: int | None = None) -> Any:
    return values.var(axis=axis, ddof=1)


# Reductions computed as pandas computes them for float data without NaN (one pairwise sum,
# then a division by the count for the mean), so results are identical; with the fewest
# values each needs (pandas answers NaN below that). A Series' mean is _series_mean.
_SERIES_REDUCTIONS: dict[str, tuple[Callable[[np.ndarray], Any], int]] = {
    "sum": (_add, 1),
    "min": (np.minimum.reduce, 1),
    "max": (np.maximum.reduce, 1),
    "std": (_sample_std, 2),
    "var": (_sample_var, 2),
}
_FRAME_REDUCTIONS: dict[str, tuple[Callable[[np.ndarray], Any], int]] = {
    "mean": (_frame_mean, 1),
    "sum": (functools.partial(_add, axis=1), 1),
    "min": (functools.partial(np.minimum.reduce, axis=1), 1),
    "max": (functools.partial(np.maximum.reduce, axis=1), 1),
    "std": (functools.partial(_sample_std, axis=1), 2),
    "var": (functools.partial(_sample_var, axis=1), 2),
}


def _series_reduction(name: str) -> Callable[..., Any]:
    """``WindowSeries.<name>``: computed from the window while pending, with default
    arguments and no NaN (NaN is left to pandas' ``skipna`` rules); otherwise pandas'."""
    compute, least = _SERIES_REDUCTIONS[name]
    plain = getattr(pd.Series, name)

    def reduction(self: WindowSeries, *args: Any, **kwargs: Any) -> Any:
        values = self.__dict__.get(_VALUES)
        if values is not None and not args and not kwargs and len(values) >= least:
            result = compute(values)
            if result == result:
                return result
        return plain(self, *args, **kwargs)

    reduction.__name__ = name
    reduction.__doc__ = f"pandas' ``Series.{name}``."
    return reduction


def _series_mean(self: WindowSeries, *args: Any, **kwargs: Any) -> Any:
    """pandas' ``Series.mean``: the window's sum divided by its length while pending (the
    most used reduction, so without the general one's lookups)."""
    values = self.__dict__.get(_VALUES)
    if values is not None and not args and not kwargs and len(values):
        result = _add(values) / len(values)
        if result == result:
            return result
    return pd.Series.mean(self, *args, **kwargs)


def _frame_reduction(name: str) -> Callable[..., Any]:
    """``WindowFrame.<name>`` per column: from the window while pending, with default
    arguments and no NaN; the result is a pending :class:`WindowSeries` by column."""
    compute, least = _FRAME_REDUCTIONS[name]
    plain = getattr(pd.DataFrame, name)

    def reduction(self: WindowFrame, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        values = state.get(_VALUES)
        if values is not None and not args and not kwargs and values.shape[1] >= least:
            result = compute(values)
            if not np.isnan(result).any():
                return WindowSeries.pending(result, state[_COLUMNS])
        return plain(self, *args, **kwargs)

    reduction.__name__ = name
    reduction.__doc__ = f"pandas' ``DataFrame.{name}`` (per column)."
    return reduction


class _Pending:
    """What both window classes share: building pandas state on first need, ``.iloc``
    that stays cheap while pending, and pickling as the plain pandas class. Each class names
    its plain pandas class in ``_plain`` and runs its constructor in ``_construct(state)``."""

    _plain: type

    def _build(self) -> None:
        state = self.__dict__
        state[_BUILDING] = True
        self._construct(state)
        for key in _PENDING_KEYS:
            state.pop(key, None)

    def __getattr__(self, name: str) -> Any:
        state = self.__dict__
        if _VALUES in state and not state.get(_BUILDING):
            self._build()
            return getattr(self, name)
        return self._plain.__getattr__(self, name)

    def __reduce__(self) -> Any:
        """Pickle as the plain pandas class (journals store strategy variables)."""
        if _pending(self):
            self._build()
        return self._plain(self, copy=True).__reduce__()

    @property
    def iloc(self) -> Any:
        """pandas' ``iloc``; cheap for positional slices (and single positions of a
        Series) while pending."""
        if _pending(self):
            return _PendingILoc(self)
        return self._plain.iloc.fget(self)


class WindowSeries(_Pending, pd.Series):
    """A ``pandas.Series`` over a window of bars whose pandas state is built on first use."""

    _plain = pd.Series

    @classmethod
    def pending(
        cls,
        values: np.ndarray,
        index: pd.Index,
        rows: range | None = None,
        name: Hashable = None,
    ) -> WindowSeries:
        """A pending Series of ``values`` (not copied: the caller must not change them while
        the Series is pending) labelled by ``index[rows.start:rows.stop]`` (all of ``index``
        when ``rows`` is None)."""
        window = _new(cls)
        state = window.__dict__  # item by item: quicker than building a dict to update with
        state[_VALUES] = values
        state[_INDEX] = index
        state[_ROWS] = rows
        state[_NAME] = name
        return window

    @property
    def _constructor(self) -> type[pd.Series]:
        return pd.Series

    @property
    def _constructor_expanddim(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _construct(self, state: dict[str, Any]) -> None:
        index = _row_index(state)
        pd.Series.__init__(self, state[_VALUES], index=index, name=state[_NAME], copy=True)

    def __len__(self) -> int:
        if _pending(self):
            return len(self.__dict__[_VALUES])
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowSeries:
        state = self.__dict__
        values, rows = state[_VALUES], state[_ROWS]
        return WindowSeries.pending(
            values[key],
            state[_INDEX],
            (range(len(values)) if rows is None else rows)[key],
            state[_NAME],
        )

    def __getitem__(self, key: Any) -> Any:
        if _VALUES in self.__dict__:
            if (
                type(key) is slice
                and key.step is None
                and type(key.start) in _BOUND_TYPES
                and type(key.stop) in _BOUND_TYPES
            ):
                return self._slice_pending(key)
            self._build()
        return super().__getitem__(key)

    def _iloc_pending(self, key: object) -> Any:
        values = self.__dict__[_VALUES]
        if _positional_slice(key):
            return self._slice_pending(key)
        if type(key) is int and -len(values) <= key < len(values):
            return values[key]
        return None

    mean = _series_mean
    sum = _series_reduction("sum")
    min = _series_reduction("min")
    max = _series_reduction("max")
    std = _series_reduction("std")
    var = _series_reduction("var")

    def _compare(self, other: Any, method: str) -> Any:
        if _pending(self):
            state = self.__dict__
            values, name = state[_VALUES], state[_NAME]
            index, rows = state[_INDEX], state[_ROWS]
            if _is_number(other):
                return WindowSeries.pending(_COMPARISONS[method](values, other), index, rows, name)
            if isinstance(other, WindowSeries) and _pending(other):
                theirs = other.__dict__
                if theirs[_INDEX] is index and theirs[_ROWS] == rows:
                    result = _COMPARISONS[method](values, theirs[_VALUES])
                    same = _same_name(name, theirs[_NAME])
                    return WindowSeries.pending(result, index, rows, name if same else None)
        return getattr(super(), method)(other)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, "__gt__")

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, "__ge__")

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, "__lt__")

    def __le__(self, other: Any) -> Any:
        return self._compare(other, "__le__")

    def __iter__(self) -> Iterator[Any]:
        if _pending(self):
            return iter(self.__dict__[_VALUES].tolist())
        return super().__iter__()

    def items(self) -> Iterator[tuple[Hashable, Any]]:
        """pandas' ``Series.items``: (label, value) pairs."""
        if _pending(self):
            state = self.__dict__
            return zip(_row_index(state).tolist(), state[_VALUES].tolist(), strict=True)
        return super().items()


def _same_name(left: Hashable, right: Hashable) -> bool:
    try:
        return bool(left == right)
    except (TypeError, ValueError):
        return left is right


class WindowFrame(_Pending, pd.DataFrame):
    """A ``pandas.DataFrame`` (bars × assets) whose pandas state is built on first use.

    Pending, it holds its values transposed (one contiguous row per column), the layout
    pandas itself uses, so column reductions add up in the same order as pandas'.
    """

    _plain = pd.DataFrame

    @classmethod
    def pending(
        cls, values_by_column: np.ndarray, index: pd.Index, rows: range, columns: pd.Index
    ) -> WindowFrame:
        """A pending frame whose column ``j`` is ``values_by_column[j]`` (not copied),
        labelled by ``index[rows.start:rows.stop]`` and ``columns``."""
        window = object.__new__(cls)
        window.__dict__.update(
            {_VALUES: values_by_column, _INDEX: index, _ROWS: rows, _COLUMNS: columns}
        )
        return window

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @property
    def _constructor_sliced(self) -> type[pd.Series]:
        return pd.Series

    def _construct(self, state: dict[str, Any]) -> None:
        values, index, columns = state[_VALUES], _row_index(state), state[_COLUMNS]
        pd.DataFrame.__init__(self, values.T, index=index, columns=columns, copy=True)

    def __len__(self) -> int:
        if _pending(self):
            return self.__dict__[_VALUES].shape[1]
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowFrame:
        state = self.__dict__
        return WindowFrame.pending(
            state[_VALUES][:, key], state[_INDEX], state[_ROWS][key], state[_COLUMNS]
        )

    def __getitem__(self, key: Any) -> Any:
        if _pending(self):
            state = self.__dict__
            column = _column_position(state[_COLUMNS], key)
            if column is not None:
                values, index, rows = state[_VALUES], state[_INDEX], state[_ROWS]
                return WindowSeries.pending(values[column], index, rows, key)
            self._build()
        return super().__getitem__(key)

    def _iloc_pending(self, key: object) -> Any:
        return self._slice_pending(key) if _positional_slice(key) else None

    mean = _frame_reduction("mean")
    sum = _frame_reduction("sum")
    min = _frame_reduction("min")
    max = _frame_reduction("max")
    std = _frame_reduction("std")
    var = _frame_reduction("var")


def _column_position(columns: pd.Index, key: Any) -> int | None:
    """The position of column label ``key``, or None when pandas must decide."""
    try:
        position = columns.get_loc(key)
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        return None
    return position if type(position) is int else None


class _PendingILoc:
    """``.iloc`` of a pending window: the cheap cases, else pandas' indexer after a build."""

    def __init__(self, window: WindowSeries | WindowFrame) -> None:
        self._window = window

    def _real(self) -> Any:
        window = self._window
        if _pending(window):
            window._build()
        return window.iloc

    def __getitem__(self, key: object) -> Any:
        window = self._window
        if _pending(window):
            result = window._iloc_pending(key)
            if result is not None:
                return result
        return self._real()[key]

    def __setitem__(self, key: object, value: object) -> None:
        self._real()[key] = value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def plain_series(
    values: np.ndarray, index: pd.Index, rows: range | None = None, name: Hashable = None
) -> pd.Series:
    """What :meth:`WindowSeries.pending` stands for, as an ordinary ``pandas.Series``
    (public API only; ``values`` copied)."""
    labels = index if rows is None else index[rows.start : rows.stop]
    return pd.Series(values, index=labels, name=name, copy=True)


def plain_frame(
    values_by_column: np.ndarray, index: pd.Index, rows: range, columns: pd.Index
) -> pd.DataFrame:
    """What :meth:`WindowFrame.pending` stands for, as an ordinary ``pandas.DataFrame``
    (public API only; values copied)."""
    labels = index[rows.start : rows.stop]
    return pd.DataFrame(values_by_column.T, index=labels, columns=columns, copy=True)


def pending_windows_work() -> bool:
    """True when pending windows behave on this pandas exactly as plain pandas objects do:
    built lazily, equal after every fast operation and after a build, still instances of the
    pandas classes, and pickled as them. A pandas release that changes the internals this
    module leans on makes it False (and the test suite fail), never a wrong number."""
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    by_column = np.ascontiguousarray(np.stack([values, values[::-1]]))
    index = pd.date_range("2024-01-01", periods=10, tz="UTC")
    rows, columns = range(1, 9), pd.Index(["a", "b"])
    try:
        fast = WindowSeries.pending(values, index, rows, "a")
        plain = plain_series(values, index, rows, "a")
        fast_frame = WindowFrame.pending(by_column, index, rows, columns)
        plain_frame_ = plain_frame(by_column, index, rows, columns)
        checks = (
            isinstance(fast, pd.Series) and isinstance(fast_frame, pd.DataFrame),
            fast[-3:].mean() == plain[-3:].mean(),
            fast.iloc[-1] == plain.iloc[-1],
            list(fast > 2.0) == list(plain > 2.0),
            fast_frame["b"].sum() == plain_frame_["b"].sum(),
            fast_frame.mean().equals(plain_frame_.mean()),
            (fast + 1).equals(plain + 1),
            fast_frame.rolling(2).mean().equals(plain_frame_.rolling(2).mean()),
            type(pd.read_pickle(io.BytesIO(pickle.dumps(fast)))) is pd.Series,
        )
    except Exception:  # any failure of the internals means: use the public API
        return False
    return all(bool(check) for check in checks)


_PENDING_WORKS = pending_windows_work()
window_series = WindowSeries.pending if _PENDING_WORKS else plain_series
"""A history window of one asset: pending when this pandas supports it, else plain."""
window_frame = WindowFrame.pending if _PENDING_WORKS else plain_frame
"""A history window of several assets: pending when this pandas supports it, else plain."""
