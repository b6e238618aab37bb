"""Ranks by every method, descending, masked and grouped, of a factor with many ties."""

import numpy as np
from zipline.pipeline import CustomClassifier, CustomFactor, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import Returns


class Bucket(CustomClassifier):
    """Each asset's sid modulo 3: a fixed three-way grouping."""

    inputs = ()
    window_length = 1
    dtype = np.int64
    missing_value = -1

    def compute(self, today, assets, out):
        out[:] = assets % 3


class Tens(CustomFactor):
    """The close in whole tens of dollars: ties across twenty assets."""

    inputs = (EquityPricing.close,)
    window_length = 1

    def compute(self, today, assets, out, close):
        out[:] = np.floor(close[-1] / 10)


def make_pipeline():
    tens = Tens()
    returns = Returns(window_length=10)
    liquid = EquityPricing.volume.latest > 1_000_000
    bucket = Bucket()
    return Pipeline(
        columns={
            "tens": tens,
            "ordinal": tens.rank(),
            "average": tens.rank(method="average"),
            "min": tens.rank(method="min", ascending=False),
            "max": tens.rank(method="max"),
            "dense": tens.rank(method="dense", ascending=False),
            "returns": returns.rank(),
            "masked": returns.rank(mask=liquid),
            "grouped": tens.rank(method="average", groupby=bucket),
            "grouped_masked": returns.rank(method="min", mask=liquid, groupby=bucket),
            "bucket": bucket,
        }
    )
