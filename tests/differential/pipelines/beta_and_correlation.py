"""SimpleBeta and RollingPearsonOfReturns against one asset, and a slice of one asset's
factor as a custom factor's input (zipline takes no slice as a column): ``make_pipeline`` is
given the assets by symbol."""

from zipline.pipeline import CustomFactor, Pipeline
from zipline.pipeline.factors import Returns, RollingPearsonOfReturns, SimpleBeta


class Spread(CustomFactor):
    """Each asset's returns less the target's, read through a slice."""

    window_length = 1

    def compute(self, today, assets, out, mine, target):
        out[:] = mine[-1] - target[-1]


def make_pipeline(assets):
    target = assets["ECHO"]
    returns = Returns(window_length=5)
    return Pipeline(
        columns={
            "beta": SimpleBeta(target=target, regression_length=60),
            "beta_strict": SimpleBeta(
                target=assets["GAPS"], regression_length=30, allowed_missing_percentage=0.0
            ),
            "correlation": RollingPearsonOfReturns(
                target=target, returns_length=10, correlation_length=30
            ),
            "spread": Spread(inputs=[returns, returns[target]]),
        }
    )
