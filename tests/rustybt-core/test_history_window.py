"""``data.history`` results are pandas objects that behave exactly like pandas, built late."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rustybt import history_window
from rustybt.history_window import WindowFrame, WindowSeries

REPO = Path(__file__).resolve().parents[2]

TIMELINE = pd.date_range("2020-01-01", periods=400, tz="UTC", name=None)
ASSETS = pd.Index(["AAA", "BBB", "CCC"], dtype=object)


def series_window(values: np.ndarray, start: int = 0, name: str = "AAA") -> WindowSeries:
    end = start + len(values)
    return WindowSeries.pending(values, TIMELINE, range(start, end), name)


def reference_series(values: np.ndarray, start: int = 0, name: str = "AAA") -> pd.Series:
    return pd.Series(values.copy(), index=TIMELINE[start : start + len(values)], name=name)


def frame_window(by_column: np.ndarray, start: int = 0) -> WindowFrame:
    end = start + by_column.shape[1]
    return WindowFrame.pending(by_column, TIMELINE, range(start, end), ASSETS)


def reference_frame(by_column: np.ndarray, start: int = 0) -> pd.DataFrame:
    index = TIMELINE[start : start + by_column.shape[1]]
    return pd.DataFrame(by_column.T.copy(), index=index, columns=ASSETS)


def same(left: object, right: object) -> bool:
    """Equal, counting NaN as equal to NaN and requiring the same type."""
    if isinstance(right, float) and np.isnan(right):
        return isinstance(left, float) and np.isnan(left)
    return type(left) is type(right) and left == right


PRICES = np.random.default_rng(7).lognormal(3, 0.3, 60)


def test_a_window_is_a_pandas_series_that_prints_and_indexes_like_one() -> None:
    window = series_window(PRICES, start=10)
    reference = reference_series(PRICES, start=10)

    assert isinstance(window, pd.Series)
    assert repr(window) == repr(reference)
    pd.testing.assert_index_equal(window.index, reference.index)
    assert window.name == "AAA"
    assert window.loc[TIMELINE[15]] == reference.loc[TIMELINE[15]]


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: s[-20:],
        lambda s: s.iloc[5:9],
        lambda s: s.iloc[-20:][-5:],
        lambda s: s.pct_change(),
        lambda s: s.rolling(5).mean(),
        lambda s: s.diff().dropna(),
        lambda s: s / s.shift(1) - 1,
        lambda s: np.log(s),
        lambda s: s[-20:] > 20.0,
        lambda s: s.tail(3),
    ],
    ids=[
        "slice",
        "iloc-slice",
        "slice-of-slice",
        "pct_change",
        "rolling",
        "diff",
        "ratio",
        "ufunc",
        "compare",
        "tail",
    ],
)
def test_series_operations_equal_pandas(operation) -> None:
    result = operation(series_window(PRICES))
    expected = operation(reference_series(PRICES))
    pd.testing.assert_series_equal(result, expected, check_series_type=False)


@pytest.mark.parametrize("reduction", ["mean", "sum", "min", "max", "std", "var", "median"])
def test_reductions_are_bit_identical_to_pandas(reduction: str) -> None:
    window, reference = series_window(PRICES), reference_series(PRICES)
    assert same(getattr(window, reduction)(), getattr(reference, reduction)())
    assert same(getattr(window[-20:], reduction)(), getattr(reference[-20:], reduction)())


@settings(max_examples=200, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 80),
        elements=st.one_of(st.floats(-1e9, 1e9), st.just(np.nan)),
    ),
    cut=st.integers(-80, 80),
)
def test_any_window_reduces_like_pandas(values: np.ndarray, cut: int) -> None:
    window, reference = series_window(values)[cut:], reference_series(values)[cut:]
    assert len(window) == len(reference)
    for reduction in ("mean", "sum", "min", "max", "std", "var"):
        assert same(getattr(window, reduction)(), getattr(reference, reduction)()), reduction


def test_single_positions_comparisons_iteration_and_items_equal_pandas() -> None:
    window, reference = series_window(PRICES), reference_series(PRICES)
    assert same(window.iloc[-1], reference.iloc[-1])
    assert same(window.iloc[0], reference.iloc[0])
    assert list(window) == list(reference)
    assert list(window.items()) == list(reference.items())
    flags = window[-20:] >= window[-20:].mean()
    pd.testing.assert_series_equal(
        flags, reference[-20:] >= reference[-20:].mean(), check_series_type=False
    )
    with pytest.raises(IndexError):
        window.iloc[60]


def test_changing_a_result_never_changes_the_data_it_came_from() -> None:
    data = PRICES.copy()
    window = series_window(data)
    window.iloc[-1] = 0.0
    tail = series_window(data)[-5:]
    tail.iloc[0] = 0.0
    assert window.iloc[-1] == 0.0
    np.testing.assert_array_equal(data, PRICES)


def test_a_window_pickles_as_a_plain_series() -> None:
    restored = pickle.loads(pickle.dumps(series_window(PRICES)))
    assert type(restored) is pd.Series
    pd.testing.assert_series_equal(restored, reference_series(PRICES))


BY_COLUMN = np.random.default_rng(3).lognormal(3, 0.3, (3, 60))


def test_a_frame_window_is_a_dataframe_with_one_column_per_asset() -> None:
    window = frame_window(BY_COLUMN, start=100)
    assert isinstance(window, pd.DataFrame)
    assert len(window) == 60
    pd.testing.assert_frame_equal(window, reference_frame(BY_COLUMN, start=100))
    assert list(window.columns) == ["AAA", "BBB", "CCC"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "min", "max", "std", "var"])
def test_frame_column_reductions_are_bit_identical_to_pandas(reduction: str) -> None:
    window, reference = frame_window(BY_COLUMN), reference_frame(BY_COLUMN)
    pd.testing.assert_series_equal(
        getattr(window.iloc[-20:], reduction)(),
        getattr(reference.iloc[-20:], reduction)(),
        check_series_type=False,
        check_exact=True,
    )


def test_the_crossover_idiom_gives_pandas_results() -> None:
    window, reference = frame_window(BY_COLUMN), reference_frame(BY_COLUMN)
    ours = window.iloc[-20:].mean() > window.mean()
    theirs = reference.iloc[-20:].mean() > reference.mean()
    assert list(ours.items()) == list(theirs.items())
    pd.testing.assert_series_equal(ours, theirs, check_series_type=False)


def test_frame_columns_and_other_operations_equal_pandas() -> None:
    window, reference = frame_window(BY_COLUMN), reference_frame(BY_COLUMN)
    pd.testing.assert_series_equal(window["BBB"], reference["BBB"], check_series_type=False)
    assert same(window["BBB"].mean(), reference["BBB"].mean())
    pd.testing.assert_frame_equal(window.pct_change(), reference.pct_change())
    pd.testing.assert_series_equal(window.mean(axis=1), reference.mean(axis=1))
    with pytest.raises(KeyError):
        frame_window(BY_COLUMN)["ZZZ"]


def test_a_reduction_read_asset_by_asset_gives_pandas_values_unbuilt() -> None:
    window, reference = frame_window(BY_COLUMN), reference_frame(BY_COLUMN)
    fast, slow = window.iloc[-20:].mean(), window.mean()
    above = fast > slow
    for asset in ASSETS:
        assert same(fast[asset], reference.iloc[-20:].mean()[asset])
        assert same(window.iloc[-1][asset], reference.iloc[-1][asset])
        assert same(above[asset], (reference.iloc[-20:].mean() > reference.mean())[asset])
    assert not any(built(series) for series in (fast, slow, above))


def test_a_reduction_changed_after_reading_by_asset_reads_its_new_values() -> None:
    means, expected = frame_window(BY_COLUMN).mean(), reference_frame(BY_COLUMN).mean()
    assert same(means["BBB"], expected["BBB"])
    means["BBB"] = 1.5  # builds the Series: its reads are pandas' from then on
    expected["BBB"] = 1.5
    assert built(means) and means["BBB"] == 1.5
    pd.testing.assert_series_equal(means, expected, check_series_type=False)


def test_keys_that_are_not_one_label_are_answered_by_pandas() -> None:
    window, reference = frame_window(BY_COLUMN), reference_frame(BY_COLUMN)
    means, expected = window.mean(), reference.mean()
    pd.testing.assert_series_equal(
        means[["AAA", "CCC"]], expected[["AAA", "CCC"]], check_series_type=False
    )
    with pytest.raises(KeyError):
        window.mean()["ZZZ"]
    equal_not_same = "".join(["B", "B", "B"])
    assert same(means[equal_not_same], expected["BBB"])
    pd.testing.assert_series_equal(means[1:3], expected[1:3], check_series_type=False)
    repeated = pd.Index(["AAA", "BBB", "AAA"], dtype=object)
    twice = WindowFrame.pending(BY_COLUMN, TIMELINE, range(60), repeated).mean()
    plain = pd.DataFrame(BY_COLUMN.T.copy(), index=TIMELINE[:60], columns=repeated).mean()
    pd.testing.assert_series_equal(twice["AAA"], plain["AAA"], check_series_type=False)


def test_nan_windows_are_reduced_by_pandas_itself() -> None:
    by_column = BY_COLUMN.copy()
    by_column[1, 10] = np.nan
    window, reference = frame_window(by_column), reference_frame(by_column)
    pd.testing.assert_series_equal(window.mean(), reference.mean(), check_series_type=False)


def test_changing_a_frame_result_never_changes_the_data_it_came_from() -> None:
    data = BY_COLUMN.copy()
    window = frame_window(data)
    window.iloc[-1, 0] = 0.0
    column = frame_window(data)["BBB"]
    column.iloc[-1] = 0.0
    np.testing.assert_array_equal(data, BY_COLUMN)


def built(window: pd.Series | pd.DataFrame) -> bool:
    """Whether pandas' constructor has run on ``window`` (it stores its block manager)."""
    return "_mgr" in vars(window)


def test_the_hot_path_of_a_strategy_never_builds_pandas_objects() -> None:
    series = series_window(PRICES)
    fast, slow = series[-20:].mean(), series.mean()
    assert fast != slow and series.iloc[-1] > 0 and len(series) == 60
    assert not built(series)

    frame = frame_window(BY_COLUMN)
    recent, whole = frame.iloc[-20:], frame
    above = recent.mean() > whole.mean()
    assert len(list(above.items())) == 3
    closes = np.asarray(frame, dtype=float)
    assert (closes[-20:].mean(axis=0) > closes.mean(axis=0)).tolist() == list(above)
    momentum = frame.iloc[-1] / frame.iloc[0] - 1
    assert frame.shape == (60, 3) and momentum.values.shape == (3,)
    assert not any(built(window) for window in (frame, recent, above, momentum))
    assert built(frame.pct_change()) and built(frame)


def test_pending_windows_work_on_the_installed_pandas() -> None:
    # Fails loudly on a pandas release that changes the internals history_window leans on;
    # runs would then use the public-API fallback (slower, same values).
    assert history_window.pending_windows_work(), (
        f"pending windows broke on pandas {pd.__version__}"
    )
    assert history_window.window_series == WindowSeries.pending
    assert history_window.window_frame == WindowFrame.pending


def test_the_public_api_fallback_gives_the_same_windows() -> None:
    values = np.linspace(1.0, 40.0, 40)
    by_column = np.ascontiguousarray(np.stack([values, values * 2, values[::-1]]))
    rows = range(100, 140)
    plain = history_window.plain_series(values, TIMELINE, rows, "AAA")
    assert type(plain) is pd.Series
    pd.testing.assert_series_equal(plain, reference_series(values, start=100))
    frame = history_window.plain_frame(by_column, TIMELINE, rows, ASSETS)
    assert type(frame) is pd.DataFrame
    pd.testing.assert_frame_equal(frame, reference_frame(by_column, start=100))


def test_a_strategy_on_the_fallback_gives_the_same_backtest(monkeypatch) -> None:
    from rustybt import bar_data
    from rustybt.backtest import run_backtest

    strategy = REPO / "examples" / "sma_crossover.py"
    fast = run_backtest(strategy, start="2006-01-03", end="2008-12-31")
    monkeypatch.setattr(bar_data, "window_series", history_window.plain_series)
    monkeypatch.setattr(bar_data, "window_frame", history_window.plain_frame)
    plain = run_backtest(strategy, start="2006-01-03", end="2008-12-31")
    assert plain.transactions == fast.transactions
    pd.testing.assert_series_equal(plain.frame["portfolio_value"], fast.frame["portfolio_value"])


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 400)),
        elements=st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False),
    ),
    st.data(),
)
def test_window_sums_add_up_as_numpy_does(rows: np.ndarray, data) -> None:
    length = data.draw(st.integers(1, rows.shape[1]))
    sums = history_window.pairwise_sums(rows, length)
    column = np.ascontiguousarray(rows.T)[:, -1]  # a strided column, as a run's is
    along = history_window.pairwise_sums(column, length)
    for start in range(rows.shape[1] - length + 1):
        window = rows[:, start : start + length]
        assert np.array_equal(sums[:, start], np.add.reduce(window, axis=1))
        assert along[start] == np.add.reduce(column[start : start + length])


def test_window_sums_match_the_installed_numpy() -> None:
    # Fails loudly on a numpy that adds up in another order; runs then reduce each window.
    assert history_window.window_sums_match_numpy(), f"window sums broke on numpy {np.__version__}"


def asked_on_every_bar(sums: history_window.WindowSums, length: int, bars: range) -> list:
    return [sums.total(bar - length + 1, length) for bar in bars]


def test_sums_are_worked_out_for_a_length_asked_on_every_bar() -> None:
    data = np.random.default_rng(3).lognormal(3, 0.2, 5_000)
    sums = history_window.WindowSums(data)
    totals = asked_on_every_bar(sums, 50, range(49, 5_000))
    assert totals[:2] == [None, None]
    assert all(total is not None for total in totals[2:])
    assert all(type(total) is np.float64 for total in totals[2:])
    assert totals[-1] == np.add.reduce(data[-50:])


def test_sums_are_not_worked_out_for_a_length_asked_rarely() -> None:
    data = np.random.default_rng(3).lognormal(3, 0.2, 100_000)
    sums = history_window.WindowSums(data)
    # Once a "day" of 390 minute bars: the direct reductions cost less than all the sums.
    assert set(asked_on_every_bar(sums, 50, range(390, 100_000, 390))) == {None}


def test_windows_with_sums_reduce_as_pandas_does() -> None:
    by_column = np.ascontiguousarray(BY_COLUMN)
    frame_sums = history_window.WindowSums(by_column)
    series_sums = history_window.WindowSums(by_column[1])
    for end in range(20, 61):
        rows = range(end - 20, end)
        series = WindowSeries.pending(
            by_column[1, end - 20 : end], TIMELINE, rows, "BBB", series_sums
        )
        frame = WindowFrame.pending(
            by_column[:, end - 20 : end], TIMELINE, rows, ASSETS, frame_sums
        )
        reference = reference_frame(by_column[:, end - 20 : end], start=end - 20)
        assert same(series.mean(), reference["BBB"].mean())
        assert same(series[-5:].sum(), reference["BBB"][-5:].sum())
        pd.testing.assert_series_equal(
            frame.mean(), reference.mean(), check_series_type=False, check_exact=True
        )
        pd.testing.assert_series_equal(
            frame.iloc[-5:].sum(),
            reference.iloc[-5:].sum(),
            check_series_type=False,
            check_exact=True,
        )
    assert series_sums.total(40, 20) is not None and frame_sums.total(40, 20) is not None


@pytest.mark.parametrize("length", [1, 5, 20, 50, 129])
def test_means_read_from_window_sums_are_pandas_means_to_the_last_bit(length: int) -> None:
    data = np.random.default_rng(length).lognormal(3, 1.5, 400)
    sums = history_window.WindowSums(data)
    for end in range(length, 400):
        rows = range(end - length, end)
        window = WindowSeries.pending(data[end - length : end], TIMELINE, rows, "AAA", sums)
        assert same(window.mean(), reference_series(data[end - length : end], end - length).mean())
    assert sums.mean(400 - length, length) is not None  # read from the sums by the end


def test_a_strategy_without_window_sums_gives_the_same_backtest(monkeypatch) -> None:
    from rustybt import bar_data
    from rustybt.backtest import run_backtest

    strategy = REPO / "examples" / "sma_crossover.py"
    summed = run_backtest(strategy, start="2006-01-03", end="2008-12-31")
    monkeypatch.setattr(bar_data, "window_sums", lambda data: None)
    direct = run_backtest(strategy, start="2006-01-03", end="2008-12-31")
    assert direct.transactions == summed.transactions
    pd.testing.assert_series_equal(direct.frame["portfolio_value"], summed.frame["portfolio_value"])


def test_windows_with_a_nan_are_reduced_by_pandas_even_with_sums() -> None:
    data = np.random.default_rng(5).lognormal(3, 0.2, 400)
    data[300] = np.nan  # a bar the asset did not trade
    sums = history_window.WindowSums(data)
    for end in range(20, 400):
        rows = range(end - 20, end)
        window = WindowSeries.pending(data[end - 20 : end], TIMELINE, rows, "AAA", sums)
        reference = reference_series(data[end - 20 : end], start=end - 20)
        assert same(window.mean(), reference.mean())
        assert same(window.sum(), reference.sum())
    assert sums.total(300, 20) is not None and np.isnan(sums.total(300, 20))
