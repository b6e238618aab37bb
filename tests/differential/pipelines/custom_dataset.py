"""A custom dataset read through zipline's DataFrameLoader (its frame labelled by the date
each value is known and by sid), windows and factors over it, and pricing beside it."""

import numpy as np
import pandas as pd
from zipline.pipeline import CustomFactor, Pipeline
from zipline.pipeline.data import Column, DataSet, EquityPricing
from zipline.pipeline.loaders.frame import DataFrameLoader

SIDS = range(20)
DATES = pd.bdate_range("2016-10-03", "2019-12-31")


class Sentiment(DataSet):
    score = Column(dtype=float)
    buzz = Column(dtype=float)


class MeanScore(CustomFactor):
    inputs = (Sentiment.score,)
    window_length = 5

    def compute(self, today, assets, out, score):
        out[:] = np.nanmean(score, axis=0)


def frame(seed: int, holes: bool) -> pd.DataFrame:
    """A fixed frame of values by business day and sid, some missing."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 1.0, (len(DATES), len(SIDS))).round(6)
    if holes:
        values[rng.uniform(size=values.shape) < 0.05] = np.nan
    return pd.DataFrame(values, index=DATES, columns=list(SIDS))


def loaders():
    return {
        Sentiment.score: DataFrameLoader(Sentiment.score, frame(1, holes=True)),
        Sentiment.buzz: DataFrameLoader(Sentiment.buzz, frame(2, holes=False).abs()),
    }


def make_pipeline():
    score = Sentiment.score.latest
    return Pipeline(
        columns={
            "score": score,
            "buzz": Sentiment.buzz.latest,
            "mean_score": MeanScore(),
            "score_rank": score.rank(),
            "loud": Sentiment.buzz.latest > 1.0,
            "score_times_close": score * EquityPricing.close.latest,
        },
        screen=score.notnan(),
    )
