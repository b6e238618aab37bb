"""AverageDollarVolume and VWAP: split-adjusted volumes times adjusted prices."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import VWAP, AverageDollarVolume


def make_pipeline():
    dollar_volume = AverageDollarVolume(window_length=30)
    return Pipeline(
        columns={
            "adv_30": dollar_volume,
            "adv_5": AverageDollarVolume(window_length=5),
            "vwap_10": VWAP(window_length=10),
            "vwap_gap": VWAP(window_length=3) / EquityPricing.close.latest - 1,
            "liquid": dollar_volume > 1e8,
        }
    )
