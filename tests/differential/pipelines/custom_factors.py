"""Custom factors: params (a tuple, and a dict of defaults), several outputs, several inputs,
a window-safe factor as an input, a mask, and numpy's NaN-aware reductions."""

import numpy as np
from zipline.pipeline import CustomFactor, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import Returns


class Momentum(CustomFactor):
    """The close ``lag`` sessions ago relative to the window's first, scaled."""

    inputs = (EquityPricing.close,)
    window_length = 30
    params = ("lag", "scale")

    def compute(self, today, assets, out, close, lag, scale):
        out[:] = (close[-1 - lag] / close[0] - 1) * scale


class Range(CustomFactor):
    """High-low range over the window, with a default ``floor`` param."""

    inputs = (EquityPricing.high, EquityPricing.low)
    window_length = 10
    params = {"floor": 0.0}  # noqa: RUF012 (zipline takes a dict of defaults)

    def compute(self, today, assets, out, high, low, floor):
        out[:] = np.maximum(np.nanmax(high, axis=0) - np.nanmin(low, axis=0), floor)


class Extremes(CustomFactor):
    """Two outputs: the window's lowest and highest close, NaN bars skipped."""

    inputs = (EquityPricing.close,)
    outputs = ("lowest", "highest")
    window_length = 20

    def compute(self, today, assets, out, close):
        out.lowest[:] = np.nanmin(close, axis=0)
        out.highest[:] = np.nanmax(close, axis=0)


class MeanReturnTimesVolume(CustomFactor):
    """A window-safe factor (Returns) as an input beside a pricing column."""

    inputs = (Returns(window_length=2), EquityPricing.volume)
    window_length = 5

    def compute(self, today, assets, out, returns, volume):
        out[:] = np.nanmean(returns, axis=0) * np.nansum(volume, axis=0) + assets


class Counted(CustomFactor):
    """How many rows of the window have a close: counts missing bars; masked."""

    inputs = (EquityPricing.close,)
    window_length = 15

    def compute(self, today, assets, out, close):
        out[:] = np.isfinite(close).sum(axis=0)


def make_pipeline():
    extremes = Extremes()
    liquid = EquityPricing.volume.latest > 500_000
    return Pipeline(
        columns={
            "momentum": Momentum(lag=5, scale=100.0),
            "momentum_short": Momentum(window_length=12, lag=1, scale=1.0),
            "range": Range(),
            "range_floored": Range(floor=4.0),
            "lowest": extremes.lowest,
            "highest": extremes.highest,
            "position": (EquityPricing.close.latest - extremes.lowest)
            / (extremes.highest - extremes.lowest),
            "mixed_inputs": MeanReturnTimesVolume(),
            "counted": Counted(mask=liquid),
        }
    )
