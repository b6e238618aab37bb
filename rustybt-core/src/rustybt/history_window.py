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
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np
import pandas as pd

IndexFactory = Callable[[], pd.Index]
"""Builds a window's row index when (and only if) pandas state is needed."""

# Pending state lives in the instance __dict__ under these names; pandas' own attributes
# (_mgr, _name, ...) are absent until the constructor runs, so any pandas code path reaches
# __getattr__, which builds the object first.
_VALUES = "_window_values"
_INDEX = "_window_index"
_NAME = "_window_name"
_COLUMNS = "_window_columns"
_BUILDING = "_window_building"
_PENDING_KEYS = (_VALUES, _INDEX, _NAME, _COLUMNS, _BUILDING)

_COMPARISONS = {
    "__gt__": operator.gt,
    "__ge__": operator.ge,
    "__lt__": operator.lt,
    "__le__": operator.le,
}


def sliced_index(index: pd.Index | IndexFactory, positions: slice) -> IndexFactory:
    """A factory for ``index[positions]``, built on demand."""

    def build() -> pd.Index:
        return _resolve(index)[positions]

    return build


def _resolve(index: pd.Index | IndexFactory) -> pd.Index:
    return index if isinstance(index, pd.Index) else index()


def _positional_slice(key: object) -> bool:
    """True for ``[a:b]`` with integer (or omitted) bounds and no step."""
    return (
        type(key) is slice
        and key.step is None
        and (key.start is None or type(key.start) is int)
        and (key.stop is None or type(key.stop) is int)
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _pending(window: pd.Series | pd.DataFrame) -> bool:
    return _VALUES in window.__dict__


def _build_on_access(window: Any, name: str, plain: type) -> Any:
    """``__getattr__`` of both window classes: build, then look ``name`` up again."""
    state = window.__dict__
    if _VALUES in state and not state.get(_BUILDING):
        window._build()
        return getattr(window, name)
    return plain.__getattr__(window, name)


def _mean(values: np.ndarray, axis: int | None = None) -> Any:
    return np.add.reduce(values, axis=axis) / values.shape[-1]


def _std(values: np.ndarray, axis: int | None = None) -> Any:
    return values.std(axis=axis, ddof=1)


def _var(values: np.ndarray, axis: int | None = None) -> Any:
    return values.var(axis=axis, ddof=1)


_REDUCTIONS: dict[str, Callable[..., Any]] = {
    "mean": _mean,
    "sum": np.add.reduce,
    "min": np.minimum.reduce,
    "max": np.maximum.reduce,
    "std": _std,
    "var": _var,
}
"""Reductions computed as pandas computes them for float data without NaN (a sum, then a
division by the count for the mean; the same addition order), so results are identical."""

_LEAST_COUNT = {"std": 2, "var": 2}


class WindowSeries(pd.Series):
    """A ``pandas.Series`` over a window of bars whose pandas state is built on first use."""

    @classmethod
    def pending(
        cls, values: np.ndarray, index: pd.Index | IndexFactory, name: Hashable = None
    ) -> WindowSeries:
        """A pending Series of ``values`` (not copied: the caller must not change them while
        the Series is pending) on ``index`` or the index a factory builds."""
        window = object.__new__(cls)
        state = window.__dict__
        state[_VALUES] = values
        state[_INDEX] = index
        state[_NAME] = name
        return window

    @property
    def _constructor(self) -> type[pd.Series]:
        return pd.Series

    @property
    def _constructor_expanddim(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _build(self) -> None:
        state = self.__dict__
        state[_BUILDING] = True
        values, index, name = state[_VALUES], _resolve(state[_INDEX]), state[_NAME]
        pd.Series.__init__(self, values, index=index, name=name, copy=True)
        for key in _PENDING_KEYS:
            state.pop(key, None)

    def __getattr__(self, name: str) -> Any:
        return _build_on_access(self, name, pd.Series)

    def __reduce__(self) -> Any:
        """Pickle as a plain Series (journals store strategy variables)."""
        if _pending(self):
            self._build()
        return pd.Series(self, copy=True).__reduce__()

    def __len__(self) -> int:
        if _pending(self):
            return len(self.__dict__[_VALUES])
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowSeries:
        state = self.__dict__
        return WindowSeries.pending(
            state[_VALUES][key], sliced_index(state[_INDEX], key), state[_NAME]
        )

    def __getitem__(self, key: Any) -> Any:
        if _pending(self):
            if _positional_slice(key):
                return self._slice_pending(key)
            self._build()
        return super().__getitem__(key)

    @property
    def iloc(self) -> Any:  # type: ignore[override]
        """pandas' ``iloc``; cheap for slices and single positions while pending."""
        if _pending(self):
            return _PendingILoc(self)
        return pd.Series.iloc.fget(self)

    def _iloc_pending(self, key: object) -> Any:
        values = self.__dict__[_VALUES]
        if _positional_slice(key):
            return self._slice_pending(key)
        if type(key) is int and -len(values) <= key < len(values):
            return values[key]
        return None

    def _reduce_pending(self, reduction: str, args: tuple, kwargs: dict) -> Any:
        if not args and not kwargs and _VALUES in self.__dict__:
            values = self.__dict__[_VALUES]
            if len(values) >= _LEAST_COUNT.get(reduction, 1):
                result = _REDUCTIONS[reduction](values)
                if result == result:  # NaN is left to pandas' skipna rules
                    return result
        return getattr(super(), reduction)(*args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.mean``."""
        return self._reduce_pending("mean", args, kwargs)

    def sum(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.sum``."""
        return self._reduce_pending("sum", args, kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.min``."""
        return self._reduce_pending("min", args, kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.max``."""
        return self._reduce_pending("max", args, kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.std`` (sample standard deviation, ``ddof=1``)."""
        return self._reduce_pending("std", args, kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``Series.var`` (sample variance, ``ddof=1``)."""
        return self._reduce_pending("var", args, kwargs)

    def _compare(self, other: Any, method: str) -> Any:
        if _pending(self):
            state = self.__dict__
            values, name = state[_VALUES], state[_NAME]
            if _is_number(other):
                return WindowSeries.pending(
                    _COMPARISONS[method](values, other), state[_INDEX], name
                )
            if (
                isinstance(other, WindowSeries)
                and _pending(other)
                and other.__dict__[_INDEX] is state[_INDEX]
            ):
                other_name = other.__dict__[_NAME]
                result = _COMPARISONS[method](values, other.__dict__[_VALUES])
                return WindowSeries.pending(
                    result, state[_INDEX], name if _same_name(name, other_name) else None
                )
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
            return zip(_resolve(state[_INDEX]), state[_VALUES].tolist(), strict=True)
        return super().items()


def _same_name(left: Hashable, right: Hashable) -> bool:
    try:
        return bool(left == right)
    except (TypeError, ValueError):
        return left is right


class WindowFrame(pd.DataFrame):
    """A ``pandas.DataFrame`` (bars × assets) whose pandas state is built on first use.

    Pending, it holds its values transposed (one contiguous row per column), the layout
    pandas itself uses, so column reductions add up in the same order as pandas'.
    """

    @classmethod
    def pending(
        cls, values_by_column: np.ndarray, index: pd.Index | IndexFactory, columns: pd.Index
    ) -> WindowFrame:
        """A pending frame whose column ``j`` is ``values_by_column[j]`` (not copied)."""
        window = object.__new__(cls)
        state = window.__dict__
        state[_VALUES] = values_by_column
        state[_INDEX] = index
        state[_COLUMNS] = columns
        return window

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @property
    def _constructor_sliced(self) -> type[pd.Series]:
        return pd.Series

    def _build(self) -> None:
        state = self.__dict__
        state[_BUILDING] = True
        values, index, columns = state[_VALUES], _resolve(state[_INDEX]), state[_COLUMNS]
        pd.DataFrame.__init__(self, values.T, index=index, columns=columns, copy=True)
        for key in _PENDING_KEYS:
            state.pop(key, None)

    def __getattr__(self, name: str) -> Any:
        return _build_on_access(self, name, pd.DataFrame)

    def __reduce__(self) -> Any:
        """Pickle as a plain DataFrame (journals store strategy variables)."""
        if _pending(self):
            self._build()
        return pd.DataFrame(self, copy=True).__reduce__()

    def __len__(self) -> int:
        if _pending(self):
            return self.__dict__[_VALUES].shape[1]
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowFrame:
        state = self.__dict__
        return WindowFrame.pending(
            state[_VALUES][:, key], sliced_index(state[_INDEX], key), state[_COLUMNS]
        )

    def __getitem__(self, key: Any) -> Any:
        if _pending(self):
            state = self.__dict__
            column = _column_position(state[_COLUMNS], key)
            if column is not None:
                return WindowSeries.pending(state[_VALUES][column], state[_INDEX], key)
            self._build()
        return super().__getitem__(key)

    @property
    def iloc(self) -> Any:  # type: ignore[override]
        """pandas' ``iloc``; cheap for row slices while pending."""
        if _pending(self):
            return _PendingILoc(self)
        return pd.DataFrame.iloc.fget(self)

    def _iloc_pending(self, key: object) -> Any:
        return self._slice_pending(key) if _positional_slice(key) else None

    def _reduce_pending(self, reduction: str, args: tuple, kwargs: dict) -> Any:
        if not args and not kwargs and _VALUES in self.__dict__:
            state = self.__dict__
            values = state[_VALUES]
            if values.shape[1] >= _LEAST_COUNT.get(reduction, 1):
                result = _REDUCTIONS[reduction](values, axis=1)
                if not np.isnan(result).any():  # NaN is left to pandas' skipna rules
                    return WindowSeries.pending(result, state[_COLUMNS])
        return getattr(super(), reduction)(*args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.mean`` (per column by default)."""
        return self._reduce_pending("mean", args, kwargs)

    def sum(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.sum``."""
        return self._reduce_pending("sum", args, kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.min``."""
        return self._reduce_pending("min", args, kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.max``."""
        return self._reduce_pending("max", args, kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.std`` (``ddof=1``)."""
        return self._reduce_pending("std", args, kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``DataFrame.var`` (``ddof=1``)."""
        return self._reduce_pending("var", args, kwargs)


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
