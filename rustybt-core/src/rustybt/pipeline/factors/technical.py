"""Built-in technical-analysis factors: RSI, Bollinger bands, Aroon, stochastics, Ichimoku,
true range, rate of change and the MACD signal line, with zipline-reloaded's formulas.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from rustybt.errors import StrategyError
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factor import CustomFactor
from rustybt.pipeline.factors.basic import (  # re-exported: zipline also offers them here
    VWAP,
    FloatArray,
    LinearWeightedMovingAverage,
    MaxDrawdown,
    SimpleMovingAverage,
    WeightedAverageValue,
    exponential_weights,
    nan_max,
    nan_mean,
    nan_min,
    nan_std,
)
from rustybt.pipeline.windows import Rolling, rolling_nansum


class RSI(CustomFactor):
    """Relative Strength Index over the window's day-to-day changes of one input:
    ``100 - 100 / (1 + mean_gain / mean_loss)``, the means skipping missing changes and
    taken over all changes (a fall counts 0 gain and vice versa). 100 when nothing fell,
    NaN when nothing moved.

    Default inputs ``[EquityPricing.close]``, window length 15 (14 changes). window_safe.
    """

    inputs = (EquityPricing.close,)
    window_length = 15
    window_safe = True

    def compute(self, today: Any, assets: Any, out: FloatArray, closes: FloatArray) -> None:
        """Write each column's RSI into ``out``."""
        changes = np.diff(closes, axis=0)
        gains = nan_mean(np.clip(changes, 0, np.inf))
        losses = np.abs(nan_mean(np.clip(changes, -np.inf, 0)))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = 100 - (100 / (1 + (gains / losses)))

    def compute_rolling(self, closes: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once: the mean gain over the mean loss is
        the same for the back-adjusted closes (the scale cancels)."""
        if closes.values.dtype != np.float64:
            return None
        changes = np.diff(closes.values, axis=0)
        if np.isinf(changes).any():
            return None
        length = closes.window_length - 1
        losses = rolling_nansum(np.clip(changes, -np.inf, 0), length)[0]
        gains, counts = rolling_nansum(np.clip(changes, 0, np.inf, out=changes), length)
        # 100 - 100 / (1 + mean gain / |mean loss|), written into the sums' arrays.
        with np.errstate(divide="ignore", invalid="ignore"):
            gains /= counts
            losses /= counts
            gains /= np.abs(losses, out=losses)
            gains += 1
            np.divide(100, gains, out=gains)
            np.subtract(100, gains, out=gains)
        return gains


class BollingerBands(CustomFactor):
    """Bollinger bands of one input: ``middle`` the NaN-skipping mean over the window,
    ``upper``/``lower`` the middle plus/minus ``k`` population standard deviations.

    Outputs ``lower``, ``middle``, ``upper``; parameter ``k`` required. Default inputs
    ``[EquityPricing.close]``; no default window length.
    """

    inputs = (EquityPricing.close,)
    params = ("k",)
    outputs = ("lower", "middle", "upper")

    def compute(self, today: Any, assets: Any, out: Any, close: FloatArray, k: float) -> None:
        """Write the three bands per asset into the record array ``out``."""
        width = k * nan_std(close)
        middle = nan_mean(close)
        out.middle = middle
        out.upper = middle + width
        out.lower = middle - width


class Aroon(CustomFactor):
    """Aroon indicator: how far into the window the highest high (``up``) and the lowest
    low (``down``) fell, as ``100 * row / (window_length - 1)`` (100: on the last row).

    Missing values are skipped; the first row wins ties. Inputs low and high; outputs
    ``down`` and ``up``; no default window length.
    """

    inputs = (EquityPricing.low, EquityPricing.high)
    outputs = ("down", "up")

    def compute(
        self, today: Any, assets: Any, out: Any, lows: FloatArray, highs: FloatArray
    ) -> None:
        """Write the ``down`` and ``up`` positions per asset into the record array ``out``."""
        last_row = self.window_length - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            out.up = (100 * _nan_argextreme(highs, np.fmax)) / last_row
            out.down = (100 * _nan_argextreme(lows, np.fmin)) / last_row


def _nan_argextreme(data: FloatArray, pick: np.ufunc) -> FloatArray:
    """Row of each column's first extreme value skipping NaN (as a float), NaN for an
    all-NaN column (where zipline's raises)."""
    extreme = pick.reduce(data, axis=0)
    rows = np.argmax(data == extreme, axis=0).astype(np.float64)
    rows[np.isnan(extreme)] = np.nan
    return rows


class FastStochasticOscillator(CustomFactor):
    """Fast stochastic %K: where the last close sits in the window's low-high range,
    ``100 * (close - lowest_low) / (highest_high - lowest_low)``, skipping missing values.

    Inputs close, low, high; window length 14. window_safe.
    """

    inputs = (EquityPricing.close, EquityPricing.low, EquityPricing.high)
    window_length = 14
    window_safe = True

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        closes: FloatArray,
        lows: FloatArray,
        highs: FloatArray,
    ) -> None:
        """Write each column's %K into ``out``."""
        lowest = nan_min(lows)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = ((closes[-1] - lowest) / (nan_max(highs) - lowest)) * 100


class IchimokuKinkoHyo(CustomFactor):
    """Ichimoku cloud lines: ``tenkan_sen`` and ``kijun_sen`` the mid-points of the high-low
    range over their trailing lengths, ``senkou_span_a`` their mean, ``senkou_span_b`` the
    mid-point over the whole window and ``chikou_span`` the close ``chikou_span_length`` rows
    after the window's first row. A missing value in a range gives NaN.

    Inputs high, low, close; window length 52; parameters ``tenkan_sen_length`` 9,
    ``kijun_sen_length`` 26, ``chikou_span_length`` 26, each at most the window length.
    """

    inputs = (EquityPricing.high, EquityPricing.low, EquityPricing.close)
    params = MappingProxyType(
        {"tenkan_sen_length": 9, "kijun_sen_length": 26, "chikou_span_length": 26}
    )
    outputs = ("tenkan_sen", "kijun_sen", "senkou_span_a", "senkou_span_b", "chikou_span")
    window_length = 52

    def _validate(self) -> None:
        super()._validate()
        for name in ("tenkan_sen_length", "kijun_sen_length", "chikou_span_length"):
            value = self.params[name]
            if value > self.window_length:
                raise StrategyError(
                    f"IchimokuKinkoHyo: {name}={value} exceeds window_length={self.window_length};"
                    f" pass a larger window_length or a smaller {name}"
                )

    def compute(
        self,
        today: Any,
        assets: Any,
        out: Any,
        high: FloatArray,
        low: FloatArray,
        close: FloatArray,
        tenkan_sen_length: int,
        kijun_sen_length: int,
        chikou_span_length: int,
    ) -> None:
        """Write the five Ichimoku lines per asset into the record array ``out``."""
        tenkan = _midpoint(high[-tenkan_sen_length:], low[-tenkan_sen_length:])
        kijun = _midpoint(high[-kijun_sen_length:], low[-kijun_sen_length:])
        out.tenkan_sen = tenkan
        out.kijun_sen = kijun
        out.senkou_span_a = (tenkan + kijun) / 2
        out.senkou_span_b = _midpoint(high, low)
        out.chikou_span = close[chikou_span_length]


def _midpoint(high: FloatArray, low: FloatArray) -> FloatArray:
    """Mid-point of each column's high-low range; NaN propagates."""
    result: FloatArray = (high.max(axis=0) + low.min(axis=0)) / 2
    return result


class RateOfChangePercentage(CustomFactor):
    """Rate of change over the window in percent: ``100 * (last - first) / first``.

    No default input or window length.
    """

    def compute(self, today: Any, assets: Any, out: FloatArray, close: FloatArray) -> None:
        """Write each column's percentage change into ``out``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = ((close[-1] - close[0]) / close[0]) * 100

    def compute_rolling(self, close: Rolling) -> FloatArray | None:
        """:meth:`compute` for every session at once (float inputs only)."""
        if close.values.dtype != np.float64:
            return None
        first = close.row(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: FloatArray = ((close.row(-1) - first) / first) * 100
        return result


class TrueRange(CustomFactor):
    """Wilder's true range of the last session: the largest of high - low,
    |high - previous close| and |low - previous close|, skipping missing ones.

    Inputs high, low, close; window length 2 (and only 2).
    """

    inputs = (EquityPricing.high, EquityPricing.low, EquityPricing.close)
    window_length = 2

    def _validate(self) -> None:
        super()._validate()
        if self.window_length != 2:
            raise StrategyError(
                "TrueRange needs window_length=2 (the last session and the one before),"
                f" got {self.window_length}"
            )

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        highs: FloatArray,
        lows: FloatArray,
        closes: FloatArray,
    ) -> None:
        """Write each column's true range into ``out``."""
        high, low, previous_close = highs[-1], lows[-1], closes[-2]
        ranges = np.stack((high - low, np.abs(high - previous_close), np.abs(low - previous_close)))
        out[:] = nan_max(ranges)


class MovingAverageConvergenceDivergenceSignal(CustomFactor):
    """MACD signal line: the ``signal_period``-row exponential average (span weights) of
    the MACD, itself the ``fast_period`` minus the ``slow_period`` exponential average of
    the close, each taken over its trailing rows.

    Parameters ``fast_period`` 12, ``slow_period`` 26 (greater than fast), ``signal_period``
    9, all at least 1; the window length is ``slow_period + signal_period - 1`` and is not
    accepted. Input ``EquityPricing.close``. Also importable as ``MACDSignal``.
    """

    inputs = (EquityPricing.close,)
    params = ("fast_period", "slow_period", "signal_period")

    def __new__(
        cls,
        fast_period: int = 12,
        slow_period: int = 26,
        signal_period: int = 9,
        **kwargs: Any,
    ) -> Any:
        """The signal line for the given periods (window length derived from them)."""
        for name, value in (
            ("fast_period", fast_period),
            ("slow_period", slow_period),
            ("signal_period", signal_period),
        ):
            if value < 1:
                raise StrategyError(f"MACDSignal: {name} must be at least 1, got {value!r}")
        if slow_period <= fast_period:
            raise StrategyError(
                "MACDSignal: slow_period must be greater than fast_period, got"
                f" slow_period={slow_period}, fast_period={fast_period}"
            )
        return super().__new__(
            cls,
            fast_period=fast_period,
            slow_period=slow_period,
            signal_period=signal_period,
            window_length=slow_period + signal_period - 1,
            **kwargs,
        )

    def compute(
        self,
        today: Any,
        assets: Any,
        out: FloatArray,
        close: FloatArray,
        fast_period: int,
        slow_period: int,
        signal_period: int,
    ) -> None:
        """Write each column's MACD signal value into ``out``."""
        slow = _span_average(_trailing_windows(close, slow_period), slow_period)
        fast = _span_average(_trailing_windows(close, fast_period)[-signal_period:], fast_period)
        out[:] = _span_average((fast - slow).T, signal_period)


def _trailing_windows(data: FloatArray, length: int) -> FloatArray:
    """View of ``data`` (rows x assets) as (windows, length, assets): every run of
    ``length`` consecutive rows, oldest first."""
    rows = data.shape[0] - length + 1
    view: FloatArray = np.lib.stride_tricks.as_strided(
        data,
        shape=(rows, length, *data.shape[1:]),
        strides=(data.strides[0], *data.strides),
        writeable=False,
    )
    return view


def _span_average(data: FloatArray, span: int) -> FloatArray:
    """Exponential average over axis 1 with ``decay_rate = 1 - 2 / (1 + span)``."""
    weights = exponential_weights(span, 1.0 - (2.0 / (1.0 + span)))
    result: FloatArray = np.average(data, axis=1, weights=weights)
    return result


MACDSignal = MovingAverageConvergenceDivergenceSignal

__all__ = [
    "RSI",
    "VWAP",
    "Aroon",
    "BollingerBands",
    "FastStochasticOscillator",
    "IchimokuKinkoHyo",
    "LinearWeightedMovingAverage",
    "MACDSignal",
    "MaxDrawdown",
    "MovingAverageConvergenceDivergenceSignal",
    "RateOfChangePercentage",
    "SimpleMovingAverage",
    "TrueRange",
    "WeightedAverageValue",
]
