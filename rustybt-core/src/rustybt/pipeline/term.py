"""Terms: the nodes of a pipeline's dependency graph.

A term is a value per (session, asset) — a :class:`~rustybt.pipeline.factor.Factor`
(numbers), a :class:`~rustybt.pipeline.filter.Filter` (booleans) or a
:class:`~rustybt.pipeline.classifier.Classifier` (group labels) — either loaded from data
(a :class:`~rustybt.pipeline.data.BoundColumn`) or computed from other terms, its
``inputs``, over trailing windows of ``window_length`` sessions (0: not windowed, the
inputs' values on the same session).

Terms are memoized as zipline's are: building the same term twice (same class, inputs,
window length, mask, dtype, missing value and params) gives the same object, so a
pipeline computes it once.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from rustybt.errors import StrategyError


class _NotSpecified:
    """The sentinel of an argument not given (``None`` can be a meaningful value)."""

    _instance: ClassVar[_NotSpecified | None] = None

    def __new__(cls) -> _NotSpecified:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NotSpecified"

    def __reduce__(self) -> str:
        return "NotSpecified"


NotSpecified: Any = _NotSpecified()
"""An argument that was not given: the class attribute's value applies."""

FLOAT64 = np.dtype("float64")
INT64 = np.dtype("int64")
BOOL = np.dtype("bool")
DATETIME64 = np.dtype("datetime64[ns]")
OBJECT = np.dtype("object")

DEFAULT_MISSING: dict[str, Any] = {
    "f": np.nan,
    "b": False,
    "i": -1,
    "M": np.datetime64("NaT", "ns"),
    "O": None,
}
"""zipline's default missing value by dtype kind."""


def default_missing_value(dtype: np.dtype) -> Any:
    """The value that stands for "no data" in an array of ``dtype`` (NaN, False, -1, NaT)."""
    try:
        return DEFAULT_MISSING[dtype.kind]
    except KeyError:
        raise StrategyError(
            f"no default missing_value for dtype {dtype}; give missing_value= explicitly"
        ) from None


def _identity_of(value: Any) -> Any:
    """``value`` made hashable and comparable for memoization (NaN equals NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, np.datetime64) and np.isnat(value):
        return ("nat",)
    if isinstance(value, list | tuple):
        return tuple(_identity_of(v) for v in value)
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.tobytes())
    if isinstance(value, Mapping):
        return tuple((k, _identity_of(v)) for k, v in value.items())
    return value


class Term:
    """A node of a pipeline: what every factor, filter, classifier and column shares.

    ``dtype`` and ``missing_value`` are the array type of its values and what stands for
    "no value"; ``window_safe`` says whether its values may feed a windowed computation
    (values comparable across sessions, e.g. a rank is not); ``ndim`` is 2 for a value per
    asset and 1 for a single column (a :class:`Slice`).
    """

    dtype: Any = NotSpecified
    missing_value: Any = NotSpecified
    window_safe: bool = False
    ndim: int = 2
    inputs: Any = ()
    window_length: Any = 0
    mask: Any = NotSpecified
    outputs: Any = NotSpecified
    params: Any = ()

    _memo: ClassVar[weakref.WeakValueDictionary[Any, Term]] = weakref.WeakValueDictionary()

    @classmethod
    def _build(cls, attributes: dict[str, Any], extra_identity: tuple[Any, ...] = ()) -> Any:
        """The term of class ``cls`` with ``attributes``: an existing equal one (memoized)
        or a new one, validated."""
        key = (
            cls,
            tuple((name, _identity_of(value)) for name, value in sorted(attributes.items())),
            _identity_of(extra_identity),
        )
        try:
            existing = Term._memo.get(key)
        except TypeError:
            names = ", ".join(sorted(attributes))
            raise StrategyError(
                f"{cls.__name__}: an argument is not hashable ({names}); use tuples, not lists "
                "or dicts, for parameter values"
            ) from None
        if existing is not None:
            return existing
        term = object.__new__(cls)
        for name, value in attributes.items():
            object.__setattr__(term, name, value)
        term._validate()
        Term._memo[key] = term
        return term

    def _validate(self) -> None:
        """Raise a :class:`StrategyError` when the term's attributes do not fit together."""

    @property
    def dependencies(self) -> dict[Term, int]:
        """The terms this one is computed from, each with the extra sessions of history it
        needs from them (``window_length - 1`` for a windowed input, 0 for a mask)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        raise StrategyError(
            f"{self!r} has no truth value: a pipeline term is computed later, per session and "
            "asset; combine filters with &, | and ~ instead of and, or and not"
        )


class LoadableTerm(Term):
    """A term whose values a loader reads from data (a dataset's bound column)."""

    window_length = 0


class ComputableTerm(Term):
    """A term computed from its ``inputs`` over trailing windows of ``window_length``
    sessions, only where its ``mask`` (a filter) holds; elsewhere it is ``missing_value``."""

    def __new__(
        cls,
        inputs: Any = NotSpecified,
        outputs: Any = NotSpecified,
        window_length: Any = NotSpecified,
        mask: Any = NotSpecified,
        dtype: Any = NotSpecified,
        missing_value: Any = NotSpecified,
        window_safe: Any = NotSpecified,
        ndim: Any = NotSpecified,
        **kwargs: Any,
    ) -> Any:
        return cls._make(
            inputs=inputs,
            outputs=outputs,
            window_length=window_length,
            mask=mask,
            dtype=dtype,
            missing_value=missing_value,
            window_safe=window_safe,
            ndim=ndim,
            params=kwargs,
        )

    @classmethod
    def _make(
        cls,
        *,
        inputs: Any = NotSpecified,
        outputs: Any = NotSpecified,
        window_length: Any = NotSpecified,
        mask: Any = NotSpecified,
        dtype: Any = NotSpecified,
        missing_value: Any = NotSpecified,
        window_safe: Any = NotSpecified,
        ndim: Any = NotSpecified,
        params: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Any:
        """Resolve every attribute from the arguments or the class's defaults and build
        (or find) the term; ``extra`` attributes belong to internal term classes."""
        given = dict(params or {})
        resolved_params = cls._resolve_params(given)
        if given:
            unknown = ", ".join(sorted(given))
            raise StrategyError(
                f"{cls.__name__} got unexpected keyword argument(s) {unknown}; declare them in "
                f"the class's params (e.g. params = ('{next(iter(sorted(given)))}',))"
            )
        inputs = cls.inputs if inputs is NotSpecified else inputs
        if inputs is NotSpecified or inputs is None:
            inputs = ()
        window_length = cls.window_length if window_length is NotSpecified else window_length
        outputs = cls.outputs if outputs is NotSpecified else outputs
        mask = cls.mask if mask is NotSpecified else mask
        dtype = cls.dtype if dtype is NotSpecified else dtype
        dtype = cls._default_dtype() if dtype is NotSpecified else np.dtype(dtype)
        if missing_value is NotSpecified:
            missing_value = cls.missing_value
        if missing_value is NotSpecified:
            missing_value = default_missing_value(dtype)
        window_safe = cls.window_safe if window_safe is NotSpecified else bool(window_safe)
        ndim = cls.ndim if ndim is NotSpecified else ndim
        attributes = {
            "inputs": tuple(inputs) if isinstance(inputs, Sequence) else inputs,
            "outputs": tuple(outputs) if isinstance(outputs, list | tuple) else outputs,
            "window_length": window_length,
            "mask": mask,
            "dtype": dtype,
            "missing_value": missing_value,
            "window_safe": window_safe,
            "ndim": ndim,
            "params": dict(resolved_params),
            **dict(extra or {}),
        }
        for name, value in resolved_params:
            attributes.setdefault(name, value)
        return cls._build(attributes)

    @classmethod
    def _default_dtype(cls) -> np.dtype:
        return FLOAT64

    @classmethod
    def _resolve_params(cls, given: dict[str, Any]) -> list[tuple[str, Any]]:
        """Pop the class's params from ``given``: (name, value) in declaration order."""
        declared = cls.params
        if not isinstance(declared, Mapping):
            declared = dict.fromkeys(declared, NotSpecified)
        values = []
        for name, default in declared.items():
            value = given.pop(name, default)
            if value is NotSpecified:
                raise StrategyError(
                    f"{cls.__name__} expected a keyword parameter {name!r}; pass "
                    f"{cls.__name__}({name}=...) or give it a default in params"
                )
            try:
                hash(value)
            except TypeError:
                raise StrategyError(
                    f"{cls.__name__}: parameter {name}={value!r} is not hashable; use a tuple "
                    "or a number"
                ) from None
            values.append((name, value))
        return values

    def _validate(self) -> None:
        name = type(self).__name__
        if self.inputs is NotSpecified or not isinstance(self.inputs, tuple):
            raise StrategyError(
                f"{name}: inputs must be a list of columns or terms, not {self.inputs!r}"
            )
        for term in self.inputs:
            if not isinstance(term, Term):
                raise StrategyError(
                    f"{name}: input {term!r} is not a pipeline column or term; use e.g. "
                    "EquityPricing.close"
                )
        if self.window_length is NotSpecified or self.window_length is None:
            raise StrategyError(
                f"{name} has no window_length; set window_length = N in the class or pass "
                f"{name}(window_length=N)"
            )
        if (
            not isinstance(self.window_length, int | np.integer)
            or isinstance(self.window_length, bool)
            or self.window_length < 0
        ):
            raise StrategyError(
                f"{name}: window_length must be a whole number of sessions, not "
                f"{self.window_length!r}"
            )
        # zipline lets a one-session window read any term: only longer windows need
        # values comparable across sessions.
        if self.window_length > 1 or self._requires_window_safe_inputs():
            for term in self.inputs:
                if not term.window_safe:
                    raise StrategyError(
                        f"{name}: input {term!r} is not window-safe (its values are not "
                        "comparable across sessions, e.g. an average of prices that a split "
                        "rescales); only window-safe terms can feed a windowed term"
                    )
        if self.mask is not NotSpecified:
            from rustybt.pipeline.filter import Filter

            if not isinstance(self.mask, Filter):
                raise StrategyError(f"{name}: mask must be a Filter, not {self.mask!r}")
        if self.outputs is not NotSpecified and (
            not isinstance(self.outputs, tuple)
            or not all(
                isinstance(o, str) and o.isidentifier() and not o.startswith("_")
                for o in self.outputs
            )
        ):
            raise StrategyError(f"{name}: outputs must be a list of names, not {self.outputs!r}")
        self._check_dtype()

    def _requires_window_safe_inputs(self) -> bool:
        return False

    def _check_dtype(self) -> None:
        """Raise when ``dtype`` is not one the term's kind allows."""

    @property
    def dependencies(self) -> dict[Term, int]:
        extra = max(int(self.window_length) - 1, 0)
        deps: dict[Term, int] = {}
        for term in self.inputs:
            deps[term] = max(deps.get(term, 0), extra)
        deps.setdefault(self.effective_mask, 0)
        return deps

    @property
    def effective_mask(self) -> Term:
        """The filter whose True values this term is computed on (every live asset when no
        mask was given)."""
        from rustybt.pipeline.filter import AssetExists

        return AssetExists() if self.mask is NotSpecified else self.mask

    def compute_rows(
        self,
        inputs: list[Any],
        dates: pd.DatetimeIndex,
        assets: np.ndarray,
        mask: np.ndarray,
    ) -> np.ndarray:
        """The term's values on ``dates`` (rows) for ``assets`` (sids, columns) as an array
        of ``dtype`` (a record array with ``outputs``), ``missing_value`` outside ``mask``.

        ``inputs`` are, per input term, :class:`rustybt.pipeline.windows.Windows` when the
        term is windowed, else the input's values on ``dates`` (2-D arrays)."""
        raise NotImplementedError

    def rows_before(self, sessions: pd.DatetimeIndex, start: int, needed: int) -> int:
        """How many sessions before ``sessions[start]`` (a chunk's first) the term is
        computed for, when its consumers need ``needed``."""
        return needed

    def alias(self, name: str) -> Any:
        """The same values under ``name`` (zipline's ``alias``: names an expression)."""
        return Aliased._of(self, name)

    def downsample(self, frequency: str) -> Any:
        """The term computed only on the first session of each period of ``frequency``
        (``year_start``, ``quarter_start``, ``month_start`` or ``week_start``) and
        carried forward to the period's other sessions, as zipline's ``downsample``."""
        return Downsampled._of(self, frequency)

    def __getitem__(self, key: Any) -> Any:
        from rustybt.assets import Asset

        if isinstance(key, str) and self.outputs is not NotSpecified:
            return self._output(key)
        if isinstance(key, Asset):
            return Slice._of(self, key)
        raise StrategyError(
            f"{self!r}[{key!r}]: index a term with an Asset (a one-column Slice) or with the "
            "name of one of its outputs"
        )

    def _output(self, name: str) -> Any:
        if name not in self.outputs:
            raise StrategyError(
                f"{type(self).__name__} has no output {name!r} (has: {', '.join(self.outputs)})"
            )
        return RecarrayField._of(self, name)

    def __iter__(self) -> Any:
        if self.outputs is NotSpecified:
            raise StrategyError(
                f"{self!r} is not iterable: only a term with outputs unpacks into one term per "
                "output"
            )
        return iter([self._output(name) for name in self.outputs])

    def __getattr__(self, name: str) -> Any:
        outputs = self.__dict__.get("outputs", NotSpecified)
        if outputs is not NotSpecified and name in outputs:
            return self._output(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        if self.window_length:
            return f"{type(self).__name__}([{_names(self.inputs)}], {self.window_length})"
        return f"{type(self).__name__}()"


class RootTerm(ComputableTerm):
    """A computed term built from nothing: no arguments, no inputs, no window and no
    dependencies, not even a mask (the engine's universe, the one-group classifier)."""

    window_length = 0

    def __new__(cls) -> Any:
        return cls._make(inputs=(), window_length=0)

    @property
    def dependencies(self) -> dict[Term, int]:
        return {}


def _names(terms: Sequence[Term]) -> str:
    return ", ".join(getattr(t, "qualname", None) or repr(t) for t in terms)


def kind_class(dtype: np.dtype) -> str:
    """``factor``, ``filter`` or ``classifier``: which kind of term has values of ``dtype``
    (zipline's choice for a column's ``latest``)."""
    if dtype == BOOL:
        return "filter"
    if dtype in (INT64, OBJECT):
        return "classifier"
    return "factor"


def _wrap(cache: dict[type, Any], mixin: type, term: Term, name: str, **attributes: Any) -> Any:
    """The term of ``mixin`` over ``term``: of the kind (Factor, Filter, Classifier) of
    ``term``'s values, a class named by filling ``name``'s ``{}`` with the kind's and made
    once per kind in ``cache``; with ``term``'s dtype, missing value and window safety and,
    unless ``attributes`` say otherwise, ``term`` as its one input, not windowed."""
    from rustybt.pipeline.classifier import Classifier
    from rustybt.pipeline.factor import Factor
    from rustybt.pipeline.filter import Filter

    base = {"factor": Factor, "filter": Filter, "classifier": Classifier}[kind_class(term.dtype)]
    wrapper = cache.setdefault(base, type(name.format(base.__name__), (mixin, base), {}))
    return wrapper._make(
        **{
            "inputs": (term,),
            "window_length": 0,
            "dtype": term.dtype,
            "missing_value": term.missing_value,
            "window_safe": term.window_safe,
            **attributes,
        }
    )


class Slice(ComputableTerm):
    """``term[asset]``: one asset's column of a term, usable only as an input of a custom
    term, where it arrives as a (window_length, 1) array."""

    window_length = 0
    ndim = 1

    @classmethod
    def _of(cls, term: ComputableTerm | LoadableTerm, asset: Any) -> Any:
        return _wrap(_SLICE_CLASSES, cls, term, "{}Slice", ndim=1, extra={"asset": asset})

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        sid = self.asset.sid
        position = np.flatnonzero(assets == sid)
        if sid is None or not len(position):
            raise StrategyError(
                f"{self!r}: asset {self.asset!r} is not in the pipeline's universe on "
                f"{dates[0].date()}"
            )
        column: np.ndarray = inputs[0][:, position[:1]]
        return column

    def __repr__(self) -> str:
        return f"{self.inputs[0]!r}[{self.asset!r}]"


_SLICE_CLASSES: dict[type, Any] = {}


class RecarrayField(ComputableTerm):
    """One output of a multiple-output term (``factor.name`` or ``factor['name']``)."""

    window_length = 0

    @classmethod
    def _of(cls, term: ComputableTerm, name: str) -> Any:
        return _wrap(
            _FIELD_CLASSES, cls, term, "{}Output", mask=term.mask, extra={"attribute": name}
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        values: np.ndarray = inputs[0][self.attribute]
        return np.ascontiguousarray(values)

    def __repr__(self) -> str:
        return f"{self.inputs[0]!r}.{self.attribute}"


_FIELD_CLASSES: dict[type, Any] = {}


class Aliased(ComputableTerm):
    """``term.alias(name)``: ``term``'s values, named."""

    window_length = 0
    name: str

    @classmethod
    def _of(cls, term: Term, name: str) -> Any:
        if not isinstance(name, str):
            raise StrategyError(f"alias: the name must be a string, not {name!r}")
        return _wrap(
            _ALIASED,
            cls,
            term,
            "Aliased{}",
            outputs=term.outputs,
            ndim=term.ndim,
            extra={"name": name},
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The input's values."""
        values: np.ndarray = inputs[0]
        return values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inputs[0]!r}, name={self.name!r})"


_ALIASED: dict[type, Any] = {}

DOWNSAMPLE_FREQUENCIES: dict[str, Any] = {
    "year_start": lambda dates: dates.year,
    "quarter_start": lambda dates: dates.year * 4 + dates.quarter,
    "month_start": lambda dates: dates.year * 12 + dates.month,
    "week_start": lambda dates: dates.isocalendar().week.to_numpy(),
}
"""zipline's downsampling frequencies: the period label of each date (a new period starts
where it changes)."""

_PERIOD_LOOKBACK = 400
"""Sessions searched back for a period's start: more than a year holds."""


def sampling_rows(dates: pd.DatetimeIndex, frequency: str) -> np.ndarray:
    """The positions in ``dates`` where a period of ``frequency`` starts (0 included)."""
    labels = np.asarray(DOWNSAMPLE_FREQUENCIES[frequency](dates))
    return np.concatenate(([0], np.flatnonzero(labels[1:] != labels[:-1]) + 1))


class Downsampled(ComputableTerm):
    """``term.downsample(frequency)``: see :meth:`ComputableTerm.downsample`."""

    frequency: str
    wrapped: ComputableTerm

    @classmethod
    def _of(cls, term: ComputableTerm, frequency: str) -> Any:
        if frequency not in DOWNSAMPLE_FREQUENCIES:
            raise StrategyError(
                f"downsample: frequency {frequency!r} is not one of "
                f"{', '.join(DOWNSAMPLE_FREQUENCIES)}"
            )
        if term.outputs is not NotSpecified:
            raise StrategyError(
                f"downsample: {term!r} has several outputs; downsample each output instead"
            )
        return _wrap(
            _DOWNSAMPLED,
            cls,
            term,
            "Downsampled{}",
            inputs=term.inputs,
            window_length=term.window_length,
            mask=term.mask,
            window_safe=False,
            ndim=term.ndim,
            extra={"frequency": frequency, "wrapped": term},
        )

    def _validate(self) -> None:
        """The wrapped term was validated when it was built."""

    @property
    def dependencies(self) -> dict[Term, int]:
        return self.wrapped.dependencies

    def rows_before(self, sessions: pd.DatetimeIndex, start: int, needed: int) -> int:
        """Back to the first session of the period holding the first session needed, so
        that every chunk computes on the same sampling sessions."""
        first = start - needed
        if first <= 0:
            return needed
        lookback = max(0, first - _PERIOD_LOOKBACK)
        starts = sampling_rows(sessions[lookback : first + 1], self.frequency)
        return needed + (first - (lookback + int(starts[-1])))

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The wrapped term's values on each period's first session, carried forward."""
        values = self.wrapped.compute_rows(inputs, dates, assets, mask)
        starts = sampling_rows(dates, self.frequency)
        period = np.searchsorted(starts, np.arange(len(dates)), side="right") - 1
        result: np.ndarray = values[starts[period]]
        return result

    def __repr__(self) -> str:
        return f"{self.wrapped!r}.downsample({self.frequency!r})"


_DOWNSAMPLED: dict[type, Any] = {}
