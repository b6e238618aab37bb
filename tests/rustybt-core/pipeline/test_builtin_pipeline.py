"""Every built-in factor composes in a pipeline run over the bundled sample data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rustybt.data.store import read_through_store
from rustybt.pipeline import Pipeline, PipelineEngine
from rustybt.pipeline import factors as f
from rustybt.pipeline.data import EquityPricing
from rustybt.plugins import PluginRegistry

CLOSE = EquityPricing.close


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """One built-in per column over two weeks of the sample data, the first asset as the
    target of the betas and correlations."""
    source = read_through_store(PluginRegistry.from_environment().data_source("sample"))
    engine = PipelineEngine(source)
    target = engine.assets[0]
    bands = f.BollingerBands(window_length=20, k=2)
    regression = f.RollingLinearRegressionOfReturns(
        target=target, returns_length=2, regression_length=20
    )
    columns = {
        "sma": f.SimpleMovingAverage(inputs=[CLOSE], window_length=20),
        "ewma": f.EWMA.from_span(inputs=[CLOSE], window_length=20, span=10),
        "ewmstd": f.EWMSTD(inputs=[CLOSE], window_length=20, decay_rate=0.9),
        "returns": f.Returns(window_length=2),
        "daily_returns": f.DailyReturns(),
        "percent_change": f.PercentChange(inputs=[CLOSE], window_length=3),
        "adv": f.AverageDollarVolume(window_length=10),
        "vwap": f.VWAP(window_length=10),
        "rsi": f.RSI(),
        "lower": bands.lower,
        "middle": bands.middle,
        "upper": bands.upper,
        "drawdown": f.MaxDrawdown(inputs=[CLOSE], window_length=30),
        "volatility": f.AnnualizedVolatility(window_length=30),
        "beta": f.SimpleBeta(target=target, regression_length=30),
        "pearson": f.RollingPearsonOfReturns(
            target=target, returns_length=2, correlation_length=20
        ),
        "spearman": f.RollingSpearmanOfReturns(
            target=target, returns_length=2, correlation_length=20
        ),
        "regression_beta": regression.beta,
        "latest": CLOSE.latest,
        "lwma": f.LinearWeightedMovingAverage(inputs=[CLOSE], window_length=5),
        "aroon_up": f.Aroon(window_length=10).up,
        "stochastic": f.FastStochasticOscillator(),
        "kijun_sen": f.IchimokuKinkoHyo().kijun_sen,
        "rate_of_change": f.RateOfChangePercentage(inputs=[CLOSE], window_length=2),
        "true_range": f.TrueRange(),
        "macd_signal": f.MACDSignal(),
        "mean_daily_return": f.SimpleMovingAverage(
            inputs=[f.Returns(window_length=2)], window_length=5
        ),
    }
    pipeline = Pipeline(columns=columns)
    result = engine.run(pipeline, pd.Timestamp("2012-03-01"), pd.Timestamp("2012-03-14"))
    result.attrs["target"] = target
    return result


def test_every_builtin_has_a_value_for_every_row(frame: pd.DataFrame) -> None:
    assert len(frame) == 10 * 5
    assert not frame.isna().any().any()
    assert (frame.dtypes == np.float64).all()


def test_builtins_agree_with_each_other(frame: pd.DataFrame) -> None:
    np.testing.assert_array_equal(frame["returns"], frame["daily_returns"])
    np.testing.assert_allclose(frame["rate_of_change"], 100 * frame["returns"], rtol=1e-12)
    # SMA sums rolling windows, the bands sum each window: equal within rounding.
    np.testing.assert_allclose(frame["middle"], frame["sma"], rtol=1e-13)
    assert (frame["lower"] < frame["middle"]).all() and (frame["middle"] < frame["upper"]).all()
    assert frame["rsi"].between(0, 100).all() and frame["stochastic"].between(0, 100).all()
    assert (frame["drawdown"] >= 0).all() and (frame["true_range"] > 0).all()


def test_the_target_is_perfectly_related_to_itself(frame: pd.DataFrame) -> None:
    own = frame.xs(frame.attrs["target"], level=1)
    for column in ("beta", "pearson", "spearman", "regression_beta"):
        np.testing.assert_allclose(own[column], 1.0, rtol=1e-12, err_msg=column)
