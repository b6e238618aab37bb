"""Latest of every pricing column, unmasked: NaN for missing bars and volume 0."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing


def make_pipeline():
    return Pipeline(
        columns={
            "open": EquityPricing.open.latest,
            "high": EquityPricing.high.latest,
            "low": EquityPricing.low.latest,
            "close": EquityPricing.close.latest,
            "volume": EquityPricing.volume.latest,
        }
    )
