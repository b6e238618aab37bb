"""MaxDrawdown and AnnualizedVolatility, AnnualizedVolatility over its default year-long window
of daily returns."""

from zipline.pipeline import Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import AnnualizedVolatility, MaxDrawdown, Returns


def make_pipeline():
    return Pipeline(
        columns={
            "drawdown_60": MaxDrawdown(inputs=[EquityPricing.close], window_length=60),
            "drawdown_252": MaxDrawdown(inputs=[EquityPricing.close], window_length=252),
            "volatility": AnnualizedVolatility(),
            "volatility_20": AnnualizedVolatility(window_length=20, annualization_factor=12.0),
            "weekly_volatility": AnnualizedVolatility(
                inputs=[Returns(window_length=6)], window_length=50, annualization_factor=52.0
            ),
        }
    )
