"""Two attached pipelines read each day in handle_data: a low-beta filter against ALFA (a
symbol looked up in initialize) and a custom factor of adjusted closes; buys what both
favour and sells what drops out."""

import numpy as np
from zipline.api import attach_pipeline, order, order_target, pipeline_output, symbol
from zipline.pipeline import CustomFactor, Pipeline
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.factors import SimpleBeta


class Stretch(CustomFactor):
    """How far the last close sits above the window's mean, in window standard deviations."""

    inputs = (EquityPricing.close,)
    window_length = 15

    def compute(self, today, assets, out, close):
        out[:] = (close[-1] - np.nanmean(close, axis=0)) / np.nanstd(close, axis=0)


def initialize(context):
    beta = SimpleBeta(target=symbol("ALFA"), regression_length=40)
    attach_pipeline(Pipeline(columns={"beta": beta}, screen=beta.notnan()), "beta")
    attach_pipeline(Pipeline(columns={"stretch": Stretch()}), "stretch")


def handle_data(context, data):
    betas = pipeline_output("beta")["beta"]
    stretch = pipeline_output("stretch")["stretch"]
    calm = set(betas.index[betas < 0.05])
    low = set(stretch.index[stretch < -1.5])
    for asset in calm & low:
        if asset not in context.portfolio.positions and data.can_trade(asset):
            order(asset, 100)
    for asset in context.portfolio.positions:
        if asset not in calm and data.can_trade(asset):
            order_target(asset, 0)
