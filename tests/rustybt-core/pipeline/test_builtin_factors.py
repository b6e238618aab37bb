"""The built-in factors: their formulas on windows small enough to work out by hand, their
defaults (inputs, window length, window safety) and the one-line errors for bad arguments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from rustybt.assets import Asset
from rustybt.errors import StrategyError
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import (
    EWMA,
    RSI,
    VWAP,
    AnnualizedVolatility,
    Aroon,
    AverageDollarVolume,
    BollingerBands,
    CustomFactor,
    DailyReturns,
    ExponentialWeightedMovingAverage,
    ExponentialWeightedMovingStdDev,
    FastStochasticOscillator,
    IchimokuKinkoHyo,
    LinearWeightedMovingAverage,
    MACDSignal,
    MaxDrawdown,
    PercentChange,
    Returns,
    RollingLinearRegressionOfReturns,
    RollingPearson,
    RollingPearsonOfReturns,
    RollingSpearmanOfReturns,
    SimpleBeta,
    SimpleMovingAverage,
    TrueRange,
)
from rustybt.pipeline.factors._student_t import student_t_tail
from rustybt.pipeline.term import NotSpecified

NAN = math.nan
CLOSE = EquityPricing.close
SPY = Asset(symbol="SPY", sid=0)


def compute(term: Any, *windows: list[list[float]]) -> Any:
    """``term.compute`` on one session's windows (rows oldest first, a column per asset), as
    the engine calls it, returning the filled output."""
    arrays = [np.array(w, dtype=np.float64) for w in windows]
    width = arrays[0].shape[1]
    if term.outputs is NotSpecified:
        out: Any = np.full(width, np.nan)
    else:
        out = np.rec.fromarrays([np.full(width, np.nan)] * len(term.outputs), names=term.outputs)
    term.compute(None, np.arange(width), out, *arrays, **term.params)
    return out


def test_simple_moving_average_skips_missing_values() -> None:
    sma = SimpleMovingAverage(inputs=[CLOSE], window_length=3)
    assert compute(sma, [[1, NAN], [2, 4], [6, 8]]).tolist() == [3.0, 6.0]


def test_returns_compare_the_last_close_with_the_first() -> None:
    returns = Returns(window_length=3)
    assert compute(returns, [[10, 20], [11, 25], [12, 15]]).tolist() == [0.2, -0.25]


def test_daily_returns_is_returns_over_two_sessions() -> None:
    assert DailyReturns().window_length == 2
    assert compute(DailyReturns(), [[50, 8], [55, 6]]).tolist() == pytest.approx([0.1, -0.25])


def test_percent_change_divides_by_the_magnitude_of_the_first_value() -> None:
    change = PercentChange(inputs=[CLOSE], window_length=2)
    assert compute(change, [[-2.0], [-1.0]]).tolist() == [0.5]


def test_average_dollar_volume_counts_missing_bars_as_zero_over_the_whole_window() -> None:
    adv = AverageDollarVolume(window_length=2)
    close = [[10, NAN], [20, 5]]
    volume = [[100, 0], [50, 10]]
    assert compute(adv, close, volume).tolist() == [1000.0, 25.0]


def test_vwap_weights_closes_by_volume() -> None:
    vwap = VWAP(window_length=2)
    assert compute(vwap, [[10], [20]], [[100], [300]]).tolist() == [17.5]


def test_max_drawdown_is_the_fall_from_the_peak_relative_to_the_trough() -> None:
    drawdown = MaxDrawdown(inputs=[CLOSE], window_length=6)
    prices = [[10, 1], [12, 2], [9, 3], [11, 4], [6, 5], [8, 6]]
    # Column 0 falls from 12 to 6: (12 - 6) / 6 = 1.0; column 1 never falls.
    assert compute(drawdown, prices).tolist() == [1.0, 0.0]


def test_rsi_averages_gains_and_losses_over_all_changes() -> None:
    rsi = RSI(window_length=4)
    closes = [[10, 1], [11, 2], [10.5, 3], [12, 4]]
    # Column 0: gains (1 + 0 + 1.5) / 3, losses 0.5 / 3, ratio 5 -> 100 - 100 / 6.
    assert compute(rsi, closes).tolist() == pytest.approx([100 - 100 / 6, 100.0])


def test_bollinger_bands_are_k_population_deviations_around_the_mean() -> None:
    bands = BollingerBands(window_length=3, k=2)
    out = compute(bands, [[1], [2], [3]])
    width = 2 * math.sqrt(2 / 3)
    assert (out.lower[0], out.middle[0], out.upper[0]) == pytest.approx((2 - width, 2.0, 2 + width))


def test_ewma_weights_each_older_row_by_one_more_decay_factor() -> None:
    ewma = EWMA(inputs=[CLOSE], window_length=3, decay_rate=0.5)
    # Weights 1/4, 1/2, 1 from the oldest row: (1 + 2 * 2 + 4 * 3) / 7.
    assert compute(ewma, [[1], [2], [3]]).tolist() == pytest.approx([17 / 7])


def test_ewma_alternative_constructors_translate_to_a_decay_rate() -> None:
    by_span = ExponentialWeightedMovingAverage.from_span(inputs=[CLOSE], window_length=3, span=3)
    by_mass = ExponentialWeightedMovingAverage.from_center_of_mass(
        inputs=[CLOSE], window_length=3, center_of_mass=1
    )
    by_halflife = ExponentialWeightedMovingAverage.from_halflife(
        inputs=[CLOSE], window_length=3, halflife=1
    )
    assert by_span.params == {"decay_rate": 0.5}
    assert by_span is EWMA(inputs=[CLOSE], window_length=3, decay_rate=0.5)
    assert by_mass.params == {"decay_rate": 0.5}
    assert by_halflife.params["decay_rate"] == pytest.approx(0.5)


def test_ewmstd_is_the_bias_corrected_weighted_deviation() -> None:
    std = ExponentialWeightedMovingStdDev(inputs=[CLOSE], window_length=2, decay_rate=1.0)
    # Equal weights: the sample standard deviation of 1 and 3.
    assert compute(std, [[1], [3]]).tolist() == pytest.approx([math.sqrt(2)])


def test_linear_weighted_average_keeps_the_full_divisor_for_missing_values() -> None:
    lwma = LinearWeightedMovingAverage(inputs=[CLOSE], window_length=3)
    assert compute(lwma, [[1, NAN], [2, 2], [3, 3]]).tolist() == [14 / 6, 13 / 6]


def test_annualized_volatility_scales_the_daily_deviation() -> None:
    volatility = AnnualizedVolatility(window_length=2)
    assert compute(volatility, [[0.01], [-0.01]]).tolist() == pytest.approx([0.01 * math.sqrt(252)])


def test_simple_beta_is_the_regression_slope_over_the_rows_both_have() -> None:
    beta = SimpleBeta(target=SPY, regression_length=4)
    target = [[1.0], [2.0], [3.0], [4.0]]
    returns = [[3, 3, NAN], [5, NAN, NAN], [7, 7, 7], [9, 9, 9]]
    # 25% of 4 rows may be missing: column 1 (one missing) keeps its slope, column 2 not.
    assert compute(beta, returns, target).tolist() == pytest.approx([2.0, 2.0, NAN], nan_ok=True)


def test_rolling_correlations_of_perfectly_related_returns_are_one() -> None:
    target = [[1.0], [2.0], [4.0], [3.0]]
    returns = [[2, -1, 1], [4, -2, 8], [8, -4, 64], [6, -3, 27]]
    pearson = RollingPearsonOfReturns(target=SPY, returns_length=2, correlation_length=4)
    spearman = RollingSpearmanOfReturns(target=SPY, returns_length=2, correlation_length=4)
    assert compute(pearson, returns, target)[:2].tolist() == pytest.approx([1.0, -1.0])
    assert compute(spearman, returns, target).tolist() == pytest.approx([1.0, -1.0, 1.0])


def test_rolling_regression_recovers_a_line() -> None:
    regression = RollingLinearRegressionOfReturns(target=SPY, returns_length=2, regression_length=4)
    out = compute(regression, [[4], [7], [13], [10]], [[1.0], [2.0], [4.0], [3.0]])
    assert (out.alpha[0], out.beta[0], out.r_value[0]) == pytest.approx((1.0, 3.0, 1.0))
    assert out.stderr[0] == pytest.approx(0.0, abs=1e-12)
    assert out.p_value[0] == pytest.approx(0.0, abs=1e-12)


def test_rolling_regression_on_a_constant_target_is_nan() -> None:
    regression = RollingLinearRegressionOfReturns(target=SPY, returns_length=2, regression_length=3)
    out = compute(regression, [[1], [2], [3]], [[1.0], [1.0], [1.0]])
    assert all(math.isnan(out[name][0]) for name in regression.outputs)


def test_aroon_places_the_extremes_within_the_window() -> None:
    aroon = Aroon(window_length=3)
    out = compute(aroon, [[2], [1], [0.5]], [[1], [3], [2]])
    assert (out.down[0], out.up[0]) == (100.0, 50.0)


def test_fast_stochastic_places_the_close_in_the_window_range() -> None:
    stochastic = FastStochasticOscillator(window_length=2)
    assert compute(stochastic, [[4], [5]], [[2], [3]], [[8], [6]]).tolist() == [50.0]


def test_true_range_reaches_back_to_the_previous_close() -> None:
    true_range = TrueRange()
    assert compute(true_range, [[12], [10]], [[9], [8]], [[11], [9]]).tolist() == [3.0]


def test_macd_signal_of_a_flat_close_is_zero() -> None:
    macd = MACDSignal(fast_period=3, slow_period=5, signal_period=2)
    assert macd.window_length == 6
    assert compute(macd, [[7.0]] * 6).tolist() == [0.0]


def test_defaults_are_ziplines() -> None:
    assert (RSI().window_length, RSI().inputs, RSI().window_safe) == (15, (CLOSE,), True)
    assert FastStochasticOscillator().window_length == 14
    assert IchimokuKinkoHyo().window_length == 52
    assert IchimokuKinkoHyo().params == {
        "tenkan_sen_length": 9,
        "kijun_sen_length": 26,
        "chikou_span_length": 26,
    }
    volatility = AnnualizedVolatility()
    assert volatility.window_length == 252
    assert volatility.inputs == (Returns(window_length=2),)
    assert volatility.params == {"annualization_factor": 252.0}
    assert MACDSignal().window_length == 26 + 9 - 1
    assert Returns(window_length=5).window_safe
    assert not SimpleMovingAverage(inputs=[CLOSE], window_length=5).window_safe
    assert BollingerBands(window_length=5, k=1).outputs == ("lower", "middle", "upper")
    beta = SimpleBeta(target=SPY, regression_length=10)
    assert beta.target == SPY
    assert beta.params == {"allowed_missing_count": 2}
    assert isinstance(beta, CustomFactor)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Returns(window_length=1), "window_length >= 2"),
        (
            lambda: PercentChange(inputs=[CLOSE, EquityPricing.volume], window_length=3),
            "exactly one input",
        ),
        (lambda: EWMA.from_span(inputs=[CLOSE], window_length=3, span=1), "span > 1"),
        (lambda: EWMA.from_span(inputs=[CLOSE], window_length=3, span="3"), "number"),
        (lambda: EWMA.from_halflife(inputs=[CLOSE], window_length=3, halflife=0), "halflife"),
        (lambda: MACDSignal(fast_period=26, slow_period=12), "greater than fast_period"),
        (lambda: MACDSignal(signal_period=0), "signal_period must be at least 1"),
        (lambda: IchimokuKinkoHyo(tenkan_sen_length=60), "tenkan_sen_length=60 exceeds"),
        (lambda: TrueRange(window_length=3), "window_length=2"),
        (lambda: SimpleBeta(target=SPY, regression_length=2), "at least 3"),
        (
            lambda: SimpleBeta(target=SPY, regression_length=5, allowed_missing_percentage=1.5),
            "from 0 to 1",
        ),
        (lambda: SimpleBeta(target="SPY", regression_length=5), "must be an Asset"),
        (
            lambda: RollingPearsonOfReturns(target=SPY, returns_length=2, correlation_length=1),
            "at least 2",
        ),
        (
            lambda: RollingPearson(
                base_factor=Returns(window_length=2),
                target=Returns(window_length=2, mask=Returns(window_length=2) > 0),
                correlation_length=5,
            ),
            "different masks",
        ),
    ],
)
def test_bad_arguments_raise_one_clear_line(build: Any, message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        build()


def test_student_t_tail_matches_closed_forms() -> None:
    t = np.array([0.0, 1.0, 2.0, 40.0, np.nan])
    # One degree of freedom is Cauchy: P(T > t) = 1/2 - atan(t) / pi.
    cauchy = 0.5 - np.arctan(t) / np.pi
    np.testing.assert_allclose(student_t_tail(t, 1), cauchy, rtol=1e-13)
    # Two: P(T > t) = (1 - t / sqrt(t^2 + 2)) / 2.
    np.testing.assert_allclose(student_t_tail(t, 2), (1 - t / np.sqrt(t * t + 2)) / 2, rtol=1e-12)
