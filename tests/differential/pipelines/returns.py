"""Returns over several lengths, daily returns and percent changes: NaN across missing bars,
smooth across splits and dividends (adjusted windows)."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import DailyReturns, PercentChange, Returns


def make_pipeline():
    return Pipeline(
        columns={
            "returns_2": Returns(window_length=2),
            "returns_21": Returns(window_length=21),
            "returns_252": Returns(window_length=252),
            "daily": DailyReturns(),
            "daily_open": DailyReturns(inputs=[EquityPricing.open]),
            "volume_change": PercentChange(inputs=[EquityPricing.volume], window_length=5),
        }
    )
