"""Classifiers: terms with a group label per (session, asset) — int64 codes (missing -1)
or strings (object, missing None) — used to group ranks, z-scores and the like, or
compared to make filters."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from rustybt.errors import StrategyError
from rustybt.pipeline.custom import CustomTermMixin, LatestMixin
from rustybt.pipeline.factor import Factor
from rustybt.pipeline.term import INT64, OBJECT, ComputableTerm, NotSpecified, RootTerm, Term


class Classifier(ComputableTerm):
    """A term with a group label per session and asset (int64, or object for strings)."""

    dtype = INT64
    ALLOWED_DTYPES = (INT64, OBJECT)

    @classmethod
    def _default_dtype(cls) -> np.dtype:
        return INT64

    def _check_dtype(self) -> None:
        if self.dtype not in self.ALLOWED_DTYPES:
            raise StrategyError(
                f"{type(self).__name__}: a Classifier's dtype must be int64 or object, not "
                f"{self.dtype}"
            )

    def eq(self, other: Any) -> Any:
        """True where the label equals ``other`` (a whole number for an int64 classifier, a
        string for a string one; never the missing value: use ``isnull()``)."""
        _check_label(self, other, "eq")
        if other == self.missing_value:
            raise StrategyError(
                f"{type(self).__name__}.eq({other!r}) compares with the missing value, which "
                "never matches; use isnull() to find missing labels"
            )
        return ClassifierPredicate.create(self, "eq", other)

    # ``==`` stays identity, as zipline's (terms are dict keys): compare with ``eq``.
    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        _check_label(self, other, "!=")
        return ClassifierPredicate.create(self, "ne", other)

    def isnull(self) -> Any:
        """True where the label is missing."""
        from rustybt.pipeline.filter import NullFilter

        return NullFilter.create(self)

    def notnull(self) -> Any:
        """True where the label is not missing."""
        return ~self.isnull()

    def element_of(self, choices: Iterable[Any]) -> Any:
        """True where the label is one of ``choices`` (whole numbers for an int64
        classifier, strings for a string one; the missing value is refused)."""
        try:
            chosen = frozenset(choices)
        except TypeError:
            raise StrategyError(
                f"element_of: choices must be an iterable of labels, not {choices!r}"
            ) from None
        if self.missing_value in chosen:
            raise StrategyError(
                f"element_of: choices hold the missing value {self.missing_value!r}, which "
                "never matches; use isnull() to find missing labels"
            )
        kind = (int, np.integer) if self.dtype == INT64 else (str, bytes)
        wrong = [c for c in chosen if not isinstance(c, kind) or isinstance(c, bool)]
        if wrong:
            expected = "whole numbers" if self.dtype == INT64 else "strings"
            raise StrategyError(
                f"element_of: choices of a {self.dtype} classifier must be {expected}, got "
                f"{wrong[0]!r}"
            )
        return ClassifierPredicate.create(self, "element_of", chosen)

    def startswith(self, prefix: str) -> Any:
        """True where a string label starts with ``prefix``."""
        return ClassifierPredicate.create(self, "startswith", _text(prefix, "startswith"))

    def endswith(self, suffix: str) -> Any:
        """True where a string label ends with ``suffix``."""
        return ClassifierPredicate.create(self, "endswith", _text(suffix, "endswith"))

    def has_substring(self, substring: str) -> Any:
        """True where a string label contains ``substring``."""
        return ClassifierPredicate.create(self, "has_substring", _text(substring, "has_substring"))

    def matches(self, pattern: str | re.Pattern[str]) -> Any:
        """True where the regular expression ``pattern`` matches a string label at its
        start (``re.match``)."""
        if isinstance(pattern, re.Pattern):
            pattern = pattern.pattern
        return ClassifierPredicate.create(self, "matches", _text(pattern, "matches"))

    def relabel(self, relabeler: Callable[[str], str | None]) -> Any:
        """A string classifier of ``relabeler(label)`` for each label (called once per
        distinct label; missing labels stay missing)."""
        if self.dtype != OBJECT:
            raise StrategyError(f"relabel() needs a string classifier, not an {self.dtype} one")
        return Relabel._make(
            inputs=(self,),
            window_length=0,
            mask=self.mask,
            dtype=self.dtype,
            missing_value=self.missing_value,
            extra={"relabeler": relabeler},
        )

    def peer_count(self, mask: Any = NotSpecified) -> Any:
        """A factor: how many assets (among those ``mask`` holds) share each asset's label
        that session; NaN where the label is missing."""
        return PeerCount._make(inputs=(self,), window_length=0, mask=mask)

    def integral_labels(self, values: np.ndarray) -> tuple[np.ndarray, Any]:
        """``values`` as integer codes and the code of a missing label (to group by)."""
        if self.dtype == INT64:
            return values, self.missing_value
        codes, _ = pd.factorize(values.ravel(), use_na_sentinel=True)
        codes = codes.reshape(values.shape).astype(np.int64)
        if self.missing_value is not None:
            codes[values == self.missing_value] = -1
        return codes, -1


class ClassifierPredicate:
    """Builds the filters of label comparisons."""

    @staticmethod
    def create(classifier: Classifier, op: str, value: Any) -> Any:
        """The filter comparing ``classifier``'s labels by ``op`` with ``value``."""
        from rustybt.pipeline.filter import Filter

        if op in _STRING_TESTS and classifier.dtype != OBJECT:
            raise StrategyError(f"{op}() needs a string classifier, not an {classifier.dtype} one")
        klass = _PREDICATE.setdefault(Filter, type("ClassifierFilter", (_Predicate, Filter), {}))
        return klass._make(
            inputs=(classifier,),
            window_length=0,
            window_safe=classifier.window_safe,
            extra={"op": op, "value": value},
        )


class _Predicate:
    op: str
    value: Any
    inputs: tuple[Term, ...]

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        data = inputs[0]
        missing = self.inputs[0].missing_value
        present = data != missing if missing is not None else ~pd.isna(data)
        if self.op == "eq":
            result = data == self.value
        elif self.op == "ne":
            result = data != self.value
        elif self.op == "element_of":
            result = np.isin(data, list(self.value))
        else:
            result = _label_test(data, _STRING_TESTS[self.op](self.value))
        return np.asarray(result, dtype=bool) & present & mask


_STRING_TESTS: dict[str, Callable[[str], Callable[[str], bool]]] = {
    "startswith": lambda prefix: lambda label: label.startswith(prefix),
    "endswith": lambda suffix: lambda label: label.endswith(suffix),
    "has_substring": lambda part: lambda label: part in label,
    "matches": lambda pattern: lambda label: re.match(pattern, label) is not None,
}


def _label_test(data: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of each string of ``data``, called once per distinct label (False for
    anything not a string)."""
    codes, labels = pd.factorize(data.ravel(), use_na_sentinel=True)
    answers = np.array([isinstance(x, str) and bool(test(x)) for x in labels] + [False])
    return answers[codes].reshape(data.shape)


def _check_label(classifier: Classifier, value: Any, where: str) -> None:
    number = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if number != (classifier.dtype == INT64):
        expected = "a whole number" if classifier.dtype == INT64 else "a string"
        raise StrategyError(
            f"{type(classifier).__name__} {where} {value!r}: a {classifier.dtype} classifier "
            f"compares with {expected}"
        )


def _text(value: Any, where: str) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if not isinstance(value, str):
        raise StrategyError(f"{where}() takes a string, not {value!r}")
    return value


_PREDICATE: dict[type, Any] = {}


class Everything(RootTerm, Classifier):
    """One group holding every asset (label 0)."""

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """Zeros."""
        return np.zeros(mask.shape, dtype=np.int64)


class CustomClassifier(CustomTermMixin, Classifier):
    """A classifier computed by ``compute(self, today, assets, out, *inputs)``, as
    :class:`~rustybt.pipeline.factor.CustomFactor` (``out`` is int64 unless ``dtype``
    says object)."""

    window_length = NotSpecified


class LatestClassifier(LatestMixin, CustomClassifier):
    """The most recent value of an int64 or string column."""

    window_length = 1


class Quantiles(Classifier):
    """``factor.quantiles(bins)``: each session's equal-count bins, 0 = lowest, -1 where
    the value is missing or masked (pandas' qcut per row, as zipline)."""

    window_length = 0
    params: Any = ("bins",)

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """qcut of each row."""
        data = np.where(mask, inputs[0], np.nan)
        out = np.full(data.shape, self.missing_value, dtype=np.int64)
        for row in range(data.shape[0]):
            values = data[row]
            if np.isnan(values).all():
                continue
            try:
                binned = pd.qcut(values, self.params["bins"], labels=False)
            except ValueError as exc:
                raise StrategyError(
                    f"quantiles({self.params['bins']}) on {dates[row].date()}: {exc}"
                ) from None
            present = ~np.isnan(binned)
            out[row, present] = binned[present].astype(np.int64)
        return out


class Relabel(Classifier):
    """``classifier.relabel(f)``: each string label mapped through ``f``."""

    window_length = 0
    relabeler: Callable[[str], str | None]

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The relabeled labels; missing where the label is missing or masked."""
        data = inputs[0]
        missing = self.missing_value
        codes, labels = pd.factorize(data.ravel(), use_na_sentinel=True)
        mapped = np.empty(len(labels) + 1, dtype=object)
        for position, label in enumerate(labels):
            if label == missing:
                mapped[position] = missing
                continue
            new = self.relabeler(label)
            if not (isinstance(new, str) or (new is None and missing is None)):
                raise StrategyError(
                    f"relabel: {getattr(self.relabeler, '__name__', self.relabeler)!r} "
                    f"returned {new!r} for {label!r}; it must return a string (or None when "
                    "None is the missing value)"
                )
            mapped[position] = new
        mapped[-1] = missing
        out = mapped[codes].reshape(data.shape)
        out[~mask] = missing
        return out

    def __repr__(self) -> str:
        return f"{self.inputs[0]!r}.relabel({getattr(self.relabeler, '__name__', '…')})"


class PeerCount(Factor):
    """``classifier.peer_count()``: per session, how many assets carry each asset's
    label (among those the mask holds); NaN where the label is missing."""

    window_length = 0

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The count of each entry's label in its row."""
        codes, null = self.inputs[0].integral_labels(inputs[0])
        out = np.full(mask.shape, np.nan)
        for row in range(mask.shape[0]):
            chosen = mask[row]
            labels = codes[row, chosen]
            _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
            values = counts[inverse].astype(np.float64)
            values[labels == null] = np.nan
            out[row, chosen] = values
        return out

    def __repr__(self) -> str:
        return f"{self.inputs[0]!r}.peer_count()"
