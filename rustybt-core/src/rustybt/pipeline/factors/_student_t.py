"""The Student t tail probability behind a regression's p-value, in numpy (scipy is not a
dependency): the regularized incomplete beta function by its continued fraction."""

from __future__ import annotations

import math

import numpy as np

from rustybt.pipeline.factors.basic import FloatArray


def student_t_tail(t: FloatArray, dof: int) -> FloatArray:
    """P(T > t) for Student's t with ``dof`` degrees of freedom, for t >= 0 (NaN stays NaN)."""
    x = dof / (dof + t * t)
    result: FloatArray = 0.5 * regularized_incomplete_beta(x, dof / 2.0, 0.5)
    return result


def regularized_incomplete_beta(x: FloatArray, a: float, b: float) -> FloatArray:
    """I_x(a, b) elementwise for 0 <= x <= 1, by the continued fraction (modified Lentz)
    on whichever side of the mean converges fast, to about 1e-14 relative."""
    x = np.asarray(x, dtype=np.float64)
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    direct = x < (a + 1.0) / (a + b + 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (x > 0) & (x < 1)
        front = np.exp(a * np.log(x) + b * np.log1p(-x) - log_beta)
        low = front * _beta_fraction(x, a, b) / a
        high = 1.0 - front * _beta_fraction(1.0 - x, b, a) / b
    result = np.where(direct, low, high)
    result = np.where(inner, result, np.where(x <= 0, 0.0, 1.0))
    out: FloatArray = np.where(np.isnan(x), np.nan, result)
    return out


def _beta_fraction(x: FloatArray, a: float, b: float) -> FloatArray:
    """The continued fraction of I_x(a, b), evaluated until every element converges."""
    tiny = 1.0e-300
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    fraction = d.copy()
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1.0 + numerator / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            step = c * d
            fraction = fraction * step
        if np.all(~np.isfinite(step) | (np.abs(step - 1.0) < 1e-16)):
            break
    return fraction
