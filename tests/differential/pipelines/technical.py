"""RSI and Bollinger bands (a factor with outputs), default and given windows."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import RSI, BollingerBands


def make_pipeline():
    bands = BollingerBands(window_length=20, k=2)
    wide = BollingerBands(inputs=[EquityPricing.high], window_length=30, k=1.5)
    close = EquityPricing.close.latest
    return Pipeline(
        columns={
            "rsi": RSI(),
            "rsi_30": RSI(window_length=30),
            "lower": bands.lower,
            "middle": bands.middle,
            "upper": bands.upper,
            "wide_upper": wide.upper,
            "above_band": close > bands.upper,
            "oversold": RSI() < 30,
        }
    )
