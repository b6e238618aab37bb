"""Filters: terms with a boolean per (session, asset): a pipeline's screen, a mask, a
universe. Combine them with ``&``, ``|`` and ``~``; every filter is False where an asset is
not alive, as in zipline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from rustybt.errors import StrategyError
from rustybt.pipeline import rowwise
from rustybt.pipeline.custom import CustomTermMixin, LatestMixin
from rustybt.pipeline.expression import ExpressionMixin, make_expression
from rustybt.pipeline.term import BOOL, ComputableTerm, NotSpecified, RootTerm, Term


class Filter(ComputableTerm):
    """A term with a boolean per session and asset."""

    dtype = BOOL
    missing_value = False
    window_safe = True

    @classmethod
    def _default_dtype(cls) -> np.dtype:
        return BOOL

    def _check_dtype(self) -> None:
        if self.dtype != BOOL:
            raise StrategyError(f"{type(self).__name__}: a Filter's dtype must be bool")

    def _logic(self, op: str, other: Any) -> Any:
        # zipline takes a plain True/False too (``filter | (factor == 0)``, where the
        # comparison is Python's identity test, is the filter or False).
        if isinstance(other, bool | np.bool_):
            return make_expression(
                NumExprFilter, op, (self, bool(other)), window_safe=self.window_safe
            )
        if not isinstance(other, Filter):
            raise StrategyError(
                f"{self!r} {op} {other!r}: combine a filter only with another filter"
            )
        safe = self.window_safe and other.window_safe
        return make_expression(NumExprFilter, op, (self, other), window_safe=safe)

    def __and__(self, other: Any) -> Any:
        return self._logic("&", other)

    def __rand__(self, other: Any) -> Any:
        return self._logic("&", other)

    def __or__(self, other: Any) -> Any:
        return self._logic("|", other)

    def __ror__(self, other: Any) -> Any:
        return self._logic("|", other)

    def __invert__(self) -> Any:
        return make_expression(NumExprFilter, "~", (self,), window_safe=self.window_safe)

    def if_else(self, if_true: Any, if_false: Any) -> Any:
        """A term taking ``if_true``'s value where the filter is True, ``if_false``'s
        elsewhere (terms of one kind and dtype, or numbers)."""
        return IfElse.create(self, if_true, if_false)

    def isnull(self) -> Any:
        """Filters have no missing values: raises, as zipline does."""
        raise StrategyError("isnull() is not supported on filters: a filter is never missing")


class NumExprFilter(ExpressionMixin, Filter):
    """A comparison of factors or a logical combination of filters."""


class AssetExists(RootTerm, Filter):
    """True where an asset is alive: after its first bar and up to its last (zipline's
    lifetimes: ``start_date < session <= end_date``). The root of every mask; the engine
    provides its values."""

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The universe itself."""
        return mask

    def __repr__(self) -> str:
        return "AssetExists()"


class CustomFilter(CustomTermMixin, Filter):
    """A filter computed by ``compute(self, today, assets, out, *inputs)``, as
    :class:`~rustybt.pipeline.factor.CustomFactor` (``out`` is boolean)."""

    window_length = NotSpecified

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.window_length})"


class LatestFilter(LatestMixin, CustomFilter):
    """The most recent value of a boolean column."""

    window_length = 1


class AllPresent(CustomFilter):
    """True where the input has a value (is not its missing value) on every session of the
    window."""

    window_length = NotSpecified

    def compute(self, today: Any, assets: Any, out: Any, value: Any) -> None:
        """All of the window present."""
        missing = self.inputs[0].missing_value
        if isinstance(missing, float) and np.isnan(missing):
            out[:] = ~np.isnan(value).any(axis=0)
        else:
            out[:] = (value != missing).all(axis=0)

    def _validate(self) -> None:
        super()._validate()
        if len(self.inputs) != 1:
            raise StrategyError("AllPresent takes exactly one input")


class StaticSids(Filter):
    """True for the assets whose sids are ``sids``."""

    window_length = 0
    sids: frozenset[int]

    def __new__(cls, sids: Iterable[int]) -> Any:
        return cls._make(
            inputs=(), window_length=0, extra={"sids": frozenset(int(s) for s in sids)}
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """Membership of each column's sid, within the universe."""
        chosen = np.isin(assets, np.fromiter(self.sids, dtype=np.int64, count=len(self.sids)))
        return np.broadcast_to(chosen, mask.shape) & mask


class StaticAssets(StaticSids):
    """True for ``assets`` (Asset objects of the run)."""

    def __new__(cls, assets: Iterable[Any]) -> Any:
        sids = []
        for asset in assets:
            sid = getattr(asset, "sid", asset)
            if sid is None:
                raise StrategyError(
                    f"StaticAssets: {asset!r} has no sid; use assets the run looked up "
                    "(symbol(...))"
                )
            sids.append(int(sid))
        return cls._make(inputs=(), window_length=0, extra={"sids": frozenset(sids)})


class NullFilter(Filter):
    """True where a term's value is its missing value."""

    window_length = 0

    @classmethod
    def create(cls, term: Term) -> Any:
        """The null filter of ``term``."""
        return cls._make(inputs=(term,), window_length=0, window_safe=term.window_safe)

    def _requires_window_safe_inputs(self) -> bool:
        return False

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """Missing entries, within the universe."""
        data = inputs[0]
        missing = self.inputs[0].missing_value
        if data.dtype.kind == "f":
            found = np.isnan(data)
        elif data.dtype.kind == "M":
            found = np.isnat(data)
        else:
            found = data == missing
        return np.asarray(found, dtype=bool) & mask


class PercentileFilter(Filter):
    """``factor.percentile_between(min, max)``."""

    window_length = 0
    min_percentile: float
    max_percentile: float

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """Between the row's percentiles."""
        return rowwise.percentile_between(inputs[0], mask, self.min_percentile, self.max_percentile)


class MaximumFilter(Filter):
    """``factor.top(1)``: True at the greatest value of each session (per group)."""

    window_length = 0

    @classmethod
    def create(cls, factor: Any, groupby: Any, mask: Any) -> Any:
        """The maximum filter of ``factor``."""
        from rustybt.pipeline.classifier import Classifier, Everything

        if groupby is NotSpecified:
            groupby = Everything()
        if not isinstance(groupby, Classifier):
            raise StrategyError(f"top: groupby must be a Classifier, not {groupby!r}")
        return cls._make(inputs=(factor, groupby), window_length=0, mask=mask)

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The first greatest usable value per row and group."""
        data, labels = inputs
        codes, null = self.inputs[1].integral_labels(labels)
        usable = mask & (codes != null) & ~np.isnan(data)
        return rowwise.maximal(data, codes, usable)


class RankedFirst(Filter):
    """``factor.top(N)`` (N > 1) and ``factor.bottom(N)`` without ``groupby``: zipline's
    ``factor.rank(ascending=...) <= N``, True for the N assets of the first ordinal ranks
    each session among those ``mask`` holds with a value (equal values: the lower sid
    first), found without ranking every asset."""

    window_length = 0
    count: int
    ascending: bool

    @classmethod
    def create(cls, factor: Any, count: int, ascending: bool, mask: Any) -> Any:
        """The filter of the ``count`` first assets of ``factor`` in ``ascending`` order."""
        # An explicit mask need not be within the universe: the comparison zipline makes
        # is, so the universe comes in as an input too.
        inputs = (factor,) if mask is NotSpecified else (factor, AssetExists())
        return cls._make(
            inputs=inputs,
            window_length=0,
            mask=mask,
            extra={"count": int(count), "ascending": bool(ascending)},
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The first ``count`` usable assets of each session."""
        data = np.asarray(inputs[0], dtype=np.float64)
        chosen = rowwise.first_ordinal(data, mask, self.count, self.ascending)
        return chosen if len(inputs) == 1 else chosen & inputs[1]

    def __repr__(self) -> str:
        name = "bottom" if self.ascending else "top"
        return f"{self.inputs[0]!r}.{name}({self.count})"


class IfElse(ComputableTerm):
    """``condition.if_else(if_true, if_false)``: element-wise choice between two terms or
    numbers."""

    window_length = 0

    @classmethod
    def create(cls, condition: Filter, if_true: Any, if_false: Any) -> Any:
        """The choice term, of the kind and dtype of the term branch."""
        from rustybt.pipeline.classifier import Classifier
        from rustybt.pipeline.factor import Factor

        template = if_true if isinstance(if_true, Term) else if_false
        if not isinstance(template, Term):
            raise StrategyError("if_else needs at least one term among if_true and if_false")
        for branch in (if_true, if_false):
            if isinstance(branch, Term) and branch.dtype != template.dtype:
                raise StrategyError(
                    f"if_else: branches of different dtypes ({template.dtype} and {branch.dtype})"
                )
        base = (
            Factor
            if isinstance(template, Factor)
            else Filter
            if isinstance(template, Filter)
            else Classifier
        )
        klass = _IF_ELSE.setdefault(base, type(f"IfElse{base.__name__}", (cls, base), {}))
        operands = (condition, if_true, if_false)
        return klass._make(
            inputs=tuple(o for o in operands if isinstance(o, Term)),
            window_length=0,
            dtype=template.dtype,
            missing_value=template.missing_value,
            window_safe=all(o.window_safe for o in operands if isinstance(o, Term)),
            extra={"operands": operands},
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The element-wise choice."""
        given = iter(inputs)
        values = [next(given) if isinstance(o, Term) else o for o in self.operands]
        result: np.ndarray = np.where(values[0], values[1], values[2]).astype(self.dtype)
        return result


_IF_ELSE: dict[type, Any] = {}
