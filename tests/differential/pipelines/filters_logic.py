"""Filters combined with &, | and ~; isnan, notnan and isfinite across missing bars and
windows that start before an asset does; a screen of a combination."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import Returns, SimpleMovingAverage


def make_pipeline():
    close = EquityPricing.close.latest
    sma = SimpleMovingAverage(inputs=[EquityPricing.close], window_length=20)
    returns = Returns(window_length=5)
    up = close > sma
    cheap = close < 50
    return Pipeline(
        columns={
            "up": up,
            "up_and_cheap": up & cheap,
            "up_or_cheap": up | cheap,
            "not_up": ~up,
            "neither": ~(up | cheap),
            "sma_missing": sma.isnan(),
            "close_present": close.notnan(),
            "finite": (returns / (close - close)).isfinite(),
            "returns_missing": returns.isnan(),
            "mixed": (returns > 0) & ~returns.isnan() | (EquityPricing.volume.latest == 0),
        },
        screen=~close.isnan() | sma.notnan(),
    )
