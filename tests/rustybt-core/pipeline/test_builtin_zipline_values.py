"""Every built-in factor's ``compute`` gives zipline-reloaded's numbers on the same windows.

ZIPLINE_VALUES were produced by zipline-reloaded's own factor classes in the oracle venv
(``.nox/zipline-oracle``): each class built with the keywords below and its ``compute``
called on these arrays, as its engine calls it for one session (``compute(today, assets,
out, *windows, **params)``). Floats must agree to 1e-12 relative with the same NaNs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from rustybt.assets import Asset
from rustybt.pipeline import factors
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.term import NotSpecified

NAN = float("nan")
# Three assets over eight sessions; asset 1 misses two bars, asset 2 its first.
CLOSE = [
    [10.0, 20.0, NAN],
    [11.0, 19.0, 30.0],
    [12.5, NAN, 31.0],
    [12.0, 18.0, 29.0],
    [13.0, 18.5, 33.0],
    [12.2, NAN, 34.0],
    [12.8, 21.0, 32.5],
    [13.1, 20.5, 33.5],
]
VOLUME = [
    [100.0, 200.0, 0.0],
    [150.0, 210.0, 300.0],
    [120.0, 0.0, 310.0],
    [90.0, 180.0, 290.0],
    [130.0, 185.0, 330.0],
    [125.0, 0.0, 340.0],
    [110.0, 190.0, 320.0],
    [105.0, 195.0, 335.0],
]
HIGH = [[c * 1.02 + 0.1 * i for i, c in enumerate(row)] for row in CLOSE]
LOW = [[c * 0.97 - 0.05 * i for i, c in enumerate(row)] for row in CLOSE]
# The target asset's daily returns (one column, as a slice gives it), one of them missing.
TARGET = [[0.01], [-0.02], [0.015], [NAN], [0.03], [-0.01], [0.005], [0.02]]
RETURNS = [
    [0.012, -0.03, NAN],
    [-0.018, 0.01, 0.02],
    [0.02, NAN, -0.01],
    [0.001, 0.004, 0.03],
    [0.025, -0.02, 0.01],
    [-0.012, 0.015, NAN],
    [0.004, 0.002, 0.012],
    [0.018, -0.004, 0.021],
]
CLOSE_2, HIGH_2, LOW_2 = CLOSE[-2:], HIGH[-2:], LOW[-2:]
TARGET_FULL = [[0.01], [-0.02], [0.015], [0.002], [0.03], [-0.01], [0.005], [0.02]]
# Ties within a column, for the average ranks of Spearman's correlation.
TIED = [
    [0.01, 0.0],
    [0.01, 0.0],
    [0.02, 0.01],
    [-0.01, 0.0],
    [0.03, 0.02],
    [0.0, -0.01],
    [0.01, 0.0],
    [0.02, 0.03],
]
# (label, factor, how it is built, constructor keywords, input arrays)
CASES = [
    ("sma", "SimpleMovingAverage", "generic", {"window_length": 8}, ["CLOSE"]),
    ("returns", "Returns", "default", {"window_length": 8}, ["CLOSE"]),
    ("daily_returns", "DailyReturns", "default", {}, ["CLOSE_2"]),
    ("percent_change", "PercentChange", "generic", {"window_length": 8}, ["RETURNS"]),
    ("adv", "AverageDollarVolume", "default", {"window_length": 8}, ["CLOSE", "VOLUME"]),
    ("vwap", "VWAP", "default", {"window_length": 8}, ["CLOSE", "VOLUME"]),
    ("wav", "WeightedAverageValue", "generic", {"window_length": 8}, ["CLOSE", "VOLUME"]),
    ("max_drawdown", "MaxDrawdown", "generic", {"window_length": 8}, ["CLOSE"]),
    (
        "ewma",
        "ExponentialWeightedMovingAverage",
        "generic",
        {"window_length": 8, "decay_rate": 0.7},
        ["CLOSE"],
    ),
    (
        "ewma_span",
        "ExponentialWeightedMovingAverage",
        "from_span",
        {"window_length": 8, "span": 4},
        ["CLOSE"],
    ),
    (
        "ewma_halflife",
        "ExponentialWeightedMovingAverage",
        "from_halflife",
        {"window_length": 8, "halflife": 3},
        ["CLOSE"],
    ),
    (
        "ewma_com",
        "ExponentialWeightedMovingAverage",
        "from_center_of_mass",
        {"window_length": 8, "center_of_mass": 2.5},
        ["CLOSE"],
    ),
    (
        "ewmstd",
        "ExponentialWeightedMovingStdDev",
        "generic",
        {"window_length": 8, "decay_rate": 0.8},
        ["CLOSE"],
    ),
    ("lwma", "LinearWeightedMovingAverage", "generic", {"window_length": 8}, ["CLOSE"]),
    ("annualized_volatility", "AnnualizedVolatility", "default", {"window_length": 8}, ["RETURNS"]),
    (
        "annualized_volatility_12",
        "AnnualizedVolatility",
        "default",
        {"window_length": 8, "annualization_factor": 12},
        ["RETURNS"],
    ),
    ("rsi", "RSI", "default", {"window_length": 8}, ["CLOSE"]),
    ("bollinger", "BollingerBands", "default", {"window_length": 8, "k": 2.0}, ["CLOSE"]),
    ("aroon", "Aroon", "default", {"window_length": 8}, ["LOW", "HIGH"]),
    (
        "fast_stochastic",
        "FastStochasticOscillator",
        "default",
        {"window_length": 8},
        ["CLOSE", "LOW", "HIGH"],
    ),
    (
        "ichimoku",
        "IchimokuKinkoHyo",
        "default",
        {
            "window_length": 8,
            "tenkan_sen_length": 3,
            "kijun_sen_length": 5,
            "chikou_span_length": 4,
        },
        ["HIGH", "LOW", "CLOSE"],
    ),
    ("rate_of_change", "RateOfChangePercentage", "generic", {"window_length": 8}, ["CLOSE"]),
    ("true_range", "TrueRange", "default", {}, ["HIGH_2", "LOW_2", "CLOSE_2"]),
    (
        "macd",
        "MovingAverageConvergenceDivergenceSignal",
        "default",
        {"fast_period": 3, "slow_period": 5, "signal_period": 4},
        ["CLOSE"],
    ),
    ("simple_beta", "SimpleBeta", "target", {"regression_length": 8}, ["RETURNS", "TARGET"]),
    (
        "simple_beta_strict",
        "SimpleBeta",
        "target",
        {"regression_length": 8, "allowed_missing_percentage": 0.2},
        ["RETURNS", "TARGET"],
    ),
    (
        "pearson",
        "RollingPearsonOfReturns",
        "target",
        {"returns_length": 2, "correlation_length": 8},
        ["RETURNS", "TARGET_FULL"],
    ),
    (
        "spearman",
        "RollingSpearmanOfReturns",
        "target",
        {"returns_length": 2, "correlation_length": 8},
        ["RETURNS", "TARGET_FULL"],
    ),
    (
        "pearson_target_missing",
        "RollingPearsonOfReturns",
        "target",
        {"returns_length": 2, "correlation_length": 8},
        ["RETURNS", "TARGET"],
    ),
    (
        "spearman_ties",
        "RollingSpearmanOfReturns",
        "target",
        {"returns_length": 2, "correlation_length": 8},
        ["TIED", "TARGET_FULL"],
    ),
    (
        "regression",
        "RollingLinearRegressionOfReturns",
        "target",
        {"returns_length": 2, "regression_length": 8},
        ["RETURNS", "TARGET_FULL"],
    ),
    (
        "regression_ties",
        "RollingLinearRegressionOfReturns",
        "target",
        {"returns_length": 2, "regression_length": 8},
        ["TIED", "TARGET_FULL"],
    ),
]

ZIPLINE_VALUES = {
    "sma": [12.075, 19.5, 31.857142857142858],
    "returns": [0.30999999999999994, 0.025, NAN],
    "daily_returns": [0.023437499999999917, -0.023809523809523808, 0.03076923076923077],
    "percent_change": [0.49999999999999983, 0.8666666666666667, NAN],
    "adv": [1403.5625, 2830.0, 8886.5625],
    "vwap": [12.073655913978495, 19.517241379310345, 31.951685393258426],
    "wav": [12.073655913978495, 19.517241379310345, 31.951685393258426],
    "max_drawdown": [0.06557377049180334, 0.1111111111111111, 0.06896551724137931],
    "ewma": [12.605721881056356, NAN, NAN],
    "ewma_span": [12.734023496083985, NAN, NAN],
    "ewma_halflife": [12.458283683994877, NAN, NAN],
    "ewma_com": [12.584867633661421, NAN, NAN],
    "ewmstd": [0.8618745876422279, NAN, NAN],
    "lwma": [12.502777777777778, 14.819444444444445, 31.48611111111111],
    "annualized_volatility": [0.22904857563407816, 0.23890464326050379, 0.19836078241426655],
    "annualized_volatility_12": [0.04998249693642766, 0.05213326721988953, 0.043285871444001985],
    "rsi": [77.19298245614034, 25.0, 66.66666666666666],
    "bollinger": {
        "lower": [10.063160046126928, 17.339753100530714, 28.363708782675005],
        "middle": [12.075, 19.5, 31.857142857142858],
        "upper": [14.08683995387307, 21.660246899469286, 35.35057693161071],
    },
    "aroon": {
        "down": [0.0, 42.857142857142854, 42.857142857142854],
        "up": [100.0, 85.71428571428571, 71.42857142857143],
    },
    "fast_stochastic": [92.84543965046421, 75.18248175182475, 79.85401459854012],
    "ichimoku": {
        "tenkan_sen": [12.597999999999999, NAN, 33.1525],
        "kijun_sen": [12.501000000000001, NAN, 31.455],
        "senkou_span_a": [12.5495, NAN, 32.30375],
        "senkou_span_b": [11.530999999999999, NAN, NAN],
        "chikou_span": [13.0, 18.5, 33.0],
    },
    "rate_of_change": [30.999999999999993, 2.5, NAN],
    "true_range": [0.6550000000000011, 1.1750000000000043, 1.9750000000000085],
    "macd": [0.13369210243338947, NAN, NAN],
    "simple_beta": [0.9370517928286852, -0.675544794188862, NAN],
    "simple_beta_strict": [0.9370517928286852, NAN, NAN],
    "pearson": [0.9815293273269606, NAN, NAN],
    "spearman": [0.9761904761904763, NAN, NAN],
    "pearson_target_missing": [NAN, NAN, NAN],
    "spearman_ties": [0.8224729320348959, 0.8498050347983337],
    "regression": {
        "alpha": [0.0001401431718061688, NAN, NAN],
        "beta": [0.9399779735682818, NAN, NAN],
        "r_value": [0.9815293273269607, NAN, NAN],
        "p_value": [1.553646951806494e-05, NAN, NAN],
        "stderr": [0.07479634557389768, NAN, NAN],
    },
    "regression_ties": {
        "alpha": [0.007867566079295153, 0.0022232929515418505],
        "beta": [0.5203744493392071, 0.6194933920704846],
        "r_value": [0.6724488475187106, 0.7660864681603206],
        "p_value": [0.06768783847402439, 0.026646014346528992],
        "stderr": [0.23382830054326853, 0.2121860931709713],
    },
}

TARGET_ASSET = Asset(symbol="T", sid=0)


def build(factor: str, kind: str, keywords: dict[str, Any], inputs: int) -> Any:
    """The built-in ``factor`` made as the case says: with generic close-like inputs, with
    its defaults, through an alternative constructor or against the target asset."""
    cls = getattr(factors, factor)
    if kind == "target":
        return cls(target=TARGET_ASSET, **keywords)
    if kind.startswith("from_"):
        return getattr(cls, kind)(inputs=[EquityPricing.close], **keywords)
    if kind == "generic":
        columns = [EquityPricing.close, EquityPricing.volume, EquityPricing.high]
        return cls(inputs=columns[:inputs], **keywords)
    return cls(**keywords)


def compute_once(term: Any, windows: list[np.ndarray]) -> Any:
    """``term.compute`` on one session's windows, into a NaN-filled output."""
    width = windows[0].shape[1]
    if term.outputs is NotSpecified:
        out: Any = np.full(width, np.nan)
    else:
        out = np.rec.fromarrays([np.full(width, np.nan)] * len(term.outputs), names=term.outputs)
    term.compute(None, np.arange(width), out, *windows, **term.params)
    return out


@pytest.mark.parametrize(
    ("label", "factor", "kind", "keywords", "arrays"), CASES, ids=[case[0] for case in CASES]
)
def test_builtin_factor_matches_zipline_on_the_same_windows(
    label: str, factor: str, kind: str, keywords: dict[str, Any], arrays: list[str]
) -> None:
    term = build(factor, kind, keywords, len(arrays))
    windows = [np.array(globals()[name], dtype=np.float64) for name in arrays]
    out = compute_once(term, windows)
    expected = ZIPLINE_VALUES[label]
    if isinstance(expected, dict):
        for name, values in expected.items():
            np.testing.assert_allclose(out[name], values, rtol=1e-12, atol=0, err_msg=name)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
