"""A custom filter and a custom classifier (with params), used as mask, groupby and screen,
and the classifier's own methods."""

import numpy as np
from zipline.pipeline import CustomClassifier, CustomFilter, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import Returns


class TradedEveryDay(CustomFilter):
    """True where every bar of the window has volume."""

    inputs = (EquityPricing.volume,)
    window_length = 10

    def compute(self, today, assets, out, volume):
        out[:] = (volume > 0).all(axis=0)


class PriceBand(CustomClassifier):
    """The close's band of ``width`` dollars, -1 without a close."""

    inputs = (EquityPricing.close,)
    window_length = 1
    dtype = np.int64
    missing_value = -1
    params = ("width",)

    def compute(self, today, assets, out, close, width):
        last = close[-1]
        out[:] = np.where(np.isnan(last), -1, np.floor(np.nan_to_num(last) / width)).astype(
            np.int64
        )


def make_pipeline():
    traded = TradedEveryDay()
    band = PriceBand(width=40.0)
    returns = Returns(window_length=5)
    return Pipeline(
        columns={
            "traded": traded,
            "band": band,
            "band_masked": PriceBand(width=25.0, mask=traded),
            "band_is_1": band.eq(1),
            "band_not_0": band != 0,
            "band_missing": band.isnull(),
            "band_present": band.notnull(),
            "demeaned_in_band": returns.demean(groupby=band),
            "ranked_in_band": returns.rank(groupby=band, mask=traded),
            "top_in_band": returns.top(1, groupby=band),
        },
        screen=traded | band.eq(2),
    )
