"""zscore, demean and winsorize, plain, masked and grouped, and the factor algebra around them
(arithmetic with factors and numbers, comparisons, unary minus, math methods)."""

import numpy as np
from zipline.pipeline import CustomClassifier, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import AverageDollarVolume, Returns


class Half(CustomClassifier):
    """0 for the first half of the sids, 1 for the second."""

    inputs = ()
    window_length = 1
    dtype = np.int64
    missing_value = -1

    def compute(self, today, assets, out):
        out[:] = (assets >= 10).astype(np.int64)


def make_pipeline():
    returns = Returns(window_length=20)
    liquid = AverageDollarVolume(window_length=20).percentile_between(25, 100)
    half = Half()
    close = EquityPricing.close.latest
    return Pipeline(
        columns={
            "zscore": returns.zscore(),
            "zscore_masked": returns.zscore(mask=liquid),
            "zscore_grouped": returns.zscore(groupby=half),
            "demean": returns.demean(),
            "demean_grouped_masked": returns.demean(mask=liquid, groupby=half),
            "winsorized": returns.winsorize(min_percentile=0.1, max_percentile=0.9),
            "winsorized_low": returns.winsorize(min_percentile=0.25, max_percentile=1.0),
            "winsorized_grouped": returns.winsorize(0.2, 0.8, groupby=half, mask=liquid),
            "algebra": (close * 2 + 1) / (EquityPricing.open.latest - 0.5) - returns**2,
            "negated": -returns,
            "log_close": close.log(),
            "scaled": 100 / close,
            "ratio_gt": (close / EquityPricing.open.latest) >= 1.0,
        }
    )
