"""top, bottom and percentile_between, plain, masked and grouped, with a screen."""

import numpy as np
from zipline.pipeline import CustomClassifier, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import RSI, AverageDollarVolume, Returns


class Bucket(CustomClassifier):
    """Each asset's sid modulo 4."""

    inputs = ()
    window_length = 1
    dtype = np.int64
    missing_value = -1

    def compute(self, today, assets, out):
        out[:] = assets % 4


def make_pipeline():
    returns = Returns(window_length=15)
    dollar_volume = AverageDollarVolume(window_length=10)
    liquid = dollar_volume.top(12)
    return Pipeline(
        columns={
            "top_5": returns.top(5),
            "bottom_5": returns.bottom(5),
            "top_3_liquid": returns.top(3, mask=liquid),
            "bottom_1_grouped": returns.bottom(1, groupby=Bucket()),
            "middle": RSI().percentile_between(20, 80),
            "middle_liquid": returns.percentile_between(10, 60, mask=liquid),
            "returns": returns,
        },
        screen=liquid | (EquityPricing.close.latest > 100),
    )
