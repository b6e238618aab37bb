"""Built-in rolling statistics between assets: Pearson and Spearman correlation, linear
regression and beta, each against another factor's columns or one asset's (a slice).

The formulas are zipline-reloaded's (population moments; Pearson and Spearman give NaN when
the window has a missing value; beta tolerates a share of missing rows). Where zipline's
raise inside scipy (a constant regressor), these give NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rustybt.assets import Asset
from rustybt.errors import StrategyError
from rustybt.pipeline.factor import CustomFactor
from rustybt.pipeline.factors._checks import require_numeric_term, require_same_mask
from rustybt.pipeline.factors._student_t import student_t_tail
from rustybt.pipeline.factors.basic import FloatArray, Returns, nan_mean
from rustybt.pipeline.term import NotSpecified

# scipy's linregress guards the t statistic against r = +-1 with this.
_TINY = 1.0e-20


class _RollingCorrelation(CustomFactor):
    """Shared constructor: ``base_factor``'s columns against ``target`` over
    ``correlation_length`` rows."""

    window_safe = True

    def __new__(
        cls, base_factor: Any, target: Any, correlation_length: int, mask: Any = NotSpecified
    ) -> Any:
        """The rolling statistic of ``base_factor`` against ``target`` (a factor, column or
        slice of a numeric dtype) over ``correlation_length`` (>= 2) rows."""
        return _new_pairwise(
            cls,
            ("base_factor", base_factor),
            ("target", target),
            correlation_length,
            mask,
            too_short=(
                f"{cls.__name__}: correlation_length must be at least 2, got {correlation_length!r}"
            ),
        )


class _CorrelationOfReturns(_RollingCorrelation):
    """Shared constructor: every asset's returns against the ``target`` asset's."""

    def __new__(
        cls, target: Asset, returns_length: int, correlation_length: int, mask: Any = NotSpecified
    ) -> Any:
        """The rolling correlation of ``returns_length`` returns with ``target``'s returns
        over ``correlation_length`` rows."""
        returns = returns_with_target(target, returns_length)
        return super().__new__(cls, returns, returns[target], correlation_length, mask)


class RollingPearson(_RollingCorrelation):
    """Pearson correlation of each column of ``base_factor`` with ``target`` (the matching
    column, or the one column of a slice) over the window; NaN when either has a missing
    value in the window or does not vary. window_safe.
    """

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        base_data: FloatArray,
        target_data: FloatArray,
    ) -> None:
        """Write each column's correlation coefficient into ``out``."""
        out[:] = pearson_r(base_data, target_data)


class RollingSpearman(_RollingCorrelation):
    """Spearman rank correlation (average ranks for ties) of each column of
    ``base_factor`` with ``target`` over the window; NaN when either has a missing value in
    the window or does not vary. window_safe.
    """

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        base_data: FloatArray,
        target_data: FloatArray,
    ) -> None:
        """Write each column's rank correlation coefficient into ``out``."""
        target_data = np.broadcast_to(target_data, base_data.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = pearson_r(_average_ranks(base_data), _average_ranks(target_data))
        missing = np.isnan(base_data).any(axis=0) | np.isnan(target_data).any(axis=0)
        out[:] = np.where(missing, np.nan, np.clip(rho, -1.0, 1.0))


def pearson_r(dependents: FloatArray, independents: FloatArray) -> FloatArray:
    """Population Pearson r of each column of ``dependents`` (rows x assets) with the
    matching column of ``independents`` (same shape, or one column broadcast). NaN where a
    column has a missing value or a zero variance."""
    independents = np.asarray(independents, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ind_residual = independents - np.mean(independents, axis=0)
        dep_residual = dependents - np.mean(dependents, axis=0)
        ind_variance = np.mean(ind_residual**2, axis=0)
        dep_variance = np.mean(dep_residual**2, axis=0)
        covariance = np.mean(ind_residual * dep_residual, axis=0)
        r = covariance / np.sqrt(ind_variance * dep_variance)
    target_missing = np.isnan(independents).sum(axis=0) > 0
    result: FloatArray = np.where(target_missing, np.nan, r)
    return result


def _average_ranks(data: FloatArray) -> FloatArray:
    """Ranks 1..n down each column, tied values sharing their mean rank (NaN sorts last)."""
    rows = data.shape[0]
    order = np.argsort(data, axis=0, kind="mergesort")
    ordered = np.take_along_axis(data, order, axis=0)
    positions = np.arange(rows).reshape(rows, *([1] * (data.ndim - 1)))
    differs = ordered[1:] != ordered[:-1]
    edge = np.ones((1, *data.shape[1:]), dtype=bool)
    starts = np.concatenate((edge, differs))
    ends = np.concatenate((differs, edge))
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, positions, rows)[::-1], axis=0)[::-1]
    ranks = np.empty_like(data, dtype=np.float64)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=0)
    return ranks


class RollingLinearRegression(CustomFactor):
    """Least-squares regression of each column of ``dependent`` on ``independent`` (the
    matching column, or one column of a slice) over the window, as scipy's ``linregress``:
    outputs ``alpha`` (intercept), ``beta`` (slope), ``r_value``, ``p_value`` (two-sided,
    slope zero) and ``stderr`` (of the slope). NaN when a value is missing, and for every
    output when the regressor does not vary (where zipline's raises).
    """

    outputs = ("alpha", "beta", "r_value", "p_value", "stderr")

    def __new__(
        cls, dependent: Any, independent: Any, regression_length: int, mask: Any = NotSpecified
    ) -> Any:
        """The rolling regression of ``dependent`` on ``independent`` over
        ``regression_length`` (>= 2) rows."""
        return _new_pairwise(
            cls,
            ("dependent", dependent),
            ("independent", independent),
            regression_length,
            mask,
            too_short=(
                f"{cls.__name__}: regression_length must be at least 2, got {regression_length!r}"
            ),
        )

    def compute(
        self,
        today: Any,
        assets: Any,
        out: Any,
        dependent: FloatArray,
        independent: FloatArray,
    ) -> None:
        """Write the five regression outputs per asset into the record array ``out``."""
        y = dependent
        x = np.broadcast_to(independent, y.shape)
        rows = y.shape[0]
        x_mean = np.mean(x, axis=0)
        y_mean = np.mean(y, axis=0)
        x_res = x - x_mean
        y_res = y - y_mean
        ss_x = np.mean(x_res * x_res, axis=0)
        ss_y = np.mean(y_res * y_res, axis=0)
        ss_xy = np.mean(x_res * y_res, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.clip(ss_xy / np.sqrt(ss_x * ss_y), -1.0, 1.0)
            r = np.where((ss_x == 0) | (ss_y == 0), np.where(ss_xy == 0, np.nan, 0.0), r)
            slope = ss_xy / ss_x
            intercept = y_mean - slope * x_mean
            if rows == 2:
                p_value = np.where(y[0] == y[1], 1.0, 0.0)
                stderr = np.zeros_like(slope)
            else:
                dof = rows - 2
                t = r * np.sqrt(dof / ((1.0 - r + _TINY) * (1.0 + r + _TINY)))
                p_value = 2 * student_t_tail(np.abs(t), dof)
                stderr = np.sqrt((1 - r**2) * ss_y / ss_x / dof)
        constant_x = np.max(x, axis=0) == np.min(x, axis=0)
        for name, values in (
            ("alpha", intercept),
            ("beta", slope),
            ("r_value", r),
            ("p_value", p_value),
            ("stderr", stderr),
        ):
            out[name] = np.where(constant_x, np.nan, values)


class RollingPearsonOfReturns(_CorrelationOfReturns, RollingPearson):
    """Pearson correlation of every asset's ``returns_length`` returns with the ``target``
    asset's over ``correlation_length`` rows. The target's returns are computed even when
    ``mask`` excludes it.
    """


class RollingSpearmanOfReturns(_CorrelationOfReturns, RollingSpearman):
    """Spearman rank correlation of every asset's ``returns_length`` returns with the
    ``target`` asset's over ``correlation_length`` rows.
    """


class RollingLinearRegressionOfReturns(RollingLinearRegression):
    """Regression of every asset's ``returns_length`` returns on the ``target`` asset's
    over ``regression_length`` rows; outputs as :class:`RollingLinearRegression`.
    window_safe.
    """

    window_safe = True

    def __new__(
        cls, target: Asset, returns_length: int, regression_length: int, mask: Any = NotSpecified
    ) -> Any:
        """The rolling regression of returns on ``target``'s returns."""
        returns = returns_with_target(target, returns_length)
        return super().__new__(cls, returns, returns[target], regression_length, mask)


class SimpleBeta(CustomFactor):
    """Slope of the regression of each asset's daily returns on the ``target`` asset's over
    ``regression_length`` (>= 3) rows: ``cov(x, y) / var(x)`` over the rows where both are
    present. NaN when more than ``int(allowed_missing_percentage * regression_length)`` rows
    (default 25%) miss either return. window_safe.
    """

    window_safe = True
    params = ("allowed_missing_count",)

    def __new__(
        cls,
        target: Asset,
        regression_length: int,
        allowed_missing_percentage: float = 0.25,
    ) -> Any:
        """The rolling beta to ``target``."""
        if not isinstance(target, Asset):
            raise StrategyError(
                f"SimpleBeta: target must be an Asset (e.g. symbol('SPY')), got {target!r}"
            )
        if not isinstance(regression_length, int) or isinstance(regression_length, bool):
            raise StrategyError(
                f"SimpleBeta: regression_length must be an int, got {regression_length!r}"
            )
        if regression_length < 3:
            raise StrategyError(
                f"SimpleBeta: regression_length must be at least 3, got {regression_length}"
            )
        if not isinstance(allowed_missing_percentage, int | float) or not (
            0.0 <= allowed_missing_percentage <= 1.0
        ):
            raise StrategyError(
                "SimpleBeta: allowed_missing_percentage must be a number from 0 to 1, got"
                f" {allowed_missing_percentage!r}"
            )
        returns = returns_with_target(target, 2)
        return _new_custom(
            cls,
            [returns, returns[target]],
            regression_length,
            NotSpecified,
            allowed_missing_count=int(allowed_missing_percentage * regression_length),
        )

    @property
    def target(self) -> Asset:
        """The asset the betas are measured against."""
        asset: Asset = self.inputs[1].asset
        return asset

    def __repr__(self) -> str:
        return (
            f"SimpleBeta({self.target}, length={self.window_length},"
            f" allowed_missing={self.allowed_missing_count})"
        )

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        all_returns: FloatArray,
        target_returns: FloatArray,
        allowed_missing_count: int,
    ) -> None:
        """Write each asset's beta to the target into ``out``."""
        out[:] = vectorized_beta(all_returns, target_returns, allowed_missing_count)


def vectorized_beta(
    dependents: FloatArray, independent: FloatArray, allowed_missing: int
) -> FloatArray:
    """Slopes of the regressions of each column of ``dependents`` (rows x assets) on
    ``independent`` (one column), over the rows where both are present; NaN for a column
    with more than ``allowed_missing`` such rows missing."""
    independent = np.where(np.isnan(dependents), np.nan, independent)
    # Centring x alone suffices: mean((x - mean x) * y) equals the covariance because
    # (x - mean x) sums to zero over the rows both share.
    residual = independent - nan_mean(independent)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = nan_mean(residual * dependents) / nan_mean(residual**2)
    too_sparse = np.isnan(independent).sum(axis=0) > allowed_missing
    result: FloatArray = np.where(too_sparse, np.nan, slopes)
    return result


def returns_with_target(target: Asset, window_length: int) -> Returns:
    """Returns over ``window_length`` rows, sliced at ``target`` for the regressor.

    zipline masks them with ``AssetExists() | SingleAsset(target)``, which equals
    ``AssetExists()`` whenever it does not raise (it raises unless the target lives through
    the whole span), so the default mask gives the same values; where zipline's raises, the
    target's returns are NaN on the sessions it is not alive.
    """
    return Returns(window_length=window_length)


def _new_pairwise(
    cls: type,
    first: tuple[str, Any],
    second: tuple[str, Any],
    length: int,
    mask: Any,
    *,
    too_short: str,
) -> Any:
    """Build ``cls`` over the (argument name, term) pair ``first`` against ``second``:
    numeric terms with the same mask, over ``length`` rows; ``too_short`` is the error when
    ``length`` is under 2."""
    name = cls.__name__
    require_numeric_term(name, *first)
    require_numeric_term(name, *second)
    if length < 2:
        raise StrategyError(too_short)
    require_same_mask(name, first[1], second[1])
    return _new_custom(cls, [first[1], second[1]], length, mask)


def _new_custom(cls: type, inputs: list[Any], window_length: int, mask: Any, **params: Any) -> Any:
    """Build the CustomFactor ``cls`` past the subclasses' own ``__new__`` signatures."""
    return CustomFactor.__new__(
        cls, inputs=inputs, window_length=window_length, mask=mask, **params
    )
