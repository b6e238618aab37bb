"""Factors: terms with a number per (session, asset), and their algebra (zipline's).

Arithmetic (``+ - * / ** %``, reflected, unary minus) and math methods (``log``, ``exp``,
``abs``, ``sqrt``...) give factors; comparisons give filters; ``rank``, ``zscore``,
``demean``, ``winsorize``, ``top``, ``bottom``, ``percentile_between``, ``quantiles`` work
across the assets of each session, within a ``mask`` and per ``groupby`` group where
zipline allows it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.errors import StrategyError
from rustybt.pipeline import rowwise
from rustybt.pipeline.custom import CustomTermMixin, LatestMixin
from rustybt.pipeline.expression import MATH_FUNCTIONS, ExpressionMixin, make_expression, operand
from rustybt.pipeline.term import (
    DATETIME64,
    FLOAT64,
    INT64,
    ComputableTerm,
    NotSpecified,
    Term,
)

RANK_METHODS = ("ordinal", "average", "min", "max", "dense")


def _check_filter(value: Any, where: str) -> None:
    from rustybt.pipeline.filter import Filter

    if value is not NotSpecified and not isinstance(value, Filter):
        raise StrategyError(f"{where}: mask must be a Filter, not {value!r}")


def _check_classifier(value: Any, where: str) -> None:
    from rustybt.pipeline.classifier import Classifier

    if value is not NotSpecified and not isinstance(value, Classifier):
        raise StrategyError(f"{where}: groupby must be a Classifier, not {value!r}")


class Factor(ComputableTerm):
    """A term with a number per session and asset (float64 unless declared otherwise)."""

    ALLOWED_DTYPES = (FLOAT64, INT64, DATETIME64)

    def _check_dtype(self) -> None:
        if self.dtype not in self.ALLOWED_DTYPES:
            raise StrategyError(
                f"{type(self).__name__}: a Factor's dtype must be float64, int64 or "
                f"datetime64[ns], not {self.dtype}"
            )

    # ---- arithmetic -------------------------------------------------------------------
    def _binary(self, op: str, other: Any, reflected: bool = False) -> Any:
        from rustybt.pipeline.filter import Filter

        other = operand(other, f"{self!r} {op} …")
        if isinstance(other, Filter) or (isinstance(other, Term) and not isinstance(other, Factor)):
            raise StrategyError(
                f"{self!r} {op} {other!r}: arithmetic needs two factors or a factor and a number"
            )
        operands = (other, self) if reflected else (self, other)
        safe = self.window_safe and (not isinstance(other, Term) or other.window_safe)
        return make_expression(NumExprFactor, op, operands, window_safe=safe)

    def _compare(self, op: str, other: Any) -> Any:
        from rustybt.pipeline.filter import NumExprFilter

        other = operand(other, f"{self!r} {op} …")
        if isinstance(other, Term) and not isinstance(other, Factor):
            raise StrategyError(
                f"{self!r} {op} {other!r}: compare a factor with a factor or number"
            )
        safe = self.window_safe and (not isinstance(other, Term) or other.window_safe)
        return make_expression(NumExprFilter, op, (self, other), window_safe=safe)

    def __add__(self, other: Any) -> Any:
        return self._binary("+", other)

    def __radd__(self, other: Any) -> Any:
        return self._binary("+", other, reflected=True)

    def __sub__(self, other: Any) -> Any:
        return self._binary("-", other)

    def __rsub__(self, other: Any) -> Any:
        return self._binary("-", other, reflected=True)

    def __mul__(self, other: Any) -> Any:
        return self._binary("*", other)

    def __rmul__(self, other: Any) -> Any:
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other: Any) -> Any:
        return self._binary("/", other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary("/", other, reflected=True)

    def __pow__(self, other: Any) -> Any:
        return self._binary("**", other)

    def __rpow__(self, other: Any) -> Any:
        return self._binary("**", other, reflected=True)

    def __mod__(self, other: Any) -> Any:
        return self._binary("%", other)

    def __rmod__(self, other: Any) -> Any:
        return self._binary("%", other, reflected=True)

    def __neg__(self) -> Any:
        return make_expression(NumExprFactor, "-", (self,), window_safe=self.window_safe)

    def __lt__(self, other: Any) -> Any:
        return self._compare("<", other)

    def __le__(self, other: Any) -> Any:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> Any:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> Any:
        return self._compare(">=", other)

    # No __eq__, as zipline: terms compare (and hash) by identity, so ``factor == 0`` is
    # False and terms work as dict keys and set members.
    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare("!=", other)

    # ---- cross-sectional ----------------------------------------------------------------
    def rank(
        self,
        method: str = "ordinal",
        ascending: bool = True,
        mask: Any = NotSpecified,
        groupby: Any = NotSpecified,
    ) -> Any:
        """Each asset's rank among the assets of the session (1 = smallest when
        ``ascending``), among those ``mask`` holds, within its ``groupby`` group; ties by
        ``method`` (ordinal: in asset order). NaN where the value is missing or masked."""
        if method not in RANK_METHODS:
            raise StrategyError(f"rank: method {method!r} is not one of {', '.join(RANK_METHODS)}")
        _check_filter(mask, "rank")
        _check_classifier(groupby, "rank")
        if groupby is NotSpecified:
            return Rank._make(
                inputs=(self,),
                window_length=0,
                mask=mask,
                extra={"method": method, "ascending": bool(ascending)},
            )
        return GroupedRowTransform.create(
            self, "rank", (method, bool(ascending)), groupby, mask, window_safe=True
        )

    def demean(self, mask: Any = NotSpecified, groupby: Any = NotSpecified) -> Any:
        """Each value minus the mean of its session (of its ``groupby`` group, of the
        assets ``mask`` holds)."""
        self._float_only("demean")
        return GroupedRowTransform.create(
            self, "demean", (), groupby, mask, window_safe=self.window_safe
        )

    def zscore(self, mask: Any = NotSpecified, groupby: Any = NotSpecified) -> Any:
        """Each value's z-score within its session (group, mask): minus the mean, over
        the standard deviation."""
        self._float_only("zscore")
        return GroupedRowTransform.create(self, "zscore", (), groupby, mask, window_safe=True)

    def winsorize(
        self,
        min_percentile: float,
        max_percentile: float,
        mask: Any = NotSpecified,
        groupby: Any = NotSpecified,
    ) -> Any:
        """Values below the session's ``min_percentile`` (0-1) set to it, above
        ``max_percentile`` to it (per group, within mask)."""
        self._float_only("winsorize")
        if not 0.0 <= min_percentile < max_percentile <= 1.0:
            raise StrategyError(
                f"winsorize: percentiles must satisfy 0 <= min_percentile < max_percentile <= 1, "
                f"got {min_percentile!r} and {max_percentile!r}"
            )
        return GroupedRowTransform.create(
            self,
            "winsorize",
            (float(min_percentile), float(max_percentile)),
            groupby,
            mask,
            window_safe=self.window_safe,
        )

    def top(self, N: int, mask: Any = NotSpecified, groupby: Any = NotSpecified) -> Any:
        """True for the ``N`` assets with the greatest values each session (per group)."""
        _check_count(N, "top")
        if N == 1:
            from rustybt.pipeline.filter import MaximumFilter

            return MaximumFilter.create(self, groupby, mask)
        return self._ranked_first(N, False, mask, groupby)

    def bottom(self, N: int, mask: Any = NotSpecified, groupby: Any = NotSpecified) -> Any:
        """True for the ``N`` assets with the smallest values each session (per group)."""
        _check_count(N, "bottom")
        return self._ranked_first(N, True, mask, groupby)

    def _ranked_first(self, count: int, ascending: bool, mask: Any, groupby: Any) -> Any:
        """``self.rank(ascending=ascending, mask=mask, groupby=groupby) <= count``, as
        zipline's top and bottom are; without groups, a filter computing just that."""
        if groupby is not NotSpecified:
            return self.rank(ascending=ascending, mask=mask, groupby=groupby) <= count
        from rustybt.pipeline.filter import RankedFirst

        _check_filter(mask, "rank")
        return RankedFirst.create(self, count, ascending, mask)

    def percentile_between(
        self, min_percentile: float, max_percentile: float, mask: Any = NotSpecified
    ) -> Any:
        """True where the value lies between the session's ``min_percentile`` and
        ``max_percentile`` (0-100, inclusive) of the values ``mask`` holds."""
        from rustybt.pipeline.filter import PercentileFilter

        if not 0.0 <= min_percentile <= max_percentile <= 100.0:
            raise StrategyError(
                "percentile_between: percentiles must satisfy 0 <= min <= max <= 100, got "
                f"{min_percentile!r} and {max_percentile!r}"
            )
        _check_filter(mask, "percentile_between")
        return PercentileFilter._make(
            inputs=(self,),
            window_length=0,
            mask=mask,
            extra={
                "min_percentile": float(min_percentile),
                "max_percentile": float(max_percentile),
            },
        )

    def quantiles(self, bins: int, mask: Any = NotSpecified) -> Any:
        """A classifier of the session's ``bins`` equal-count bins (0 = lowest); -1 where
        missing or masked."""
        from rustybt.pipeline.classifier import Quantiles

        _check_filter(mask, "quantiles")
        return Quantiles(inputs=(self,), bins=bins, mask=mask)

    def quartiles(self, mask: Any = NotSpecified) -> Any:
        """``quantiles(4)``."""
        return self.quantiles(4, mask)

    def quintiles(self, mask: Any = NotSpecified) -> Any:
        """``quantiles(5)``."""
        return self.quantiles(5, mask)

    def deciles(self, mask: Any = NotSpecified) -> Any:
        """``quantiles(10)``."""
        return self.quantiles(10, mask)

    def clip(self, min_bound: float, max_bound: float, mask: Any = NotSpecified) -> Any:
        """Values limited to ``min_bound`` ... ``max_bound`` (NaN stays NaN)."""
        if min_bound > max_bound:
            raise StrategyError(
                f"clip: min_bound {min_bound!r} is greater than max_bound {max_bound!r}"
            )
        _check_filter(mask, "clip")
        return Clip._make(
            inputs=(self,),
            window_length=0,
            mask=mask,
            window_safe=self.window_safe,
            extra={"min_bound": float(min_bound), "max_bound": float(max_bound)},
        )

    # ---- statistics against a target ---------------------------------------------------
    def pearsonr(self, target: Any, correlation_length: int, mask: Any = NotSpecified) -> Any:
        """Rolling Pearson correlation of each asset's values with ``target`` (a factor,
        column or one-asset slice such as ``returns[symbol('SPY')]``) over the last
        ``correlation_length`` sessions (zipline's ``RollingPearson``)."""
        from rustybt.pipeline.factors.statistical import RollingPearson

        _check_statistic(target, correlation_length, mask, "pearsonr", "correlation_length")
        return RollingPearson(
            base_factor=self, target=target, correlation_length=correlation_length, mask=mask
        )

    def spearmanr(self, target: Any, correlation_length: int, mask: Any = NotSpecified) -> Any:
        """Rolling Spearman rank correlation of each asset's values with ``target`` over
        the last ``correlation_length`` sessions (zipline's ``RollingSpearman``)."""
        from rustybt.pipeline.factors.statistical import RollingSpearman

        _check_statistic(target, correlation_length, mask, "spearmanr", "correlation_length")
        return RollingSpearman(
            base_factor=self, target=target, correlation_length=correlation_length, mask=mask
        )

    def linear_regression(
        self, target: Any, regression_length: int, mask: Any = NotSpecified
    ) -> Any:
        """Rolling least-squares regression of each asset's values on ``target`` over the
        last ``regression_length`` sessions: outputs alpha, beta, r_value, p_value and
        stderr (zipline's ``RollingLinearRegression``)."""
        from rustybt.pipeline.factors.statistical import RollingLinearRegression

        _check_statistic(target, regression_length, mask, "linear_regression", "regression_length")
        return RollingLinearRegression(
            dependent=self, independent=target, regression_length=regression_length, mask=mask
        )

    # ---- missing values -----------------------------------------------------------------
    def isnan(self) -> Any:
        """True where the value is NaN (among live assets)."""
        return self != self

    def notnan(self) -> Any:
        """True where the value is not NaN (among live assets)."""
        return ~self.isnan()

    def isfinite(self) -> Any:
        """True where the value is neither NaN nor infinite."""
        return (self > -np.inf) & (self < np.inf)

    def isnull(self) -> Any:
        """True where the value is missing (NaN for float factors)."""
        if self.dtype == FLOAT64:
            return self.isnan()
        from rustybt.pipeline.filter import NullFilter

        return NullFilter.create(self)

    def notnull(self) -> Any:
        """True where the value is not missing."""
        return ~self.isnull()

    def fillna(self, fill_value: Any) -> Any:
        """The factor with missing values replaced by ``fill_value`` (a number or a term's
        value)."""
        from rustybt.pipeline.data.dataset import BoundColumn

        if isinstance(fill_value, BoundColumn):
            raise StrategyError(
                f"fillna({fill_value!r}): a column is no fill value; did you mean "
                f"{fill_value.qualname}.latest?"
            )
        if not isinstance(fill_value, Term):
            try:
                fill_value = np.asarray(fill_value).astype(self.dtype).item()
            except (TypeError, ValueError):
                raise StrategyError(
                    f"fillna: {fill_value!r} is not a valid fill value for a {self.dtype} factor"
                ) from None
        return self.notnull().if_else(self, fill_value)

    def _float_only(self, method: str) -> None:
        if self.dtype != FLOAT64:
            raise StrategyError(f"{method}() needs a float64 factor, not {self.dtype}")

    def __abs__(self) -> Any:
        return self.abs()


def _math_method(name: str) -> Any:
    def method(self: Factor) -> Any:
        return make_expression(NumExprFactor, name, (self,), window_safe=self.window_safe)

    method.__name__ = name
    method.__doc__ = f"The element-wise ``{name}`` of the factor."
    return method


for _name in MATH_FUNCTIONS:
    setattr(Factor, _name, _math_method(_name))


def _check_statistic(target: Any, length: Any, mask: Any, where: str, name: str) -> None:
    if not isinstance(target, Term):
        raise StrategyError(
            f"{where}: target must be a factor, column or slice (e.g. returns[asset]), not "
            f"{target!r}"
        )
    if isinstance(length, bool) or not isinstance(length, int | np.integer):
        raise StrategyError(f"{where}: {name} must be a whole number of sessions, not {length!r}")
    _check_filter(mask, where)


def _check_count(count: Any, where: str) -> None:
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise StrategyError(f"{where}({count!r}): N must be a positive whole number")


class NumExprFactor(ExpressionMixin, Factor):
    """An arithmetic or math expression of factors and numbers."""


class CustomFactor(CustomTermMixin, Factor):
    """A factor computed by the user's ``compute(self, today, assets, out, *inputs)``.

    Set ``inputs`` (columns or window-safe terms), ``window_length``, optionally
    ``params`` (names, or a dict of defaults: passed to ``compute`` as keywords and
    readable as attributes), ``outputs`` (names: ``out`` is then a record array and the
    factor unpacks into one factor per output), ``mask``, ``dtype``, ``missing_value``
    and ``window_safe`` — as class attributes or constructor arguments. ``compute`` gets,
    each session, the assets the mask holds: ``assets`` (int64 sids), ``out`` (their
    slots) and each input as a (window_length, n_assets) array adjusted as of ``today``.
    """

    dtype = FLOAT64
    window_length = NotSpecified

    def _validate(self) -> None:
        super()._validate()
        if self.window_length == 0 and self.inputs:
            raise StrategyError(
                f"{type(self).__name__}: window_length must be at least 1 for a factor with inputs"
            )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}([{', '.join(_input_names(self.inputs))}], {self.window_length})"
        )


def _input_names(terms: tuple[Term, ...]) -> list[str]:
    return [getattr(t, "qualname", None) or repr(t) for t in terms]


class Latest(LatestMixin, CustomFactor):
    """The most recent value of a column (``EquityPricing.close.latest``): the row of
    session D is the column's value known before D opens, adjusted as of D."""

    window_length = 1

    def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:
        """The last row of the window."""
        out[:] = data[-1]


class Rank(Factor):
    """``factor.rank(...)``: see :meth:`Factor.rank`."""

    window_length = 0
    window_safe = True  # a rank does not move when a split rescales prices (zipline's)
    method: str
    ascending: bool

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """Ranks of the input's rows within the mask."""
        data = inputs[0]
        if data.dtype != FLOAT64:
            data = data.astype(FLOAT64)
        return rowwise.masked_rank(data, mask, self.method, self.ascending)

    def __repr__(self) -> str:
        order = "" if self.ascending else ", ascending=False"
        return f"{self.inputs[0]!r}.rank({self.method!r}{order})"


class Clip(Factor):
    """``factor.clip(min_bound, max_bound)``."""

    window_length = 0
    min_bound: float
    max_bound: float

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The input's values clipped to the bounds."""
        return np.clip(inputs[0], self.min_bound, self.max_bound)


class GroupedRowTransform(Factor):
    """A cross-sectional transform (demean, zscore, winsorize, grouped rank) applied to
    each session's row, separately per group of the ``groupby`` classifier, among the
    assets ``mask`` holds; NaN elsewhere."""

    window_length = 0
    transform: str
    arguments: tuple[Any, ...]

    @classmethod
    def create(
        cls,
        factor: Factor,
        transform: str,
        arguments: tuple[Any, ...],
        groupby: Any,
        mask: Any,
        *,
        window_safe: bool,
    ) -> Any:
        """The transform of ``factor`` (see the class)."""
        from rustybt.pipeline.classifier import Everything

        _check_filter(mask, transform)
        _check_classifier(groupby, transform)
        if groupby is NotSpecified:
            groupby = Everything()
        return cls._make(
            inputs=(factor, groupby),
            window_length=0,
            mask=mask,
            dtype=factor.dtype if transform != "rank" else FLOAT64,
            missing_value=factor.missing_value if transform != "rank" else np.nan,
            window_safe=window_safe,
            extra={"transform": transform, "arguments": arguments},
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The transform of each group of each row."""
        data, labels = inputs
        groupby = self.inputs[1]
        codes, null = groupby.integral_labels(labels)
        codes = np.where(mask, codes, null)
        name = self.transform
        if name == "rank":
            method, ascending = self.arguments
            function = rowwise.ranker(method, ascending)
            result = rowwise.grouped_apply(data, codes, null, function, rowwise_groups=True)
        else:
            if name == "winsorize":
                function = rowwise.winsorizer(*self.arguments)
            else:
                function = rowwise.demean if name == "demean" else rowwise.zscore
            result = rowwise.grouped_apply(data, codes, null, function, rowwise_groups=False)
        result[codes == null] = self.missing_value
        return result

    def __repr__(self) -> str:
        return f"{self.inputs[0]!r}.{self.transform}()"
