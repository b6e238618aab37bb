"""Simple and exponentially weighted moving averages over adjusted windows (ALFA, BRVO, CHRL,
GONE and LATE split inside them), and their spread."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import (
    ExponentialWeightedMovingAverage,
    ExponentialWeightedMovingStdDev,
    SimpleMovingAverage,
)


def make_pipeline():
    close = EquityPricing.close
    fast = SimpleMovingAverage(inputs=[close], window_length=10)
    slow = SimpleMovingAverage(inputs=[close], window_length=50)
    return Pipeline(
        columns={
            "sma_10": fast,
            "sma_50": slow,
            "sma_volume_30": SimpleMovingAverage(inputs=[EquityPricing.volume], window_length=30),
            "spread": (fast - slow) / slow,
            "ewma": ExponentialWeightedMovingAverage(
                inputs=[close], window_length=30, decay_rate=0.9
            ),
            "ewma_span": ExponentialWeightedMovingAverage.from_span(
                inputs=[close], window_length=20, span=15
            ),
            "ewma_halflife": ExponentialWeightedMovingAverage.from_halflife(
                inputs=[EquityPricing.high], window_length=25, halflife=5
            ),
            "ewma_com": ExponentialWeightedMovingAverage.from_center_of_mass(
                inputs=[EquityPricing.low], window_length=15, center_of_mass=3
            ),
            "ewmstd": ExponentialWeightedMovingStdDev(
                inputs=[close], window_length=40, decay_rate=0.95
            ),
        }
    )
