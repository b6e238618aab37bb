"""Built-in factors over one or two price/volume columns: averages, returns, volatility.

Each factor is a :class:`~rustybt.pipeline.factor.CustomFactor` whose ``compute`` works on
one date's windows, ``(window_length, n_assets)`` float arrays, vectorised over assets. The
formulas, NaN handling and defaults are zipline-reloaded's, so a pipeline gives zipline's
numbers: "nan" functions skip missing bars where zipline's do, and plain numpy propagates
them where zipline's does. Some also have ``compute_rolling``, the same numbers (within
rounding) for every session at once from rolling sums
(:class:`~rustybt.pipeline.windows.Rolling`), which the engine uses instead of a call per
session.
"""

from __future__ import annotations

from numbers import Number
from types import MappingProxyType
from typing import Any

import numpy as np

from rustybt.errors import StrategyError
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factor import CustomFactor
from rustybt.pipeline.factors._checks import (
    require_single_input,
    require_window_length_at_least,
)
from rustybt.pipeline.windows import Rolling, rolling_nansum

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


class Returns(CustomFactor):
    """The fractional change of the close over the window: ``(last - first) / first``.

    Default inputs: ``[EquityPricing.close]``; no default window length (2 gives daily
    returns). window_safe. A first close of 0 gives inf, a missing close NaN.
    """

    inputs = (EquityPricing.close,)
    window_safe = True

    def _validate(self) -> None:
        super()._validate()
        require_window_length_at_least(self, 2, hint="for daily returns use window_length=2")

    def compute(self, today: Any, assets: Any, out: FloatArray, close: FloatArray) -> None:
        """Write ``(close[-1] - close[0]) / close[0]`` per asset into ``out``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (close[-1] - close[0]) / close[0]

    def compute_rolling(self, close: Rolling) -> FloatArray:
        """:meth:`compute` for every session at once."""
        first = close.row(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: FloatArray = (close.row(-1) - first) / first
        return result


class DailyReturns(Returns):
    """:class:`Returns` over two sessions: the last session's close-to-close change."""

    window_length = 2


class PercentChange(CustomFactor):
    """The change of one input over the window relative to its first value's magnitude:
    ``(last - first) / abs(first)``.

    No default input or window length (at least 2). window_safe.
    """

    window_safe = True

    def _validate(self) -> None:
        super()._validate()
        require_single_input(self)
        require_window_length_at_least(self, 2, hint="for a daily change use window_length=2")

    def compute(self, today: Any, assets: Any, out: FloatArray, values: FloatArray) -> None:
        """Write ``(values[-1] - values[0]) / |values[0]|`` per asset into ``out``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (values[-1] - values[0]) / np.abs(values[0])

    def compute_rolling(self, values: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once (float inputs only)."""
        if values.values.dtype != np.float64:
            return None
        first = values.row(0)
        # (last - first) / |first|, written into the rows' new arrays.
        result = values.row(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            result -= first
            result /= np.abs(first, out=first)
        return result


class SimpleMovingAverage(CustomFactor):
    """The mean of one input over the window, skipping missing (NaN) values.

    No default input or window length. NaN for an asset with no value in the window.
    """

    def _validate(self) -> None:
        super()._validate()
        require_single_input(self)

    def compute(self, today: Any, assets: Any, out: FloatArray, data: FloatArray) -> None:
        """Write the NaN-skipping mean of each column of ``data`` into ``out``."""
        out[:] = nan_mean(data)

    def compute_rolling(self, data: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once, for data of one sign."""
        if not data.one_signed():
            return None
        sums, counts = rolling_nansum(data.values, data.window_length)
        with np.errstate(divide="ignore", invalid="ignore"):
            sums /= counts
            sums /= data.scale
        return sums


class WeightedAverageValue(CustomFactor):
    """The average of the first input weighted by the second, over the window:
    ``nansum(base * weight) / nansum(weight)``.

    A row missing either value adds nothing to the numerator; a weight whose base is missing
    still counts in the denominator, as zipline's does. No default inputs or window length.
    """

    def compute(
        self, today: Any, assets: Any, out: FloatArray, base: FloatArray, weight: FloatArray
    ) -> None:
        """Write ``nansum(base * weight) / nansum(weight)`` per asset into ``out``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = np.nansum(base * weight, axis=0) / np.nansum(weight, axis=0)

    def compute_rolling(self, base: Rolling, weight: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once, for weights and products of one
        sign."""
        weighted = base.values * weight.values
        if not (base.one_signed(weighted) and weight.one_signed()):
            return None
        numerator = rolling_nansum(weighted, base.window_length)[0]
        denominator = rolling_nansum(weight.values, weight.window_length)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            result: FloatArray = numerator / denominator / base.scale
        return result


class VWAP(WeightedAverageValue):
    """Volume-weighted average close over the window (inputs close and volume).

    NaN when the window holds no volume. No default window length.
    """

    inputs = (EquityPricing.close, EquityPricing.volume)


class AverageDollarVolume(CustomFactor):
    """Mean daily traded value, close x volume, over the window.

    Missing bars count as zero dollar volume: the sum skips them but the divisor is the
    full window length, as zipline's does. Default inputs close and volume; no default
    window length.
    """

    inputs = (EquityPricing.close, EquityPricing.volume)

    def compute(
        self, today: Any, assets: Any, out: FloatArray, close: FloatArray, volume: FloatArray
    ) -> None:
        """Write ``nansum(close * volume) / window_length`` per asset into ``out``."""
        out[:] = np.nansum(close * volume, axis=0) / len(close)

    def compute_rolling(self, close: Rolling, volume: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once, for dollar volumes of one sign."""
        traded = close.values * volume.values
        if not close.one_signed(traded):
            return None
        sums = rolling_nansum(traded, close.window_length)[0]
        sums /= close.scale * volume.scale
        sums /= close.window_length
        return sums


class MaxDrawdown(CustomFactor):
    """The window's largest fall from a running peak, as a fraction of the trough:
    ``(peak - trough) / trough``, zipline's definition (not of the peak).

    Missing values are skipped for the running peak. No default input or window length.
    """

    def _validate(self) -> None:
        super()._validate()
        require_single_input(self)

    def compute(self, today: Any, assets: Any, out: FloatArray, data: FloatArray) -> None:
        """Write each column's ``(peak - trough) / trough`` at its deepest drawdown."""
        running_peak = np.fmax.accumulate(data, axis=0)
        drawdowns = running_peak - data
        drawdowns[np.isnan(drawdowns)] = -np.inf
        # The first deepest row wins ties, as zipline's nanargmax picks it.
        deepest = np.argmax(drawdowns, axis=0)
        columns = np.arange(data.shape[1])
        trough = data[deepest, columns]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (running_peak[deepest, columns] - trough) / trough


def exponential_weights(length: int, decay_rate: float) -> FloatArray:
    """Weights ``decay_rate ** (length + 1), ..., decay_rate ** 2``, oldest row first.

    The extra power of ``decay_rate`` cancels in a weighted average; it is kept so the
    floats are zipline's to the last bit.
    """
    exponents = np.arange(length + 1, 1, -1)
    return np.full(length, decay_rate, dtype=np.float64) ** exponents


class _ExponentialWeightedFactor(CustomFactor):
    """Shared parameters and alternative constructors of the exponentially weighted factors.

    ``decay_rate`` (0 < decay_rate <= 1) multiplies each older row's weight once more.
    """

    params = ("decay_rate",)

    def _validate(self) -> None:
        super()._validate()
        require_single_input(self)

    @classmethod
    def from_span(cls, inputs: Any, window_length: int, span: float, **kwargs: Any) -> Any:
        """The factor with ``decay_rate = 1 - 2 / (1 + span)``, pandas' ``ewm(span=...)``.

        ``span`` must be a number greater than 1.
        """
        _require_number(cls, "span", span)
        if span <= 1:
            raise StrategyError(f"{cls.__name__}.from_span needs span > 1, got {span!r}")
        return cls(
            inputs=inputs,
            window_length=window_length,
            decay_rate=1.0 - (2.0 / (1.0 + span)),
            **kwargs,
        )

    @classmethod
    def from_halflife(cls, inputs: Any, window_length: int, halflife: float, **kwargs: Any) -> Any:
        """The factor with ``decay_rate = exp(log(0.5) / halflife)``, pandas'
        ``ewm(halflife=...)``. ``halflife`` must be a positive number.
        """
        _require_number(cls, "halflife", halflife)
        if halflife <= 0:
            raise StrategyError(
                f"{cls.__name__}.from_halflife needs halflife > 0, got {halflife!r}"
            )
        return cls(
            inputs=inputs,
            window_length=window_length,
            decay_rate=float(np.exp(np.log(0.5) / halflife)),
            **kwargs,
        )

    @classmethod
    def from_center_of_mass(
        cls, inputs: Any, window_length: int, center_of_mass: float, **kwargs: Any
    ) -> Any:
        """The factor with ``decay_rate = 1 - 1 / (1 + center_of_mass)``, pandas'
        ``ewm(com=...)``.
        """
        return cls(
            inputs=inputs,
            window_length=window_length,
            decay_rate=1.0 - (1.0 / (1.0 + center_of_mass)),
            **kwargs,
        )


class ExponentialWeightedMovingAverage(_ExponentialWeightedFactor):
    """Exponentially weighted mean of one input over the window (the newest row weighs
    most). A missing value anywhere in the window gives NaN, as zipline's does.

    Also importable as ``EWMA``. No default input or window length.
    """

    def compute(
        self, today: Any, assets: Any, out: FloatArray, data: FloatArray, decay_rate: float
    ) -> None:
        """Write the weighted mean of each column of ``data`` into ``out``."""
        out[:] = np.average(data, axis=0, weights=exponential_weights(len(data), decay_rate))


class ExponentialWeightedMovingStdDev(_ExponentialWeightedFactor):
    """Exponentially weighted standard deviation of one input over the window, with the
    reliability-weights bias correction ``S1**2 / (S1**2 - S2)`` (S1 the sum of weights, S2
    the sum of their squares). A missing value gives NaN.

    Also importable as ``EWMSTD``. No default input or window length.
    """

    def compute(
        self, today: Any, assets: Any, out: FloatArray, data: FloatArray, decay_rate: float
    ) -> None:
        """Write the bias-corrected weighted standard deviation per column into ``out``."""
        weights = exponential_weights(len(data), decay_rate)
        mean = np.average(data, axis=0, weights=weights)
        variance = np.average((data - mean) ** 2, axis=0, weights=weights)
        squared_weight_sum = np.sum(weights) ** 2
        correction = squared_weight_sum / (squared_weight_sum - np.sum(weights**2))
        out[:] = np.sqrt(variance * correction)


class LinearWeightedMovingAverage(CustomFactor):
    """Mean of one input weighted 1, 2, ..., W from the oldest row to the newest.

    A missing value adds nothing but the divisor stays ``W * (W + 1) / 2``, as zipline's.
    No default input or window length.
    """

    def _validate(self) -> None:
        super()._validate()
        require_single_input(self)

    def compute(self, today: Any, assets: Any, out: FloatArray, data: FloatArray) -> None:
        """Write the linearly weighted mean of each column of ``data`` into ``out``."""
        rows = data.shape[0]
        weights = np.arange(1, rows + 1, dtype=np.float64).reshape(rows, 1)
        out[:] = np.nansum(data * weights, axis=0) / ((rows * (rows + 1)) / 2)


class AnnualizedVolatility(CustomFactor):
    """Standard deviation (population, ddof=0, NaN-skipping) of daily returns over the
    window, times ``sqrt(annualization_factor)``.

    Default inputs ``[Returns(window_length=2)]``, window length 252,
    ``annualization_factor`` 252.0.
    """

    inputs = (Returns(window_length=2),)
    params = MappingProxyType({"annualization_factor": 252.0})
    window_length = 252

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        returns: FloatArray,
        annualization_factor: float,
    ) -> None:
        """Write ``nanstd(returns) * annualization_factor ** 0.5`` per asset into ``out``."""
        out[:] = nan_std(returns) * (annualization_factor**0.5)


# zipline's short names.
EWMA = ExponentialWeightedMovingAverage
EWMSTD = ExponentialWeightedMovingStdDev


def nan_mean(data: FloatArray) -> FloatArray:
    """Column means of ``data`` skipping NaN; NaN for a column without values (no warning)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        present = ~np.isnan(data)
        total = np.where(present, data, 0.0).sum(axis=0)
        result: FloatArray = total / present.sum(axis=0)
    return result


def nan_std(data: FloatArray) -> FloatArray:
    """Column population standard deviations (ddof=0) skipping NaN; NaN for an empty column."""
    present = ~np.isnan(data)
    centred = np.where(present, data - nan_mean(data), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.sqrt((centred * centred).sum(axis=0) / present.sum(axis=0))
    return result


def nan_max(data: FloatArray) -> FloatArray:
    """Column maxima of ``data`` skipping NaN; NaN for a column without values."""
    return np.fmax.reduce(data, axis=0)


def nan_min(data: FloatArray) -> FloatArray:
    """Column minima of ``data`` skipping NaN; NaN for a column without values."""
    return np.fmin.reduce(data, axis=0)


def _require_number(cls: type, name: str, value: object) -> None:
    if not isinstance(value, Number) or isinstance(value, bool):
        raise StrategyError(f"{cls.__name__}: {name} must be a number, got {value!r}")
