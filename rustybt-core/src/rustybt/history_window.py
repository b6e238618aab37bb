"""pandas objects for ``data.history`` that build their pandas state only when it is needed.

A strategy calls ``data.history`` on every bar and usually does little with the result: takes
the last n bars, a mean, a comparison. Building a pandas object costs more than all of that.
:class:`WindowSeries` and :class:`WindowFrame` are real ``pandas.Series`` and
``pandas.DataFrame`` subclasses (``isinstance`` holds and every pandas method works), created
*pending* around a numpy window of the run's data. While pending, a few hot operations are
answered from the window with pandas' own arithmetic (so results are bit-identical):

- numpy's view of the values: ``np.asarray(w)``, ``np.array(w)``, ``w.values``,
  ``w.to_numpy()``, in the layout pandas gives and, as pandas does under copy-on-write, a
  read-only view unless a copy is asked for (so a strategy can never change the run's data);
- ``shape``, ``len(w)``, ``index`` and a frame's ``columns``;
- positional slices ``w[-20:]``, ``w.iloc[a:b]``, ``head(n)``, ``tail(n)``, single positions
  ``w.iloc[-1]`` (a frame's row, by asset);
- ``mean``, ``sum``, ``min``, ``max``, ``std`` and ``var`` with default arguments (or
  ``axis=0``) when the window holds no NaN (a frame reduces per column). A window of the
  run's data can come with the :class:`WindowSums` of that data: once a strategy has asked
  for windows of one length often enough, the sums of every window of that length are
  worked out at once, added up in numpy's own order, and a ``mean`` or ``sum`` is read
  from them;
- a frame's column ``frame[asset]``, and the value for one asset of a Series by asset (a
  frame's reduction or row): ``fast[asset]``;
- a Series' comparisons (``>``, ``>=``, ``<``, ``<=``) and arithmetic (``+``, ``-``, ``*``,
  ``/``) with a number or a window of the same index, ``items()`` and iteration.

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
import math
import operator
import pickle
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeGuard

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
_LOOKUP = "_window_lookup"  # a Series labelled by a frame's assets: its _LabelLookup
_SUMS = "_window_sums"  # a window of the run's data: the WindowSums of that data
_PENDING_KEYS = (_VALUES, _INDEX, _ROWS, _NAME, _COLUMNS, _LOOKUP, _SUMS)

_COMPARISONS = {
    "__gt__": operator.gt,
    "__ge__": operator.ge,
    "__lt__": operator.lt,
    "__le__": operator.le,
}
# Arithmetic as pandas does it for float data: numpy's operation, warnings silenced. The
# reflected forms (``1 / s``) take a number on the left.
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "__add__": operator.add,
    "__sub__": operator.sub,
    "__mul__": operator.mul,
    "__truediv__": operator.truediv,
    "__radd__": lambda values, other: other + values,
    "__rsub__": lambda values, other: other - values,
    "__rmul__": lambda values, other: other * values,
    "__rtruediv__": lambda values, other: other / values,
}
_FLOAT = np.dtype(np.float64)

_BOUND_TYPES = frozenset({int, type(None)})
_new = object.__new__


def _positional_slice(key: object) -> TypeGuard[slice]:
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


class _LabelLookup:
    """Where each label of a label index sits (a frame's assets, which its reductions and
    rows are labelled by), for answering ``window[label]`` as pandas does when the labels
    are unique: first by the key's identity (strategies look up the very asset objects the
    window was made of, and an identity check costs no hashing), then by equality. The
    lookup holds its labels, so no other live object has one of their ids: a key found by
    its id is that label."""

    __slots__ = ("by_identity", "by_label", "index", "labels")

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.labels = list(index)
        by_label: dict[Hashable, int] | None
        try:
            by_label = {label: k for k, label in enumerate(self.labels)}
        except TypeError:  # an unhashable label: pandas decides
            by_label = None
        if by_label is not None and len(by_label) != len(self.labels):
            by_label = None  # repeated labels: pandas answers with a Series
        self.by_label = by_label
        self.by_identity = {} if by_label is None else {id(x): k for x, k in by_label.items()}

    def position(self, key: object) -> int | None:
        """The position of label ``key``, or None when pandas must decide: an unhashable
        key, a key that is not one of the labels, or repeated labels."""
        position = self.by_identity.get(id(key))
        if position is not None:
            return position
        if self.by_label is None:
            return None
        try:
            return self.by_label.get(key)
        except TypeError:
            return None


# Found by the index's identity: history hands out the same index object for the same
# assets on every bar. Each lookup keeps its index alive, so an id is never reused for
# another index while it is here.
_LOOKUPS: dict[int, _LabelLookup] = {}
_KEPT_LOOKUPS = 64


def _label_lookup(index: pd.Index) -> _LabelLookup:
    """The label lookup of ``index``, made on first use."""
    lookup = _LOOKUPS.get(id(index))
    if lookup is None or lookup.index is not index:
        if len(_LOOKUPS) >= _KEPT_LOOKUPS:
            _LOOKUPS.clear()
        lookup = _LOOKUPS[id(index)] = _LabelLookup(index)
    return lookup


_add = np.add.reduce


def pairwise_sums(data: np.ndarray, length: int) -> np.ndarray:
    """The sum of every window of ``length`` values along the last axis of ``data``
    (``result[..., start]`` is the sum of ``data[..., start:start + length]``), each added
    up as numpy's ``add.reduce`` adds a window: pairwise, with eight running sums below
    129 values, exactly the same float operations in the same order, so the same result
    to the last bit (:func:`window_sums_match_numpy` checks this numpy does so)."""
    count = data.shape[-1] - length + 1
    if length < 8:
        total = np.zeros((*data.shape[:-1], count))
        for i in range(length):
            total += data[..., i : i + count]
        return total
    if length <= 128:
        running = [data[..., j : j + count].copy() for j in range(8)]
        whole = length - length % 8
        for i in range(8, whole, 8):
            for j in range(8):
                running[j] += data[..., i + j : i + j + count]
        first, second = running[0] + running[1], running[2] + running[3]
        third, fourth = running[4] + running[5], running[6] + running[7]
        total = (first + second) + (third + fourth)
        for i in range(whole, length):
            total += data[..., i : i + count]
        return total
    half = length // 2
    half -= half % 8
    return pairwise_sums(data, half)[..., :count] + pairwise_sums(data[..., half:], length - half)


# Costs, in vectorised additions (measured on a 2-core machine: about 1.5 ns each): a
# direct reduction of a window, and working out the sums of one length for all the data.
_REDUCTION_OVERHEAD = 400
_REDUCTION_PER_VALUE = 0.4
_SUMS_PER_VALUE_EXTRA = 16  # the eight running sums' copies and their combining
_ASKED_BEFORE_SUMMING = 3
_KEPT_LENGTHS = 8


class WindowSums:
    """The sums of the windows of one array of a run's data (one asset's bars, or one row
    per asset), by window length.

    The sums of a length are worked out once they would pay for themselves, and never when
    this numpy adds up differently (:func:`window_sums_match_numpy`): a length asked
    for three times, at a rate (asks per bar of data) that over the data still ahead adds
    up to more direct reductions than working out every sum costs. A strategy that asks on
    every bar gets them early; one that asks once a day on minute bars, or once, never
    pays for them. A length found not worth it is looked at again only once it has been
    asked for twice as often. At most a few lengths are kept.
    """

    __slots__ = ("_asked", "_data", "_first_asked", "_means", "_next_look", "_sums")

    def __init__(self, data: np.ndarray) -> None:
        self._data = data
        self._sums: dict[int, np.ndarray] = {}
        self._means: dict[int, np.ndarray] = {}
        self._asked: dict[int, int] = {}
        self._first_asked: dict[int, int] = {}
        self._next_look: dict[int, int] = {}

    def total(self, start: int, length: int) -> Any:
        """numpy's sum of ``data[..., start:start + length]`` (a float, or one per row),
        or None while the sums of this length are not worked out."""
        sums = self._sums.get(length)
        if sums is None:
            sums = self._sums_once_worth_it(start, length)
            if sums is None:
                return None
        return sums[start] if sums.ndim == 1 else sums[:, start]

    def mean(self, start: int, length: int) -> Any:
        """numpy's sum of ``data[start:start + length]`` divided by ``length`` (one-row
        data), or None while the sums of this length are not worked out. The quotients are
        divided all at once, the same division of the same two numbers as one by one."""
        means = self._means.get(length)
        if means is None:
            sums = self._sums.get(length)
            if sums is None:
                sums = self._sums_once_worth_it(start, length)
                if sums is None:
                    return None
            means = self._means[length] = sums / length
        return means[start]

    def _sums_once_worth_it(self, start: int, length: int) -> np.ndarray | None:
        first = self._first_asked.setdefault(length, start)
        asked = self._asked[length] = self._asked.get(length, 0) + 1
        if asked < self._next_look.get(length, _ASKED_BEFORE_SUMMING):
            return None
        self._next_look[length] = 2 * asked
        data = self._data
        width = data.shape[-1]
        if len(self._sums) >= _KEPT_LENGTHS or length > width:
            return None
        rows = data.size // width
        ahead = (width - length - start) * asked / max(start - first + 1, 1)
        reductions = ahead * (_REDUCTION_OVERHEAD + _REDUCTION_PER_VALUE * length * rows)
        if reductions < (length + _SUMS_PER_VALUE_EXTRA) * data.size or not _sums_work():
            return None
        sums = self._sums[length] = pairwise_sums(data, length)
        return sums


def _frame_mean(values: np.ndarray) -> Any:
    # The count as a float: the same quotient, without numpy converting an int first.
    return _add(values, axis=1) / float(values.shape[1])


def _is_dtype(requested: Any, dtype: np.dtype) -> bool:
    try:
        return np.dtype(requested) == dtype
    except TypeError:
        return False


def _read_only(values: np.ndarray) -> np.ndarray:
    view = values.view()
    view.flags.writeable = False
    return view


# The keyword arguments a reduction may be given and still be computed from the window:
# the values that mean what the defaults mean. A DataFrame's axis=None reduces both axes.
_SERIES_DEFAULTS: dict[str, tuple[object, ...]] = {
    "axis": (None, 0, "index"),
    "skipna": (True,),
    "numeric_only": (False,),
}
_FRAME_DEFAULTS = {**_SERIES_DEFAULTS, "axis": (0, "index")}


def _default_arguments(kwargs: dict[str, Any], defaults: dict[str, tuple[object, ...]]) -> bool:
    """True when every keyword argument is one that means what its default means (the same
    type too: pandas refuses ``skipna=1``, which equals True)."""
    for key, value in kwargs.items():
        allowed = defaults.get(key, ())
        if not any(type(value) is type(a) and value == a for a in allowed):
            return False
    return True


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
    "mean": (_frame_mean, 1),  # for a window with WindowSums, read from them
    "sum": (functools.partial(_add, axis=1), 1),  # likewise
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
        state = self.__dict__
        values = state.get(_VALUES)
        if (
            values is not None
            and not args
            and len(values) >= least
            and (not kwargs or _default_arguments(kwargs, _SERIES_DEFAULTS))
        ):
            result = _window_sum(state, values) if name == "sum" else compute(values)
            if result == result:
                return result
        return plain(self, *args, **kwargs)

    reduction.__name__ = name
    reduction.__doc__ = f"pandas' ``Series.{name}``."
    return reduction


def _window_sum(state: dict[str, Any], values: np.ndarray, axis: int | None = None) -> Any:
    """numpy's sum of a pending window's ``values`` (per row with ``axis=1``): read from its
    :class:`WindowSums` when they hold it, else added up."""
    sums = state.get(_SUMS)
    if sums is not None:
        total = sums.total(state[_ROWS].start, values.shape[-1])
        if total is not None:
            return total
    return _add(values, axis=axis)


def _series_mean(self: WindowSeries, *args: Any, **kwargs: Any) -> Any:
    """pandas' ``Series.mean``: the window's sum divided by its length while pending (the
    most used reduction, so without the general one's lookups)."""
    state = self.__dict__
    values = state.get(_VALUES)
    if (
        values is not None
        and not args
        and len(values)
        and (not kwargs or _default_arguments(kwargs, _SERIES_DEFAULTS))
    ):
        sums = state.get(_SUMS)
        result = None if sums is None else sums.mean(state[_ROWS].start, len(values))
        if result is None:
            result = _add(values) / len(values)
        if result == result:
            return result
    return pd.Series.mean(self, *args, **kwargs)


def _frame_reduction(name: str) -> Callable[..., Any]:
    """``WindowFrame.<name>`` per column: from the window while pending, with default
    arguments and no NaN; the result is a pending :class:`WindowSeries` by column."""
    compute, least = _FRAME_REDUCTIONS[name]
    plain = getattr(pd.DataFrame, name)
    summed = name in ("mean", "sum")

    def reduction(self: WindowFrame, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        values = state.get(_VALUES)
        if (
            values is not None
            and not args
            and values.shape[1] >= least
            and (not kwargs or _default_arguments(kwargs, _FRAME_DEFAULTS))
        ):
            if summed and _SUMS in state:
                total = _window_sum(state, values, axis=1)
                result = total / float(values.shape[1]) if name == "mean" else total.copy()
            else:
                result = compute(values)
            # The sum is NaN when any value is (and for inf beside -inf, left to pandas).
            if not math.isnan(_add(result)):
                return WindowSeries.by_label(result, state[_COLUMNS])
        return plain(self, *args, **kwargs)

    reduction.__name__ = name
    reduction.__doc__ = f"pandas' ``DataFrame.{name}`` (per column)."
    return reduction


def _set_pending(
    window: _Pending, values: np.ndarray, index: pd.Index, rows: range | None, sums: Any
) -> dict[str, Any]:
    """Make a new ``window`` pending over ``values``; its pending state, for the caller to
    add what its class keeps besides (a Series' name, a frame's columns)."""
    state = window.__dict__  # item by item: quicker than building a dict to update with
    state[_VALUES] = values
    state[_INDEX] = index
    state[_ROWS] = rows
    if sums is not None:
        state[_SUMS] = sums
    return state


class _Pending:
    """What both window classes share: building pandas state on first need, numpy's view of
    the values, ``.iloc``, ``head``, ``tail``, ``shape`` and ``index`` that stay cheap while
    pending, and pickling as the plain pandas class. Each class names its plain pandas class
    in ``_plain``, runs its constructor in ``_construct(state)``, gives its values in
    pandas' layout in ``_numpy(state)`` and slices its rows in ``_slice_pending(key)``."""

    _plain: Any

    def _build(self) -> None:
        state = self.__dict__
        # Taken out first, so the constructor sees an ordinary object under construction.
        pending = {key: state.pop(key) for key in _PENDING_KEYS if key in state}
        self._construct(pending)

    def __getattr__(self, name: str) -> Any:
        if _VALUES in self.__dict__:
            if name[:2] == "__" == name[-2:]:
                # numpy probes for __array_struct__ and __array_interface__ before
                # __array__; pandas resolves no dunder in __getattr__, so the answer is
                # the same without building.
                raise AttributeError(name)
            self._build()
            return getattr(self, name)
        return self._plain.__getattr__(self, name)

    @property
    def __array_struct__(self) -> Any:
        """numpy's fast way into a pending window: the array interface of a read-only view
        of the values (numpy asks for it before ``__array__``, and answering it spares
        looking up attributes the window does not have). A window built into pandas has
        none, as a pandas object has none."""
        state = self.__dict__
        if _VALUES not in state:
            raise AttributeError("__array_struct__")
        values = self._numpy(state)
        return (_read_only(values) if values.flags.writeable else values).__array_struct__

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """numpy's ``np.asarray(w)``/``np.array(w)``, as pandas answers it under
        copy-on-write: a read-only view of the values unless ``copy`` is True or ``dtype``
        needs a conversion (then a writeable array of their own)."""
        state = self.__dict__
        if _VALUES not in state:
            return self._plain.__array__(self, dtype, copy)
        values = self._numpy(state)
        if copy is None:
            array = np.asarray(values, dtype=dtype)
        else:
            array = np.array(values, dtype=dtype, copy=copy)
        return _read_only(array) if array is values else array

    @property
    def values(self) -> Any:
        """pandas' ``values``: a read-only view of the values."""
        state = self.__dict__
        if _VALUES in state:
            return _read_only(self._numpy(state))
        return self._plain.values.fget(self)

    def to_numpy(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """pandas' ``to_numpy``: a read-only view of the values, or with ``copy=True`` a
        writeable copy (from the window while pending, unless a dtype other than the
        values' or an na_value is given)."""
        state = self.__dict__
        if _VALUES in state and not args and kwargs.keys() <= {"copy", "dtype"}:
            dtype = kwargs.get("dtype")
            if dtype is None or _is_dtype(dtype, state[_VALUES].dtype):
                return self.__array__(None, True if kwargs.get("copy") else None)
        return self._plain.to_numpy(self, *args, **kwargs)

    @property
    def shape(self) -> tuple[int, ...]:
        """pandas' ``shape``."""
        state = self.__dict__
        if _VALUES in state:
            return self._numpy_shape(state)
        return self._plain.shape.fget(self)  # type: ignore[no-any-return]

    def _get_index(self) -> pd.Index:
        state = self.__dict__
        if _VALUES in state:
            return _row_index(state)
        return self._plain.index.__get__(self, type(self))  # type: ignore[no-any-return]

    def _set_index(self, labels: Any) -> None:
        if _pending(self):
            self._build()
        self._plain.index.__set__(self, labels)

    index = property(_get_index, _set_index, doc="pandas' ``index``: the bars' labels.")

    def head(self, n: int = 5) -> Any:
        """pandas' ``head``: the first ``n`` rows (all but the last ``-n`` when negative)."""
        if _pending(self) and type(n) is int:
            return self._slice_pending(slice(None, n))
        return self._plain.head(self, n)

    def tail(self, n: int = 5) -> Any:
        """pandas' ``tail``: the last ``n`` rows (all but the first ``-n`` when negative)."""
        if _pending(self) and type(n) is int:
            return self._slice_pending(slice(0, 0) if n == 0 else slice(-n, None))
        return self._plain.tail(self, n)

    def __reduce__(self) -> Any:
        """Pickle as the plain pandas class (journals store strategy variables)."""
        if _pending(self):
            self._build()
        return self._plain(self, copy=True).__reduce__()

    @property
    def iloc(self) -> Any:
        """pandas' ``iloc``; cheap for positional slices (and single positions of a
        Series) while pending."""
        if _VALUES in self.__dict__:
            return _PendingILoc(self)
        return self._plain.iloc.fget(self)


class WindowSeries(_Pending, pd.Series):
    """A ``pandas.Series`` over a window of bars whose pandas state is built on first use."""

    # A Series labelled by a frame's assets has one asset's value read on every bar for
    # every asset (``fast[asset] > slow[asset]``); while it is pending this slot holds its
    # label lookup's positions by identity and its values, read in one step (Python reads
    # attributes of a class with __getattr__ unspecialised) without the pending state's
    # dict. None for any other Series, and once built.
    __slots__ = ("_by_identity",)

    _plain = pd.Series

    @classmethod
    def pending(
        cls,
        values: np.ndarray,
        index: pd.Index,
        rows: range | None = None,
        name: Hashable = None,
        sums: WindowSums | None = None,
    ) -> WindowSeries:
        """A pending Series of ``values`` (not copied: the caller must not change them while
        the Series is pending) labelled by ``index[rows.start:rows.stop]`` (all of ``index``
        when ``rows`` is None). ``sums``, when given, are those of the data ``values`` are
        rows ``rows`` of."""
        window = _new(cls)
        _set_by_identity(window, None)
        _set_pending(window, values, index, rows, sums)[_NAME] = name
        return window

    @classmethod
    def by_label(cls, values: np.ndarray, labels: pd.Index, name: Hashable = None) -> WindowSeries:
        """A pending Series of ``values`` labelled by ``labels`` (a frame's assets, as its
        reductions and rows are), whose value for one label is read without building."""
        window = cls.pending(values, labels, None, name)
        window._look_up_by(_label_lookup(labels))
        return window

    def _look_up_by(self, lookup: _LabelLookup) -> None:
        self.__dict__[_LOOKUP] = lookup
        _set_by_identity(self, (lookup.by_identity, self.__dict__[_VALUES]))

    def _like(self, values: np.ndarray, name: Hashable) -> WindowSeries:
        """A pending Series of ``values`` with this one's labels."""
        state = self.__dict__
        window = WindowSeries.pending(values, state[_INDEX], state[_ROWS], name)
        lookup = state.get(_LOOKUP)
        if lookup is not None:
            window._look_up_by(lookup)
        return window

    def _build(self) -> None:
        _set_by_identity(self, None)
        super()._build()

    @property
    def _constructor(self) -> type[pd.Series]:
        return pd.Series

    @property
    def _constructor_expanddim(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _construct(self, state: dict[str, Any]) -> None:
        index = _row_index(state)
        pd.Series.__init__(self, state[_VALUES], index=index, name=state[_NAME], copy=True)

    @staticmethod
    def _numpy(state: dict[str, Any]) -> np.ndarray:
        # Contiguous, as the Series' own copy is, so numpy reduces it in the same order.
        return np.ascontiguousarray(state[_VALUES])

    @staticmethod
    def _numpy_shape(state: dict[str, Any]) -> tuple[int, ...]:
        return (len(state[_VALUES]),)

    def __len__(self) -> int:
        if _pending(self):
            return len(self.__dict__[_VALUES])
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowSeries:
        state = self.__dict__
        values, rows = state[_VALUES], state[_ROWS]
        window = _new(WindowSeries)
        _set_by_identity(window, None)
        # This window's pending state but for its values and rows (a strategy slices a
        # window on every bar, so copied at once rather than key by key); positions move,
        # so a label lookup does not carry over.
        sliced = window.__dict__
        sliced.update(state)
        sliced[_VALUES] = values[key]
        sliced[_ROWS] = (range(len(values)) if rows is None else rows)[key]
        if _LOOKUP in sliced:
            del sliced[_LOOKUP]
        return window

    def __getitem__(self, key: Any) -> Any:
        by_identity = self._by_identity
        if by_identity is not None:
            # The label lookup's identity map inline: read for each asset on every bar.
            positions, values = by_identity
            position = positions.get(id(key))
            if position is None:
                position = self.__dict__[_LOOKUP].position(key)
            if position is not None:
                return values[position]
        state = self.__dict__
        if _VALUES in state:
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
                return self._like(_COMPARISONS[method](values, other), name)
            if isinstance(other, WindowSeries) and _pending(other):
                theirs = other.__dict__
                if theirs[_INDEX] is index and theirs[_ROWS] == rows:
                    result = _COMPARISONS[method](values, theirs[_VALUES])
                    same = _same_name(name, theirs[_NAME])
                    return self._like(result, name if same else None)
        return getattr(super(), method)(other)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, "__gt__")

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, "__ge__")

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, "__lt__")

    def __le__(self, other: Any) -> Any:
        return self._compare(other, "__le__")

    def _arithmetic(self, other: Any, method: str) -> Any:
        """``self <op> other`` from the window while both are float windows over the same
        labels (or ``other`` is a number); otherwise pandas'."""
        state = self.__dict__
        values = state.get(_VALUES)
        if values is not None and values.dtype == _FLOAT:
            name, index, rows = state[_NAME], state[_INDEX], state[_ROWS]
            if _is_number(other):
                with np.errstate(all="ignore"):
                    result = _ARITHMETIC[method](values, other)
                return self._like(result, name)
            if isinstance(other, WindowSeries) and _pending(other) and method[2] != "r":
                theirs = other.__dict__
                if (
                    theirs[_INDEX] is index
                    and theirs[_ROWS] == rows
                    and theirs[_VALUES].dtype == _FLOAT
                ):
                    with np.errstate(all="ignore"):
                        result = _ARITHMETIC[method](values, theirs[_VALUES])
                    same = _same_name(name, theirs[_NAME])
                    return self._like(result, name if same else None)
        return getattr(super(), method)(other)

    def __add__(self, other: Any) -> Any:
        return self._arithmetic(other, "__add__")

    def __sub__(self, other: Any) -> Any:
        return self._arithmetic(other, "__sub__")

    def __mul__(self, other: Any) -> Any:
        return self._arithmetic(other, "__mul__")

    def __truediv__(self, other: Any) -> Any:
        return self._arithmetic(other, "__truediv__")

    def __radd__(self, other: Any) -> Any:
        return self._arithmetic(other, "__radd__")

    def __rsub__(self, other: Any) -> Any:
        return self._arithmetic(other, "__rsub__")

    def __rmul__(self, other: Any) -> Any:
        return self._arithmetic(other, "__rmul__")

    def __rtruediv__(self, other: Any) -> Any:
        return self._arithmetic(other, "__rtruediv__")

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


_set_by_identity = WindowSeries._by_identity.__set__  # type: ignore[attr-defined]


class WindowFrame(_Pending, pd.DataFrame):
    """A ``pandas.DataFrame`` (bars × assets) whose pandas state is built on first use.

    Pending, it holds its values transposed (one contiguous row per column), the layout
    pandas itself uses, so column reductions add up in the same order as pandas'.
    """

    _plain = pd.DataFrame

    @classmethod
    def pending(
        cls,
        values_by_column: np.ndarray,
        index: pd.Index,
        rows: range,
        columns: pd.Index,
        sums: WindowSums | None = None,
    ) -> WindowFrame:
        """A pending frame whose column ``j`` is ``values_by_column[j]`` (not copied),
        labelled by ``index[rows.start:rows.stop]`` and ``columns``. ``sums``, when given,
        are those of the data ``values_by_column`` are columns ``rows`` of."""
        window = _new(cls)
        _set_pending(window, values_by_column, index, rows, sums)[_COLUMNS] = columns
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

    @staticmethod
    def _numpy(state: dict[str, Any]) -> np.ndarray:
        # pandas copies the window into one C-ordered block (assets x bars) and gives its
        # transpose; the same layout makes numpy reduce in the same order.
        return np.ascontiguousarray(state[_VALUES]).T

    @staticmethod
    def _numpy_shape(state: dict[str, Any]) -> tuple[int, ...]:
        columns, bars = state[_VALUES].shape
        return (bars, columns)

    def _get_columns(self) -> pd.Index:
        state = self.__dict__
        if _VALUES in state:
            return state[_COLUMNS]  # type: ignore[no-any-return]
        return pd.DataFrame.columns.__get__(self, type(self))  # type: ignore[no-any-return]

    def _set_columns(self, labels: Any) -> None:
        if _pending(self):
            self._build()
        pd.DataFrame.columns.__set__(self, labels)

    columns = property(_get_columns, _set_columns, doc="pandas' ``columns``: the assets.")

    def __len__(self) -> int:
        if _pending(self):
            return self.__dict__[_VALUES].shape[1]
        return super().__len__()

    def _slice_pending(self, key: slice) -> WindowFrame:
        state = self.__dict__
        return WindowFrame.pending(
            state[_VALUES][:, key],
            state[_INDEX],
            state[_ROWS][key],
            state[_COLUMNS],
            state.get(_SUMS),
        )

    def __getitem__(self, key: Any) -> Any:
        if _pending(self):
            if _positional_slice(key):
                return self._slice_pending(key)
            state = self.__dict__
            column = _label_lookup(state[_COLUMNS]).position(key)
            if column is not None:
                values, index, rows = state[_VALUES], state[_INDEX], state[_ROWS]
                return WindowSeries.pending(values[column], index, rows, key)
            self._build()
        return super().__getitem__(key)

    def _iloc_pending(self, key: object) -> Any:
        if _positional_slice(key):
            return self._slice_pending(key)
        state = self.__dict__
        rows = state[_ROWS]
        if type(key) is int and -len(rows) <= key < len(rows):
            # A row by asset, named by its bar's label, as pandas gives it.
            label = state[_INDEX][rows[key]]
            return WindowSeries.by_label(state[_VALUES][:, key], state[_COLUMNS], label)
        return None

    mean = _frame_reduction("mean")
    sum = _frame_reduction("sum")
    min = _frame_reduction("min")
    max = _frame_reduction("max")
    std = _frame_reduction("std")
    var = _frame_reduction("var")


class _PendingILoc:
    """``.iloc`` of a pending window: the cheap cases, else pandas' indexer after a build."""

    __slots__ = ("_window",)

    def __init__(self, window: _Pending) -> None:
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
    values: np.ndarray,
    index: pd.Index,
    rows: range | None = None,
    name: Hashable = None,
    sums: WindowSums | None = None,
) -> pd.Series:
    """What :meth:`WindowSeries.pending` stands for, as an ordinary ``pandas.Series``
    (public API only; ``values`` copied; ``sums`` unused)."""
    labels = index if rows is None else index[rows.start : rows.stop]
    return pd.Series(values, index=labels, name=name, copy=True)


def plain_frame(
    values_by_column: np.ndarray,
    index: pd.Index,
    rows: range,
    columns: pd.Index,
    sums: WindowSums | None = None,
) -> pd.DataFrame:
    """What :meth:`WindowFrame.pending` stands for, as an ordinary ``pandas.DataFrame``
    (public API only; values copied; ``sums`` unused)."""
    labels = index[rows.start : rows.stop]
    return pd.DataFrame(values_by_column.T, index=labels, columns=columns, copy=True)


def _same_numpy(window: pd.Series | pd.DataFrame, plain: pd.Series | pd.DataFrame) -> bool:
    """Whether numpy sees a window as it sees the plain object: values, layout (which
    decides numpy's summation order) and writeability, for views and copies."""
    for ours, theirs in (
        (np.asarray(window), np.asarray(plain)),
        (np.array(window), np.array(plain)),
        (window.values, plain.values),
        (window.to_numpy(), plain.to_numpy()),
    ):
        if not (
            np.array_equal(ours, theirs)
            and ours.strides == theirs.strides
            and ours.flags.writeable == theirs.flags.writeable
        ):
            return False
    return True


def _hot_path_stays_pending(window: WindowFrame) -> bool:
    """Whether a strategy's usual reading of a frame window leaves it unbuilt."""
    closes = np.asarray(window, dtype=float)
    above = window.tail(2).mean() > window.mean()
    momentum = window.iloc[-1] / window.iloc[0] - 1
    return (
        closes[-2:].mean(axis=0).shape == momentum.values.shape == (len(window.columns),)
        and len(list(above.items())) == window.shape[1]
        and "_mgr" not in vars(window)
    )


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
            _same_numpy(fast, plain),
            _same_numpy(fast_frame, plain_frame_),
            fast_frame.shape == plain_frame_.shape and fast.shape == plain.shape,
            fast_frame.index.equals(plain_frame_.index) and fast.index.equals(plain.index),
            fast_frame.columns.equals(plain_frame_.columns),
            fast_frame.tail(3).equals(plain_frame_.tail(3)),
            fast_frame[-3:].equals(plain_frame_[-3:]),
            fast_frame.iloc[-1].equals(plain_frame_.iloc[-1]),
            fast_frame.iloc[-1].name == plain_frame_.iloc[-1].name,
            (fast_frame.iloc[-1] / fast_frame.iloc[0] - 1).equals(
                plain_frame_.iloc[-1] / plain_frame_.iloc[0] - 1
            ),
            _hot_path_stays_pending(WindowFrame.pending(by_column, index, rows, columns)),
        )
    except Exception:  # any failure of the internals means: use the public API
        return False
    return all(bool(check) for check in checks)


def window_sums_match_numpy() -> bool:
    """True when :func:`pairwise_sums` gives, to the last bit, what this numpy's
    ``add.reduce`` gives for windows of every kind of length (one value; below, at and
    just above the eight-way threshold; at and just above the 128-value one, so split in
    two), of one asset's strided column and of rows per asset.
    A numpy that adds up in another order makes it False (and the test suite fail), and
    windows are then reduced directly: never a different number."""
    rng = np.random.default_rng(20261206)
    rows = rng.lognormal(0.0, 3.0, (2, 140)) * rng.choice([1.0, 1e-9, 1e9], (2, 140))
    column = np.ascontiguousarray(rows.T)[:, 1]  # a strided view, as a run's column is
    for length in (1, 7, 8, 9, 128, 129):
        by_row, along = pairwise_sums(rows, length), pairwise_sums(column, length)
        last = rows.shape[1] - length
        for start in sorted({0, min(1, last), last}):
            stop = start + length
            if not (
                np.array_equal(by_row[:, start], _add(rows[:, start:stop], axis=1))
                and along[start] == _add(column[start:stop])
            ):
                return False
    return True


_sums_work = functools.cache(window_sums_match_numpy)
"""Checked once, when a run first has sums worth working out (never at import)."""


def window_sums(data: np.ndarray) -> WindowSums:
    """The :class:`WindowSums` of ``data``, which must not change while in use."""
    return WindowSums(data)


_PENDING_WORKS = pending_windows_work()
window_series = WindowSeries.pending if _PENDING_WORKS else plain_series
"""A history window of one asset: pending when this pandas supports it, else plain."""
window_frame = WindowFrame.pending if _PENDING_WORKS else plain_frame
"""A history window of several assets: pending when this pandas supports it, else plain."""
