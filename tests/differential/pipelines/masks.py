"""Masks: built-ins and custom factors computed only where a filter holds (NaN elsewhere),
chained masks, and a masked factor as another's input."""

import numpy as np
from zipline.pipeline import CustomFactor, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import RSI, AverageDollarVolume, Returns, SimpleMovingAverage


class MaskedMean(CustomFactor):
    """The window's mean close, counting how many assets the mask let in."""

    inputs = (EquityPricing.close,)
    window_length = 8

    def compute(self, today, assets, out, close):
        out[:] = np.nanmean(close, axis=0) + len(assets) / 1000


def make_pipeline():
    dollar_volume = AverageDollarVolume(window_length=20)
    liquid = dollar_volume.top(10)
    cheap = EquityPricing.close.latest < 80
    liquid_and_cheap = liquid & cheap
    sma = SimpleMovingAverage(inputs=[EquityPricing.close], window_length=15, mask=liquid)
    return Pipeline(
        columns={
            "sma": sma,
            "rsi": RSI(mask=liquid_and_cheap),
            "returns": Returns(window_length=3, mask=cheap),
            "custom": MaskedMean(mask=liquid),
            "custom_chained": MaskedMean(mask=sma.top(5)),
            "ranked": sma.rank(mask=cheap),
            "liquid": liquid,
        },
    )
