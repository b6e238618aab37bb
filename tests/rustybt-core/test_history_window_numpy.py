"""numpy reads a ``data.history`` window as it reads the pandas object, without building it.

A zipline strategy often writes ``np.asarray(data.history(...), dtype=float)`` and reduces
the array itself. The array must hold the same values in the same layout (numpy's summation
order follows the layout, so the sums agree to the bit) and, as pandas 3 gives it under
copy-on-write, be a read-only view unless a copy is asked for: a strategy can never change
the run's data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rustybt.history_window import WindowFrame, WindowSeries

TIMELINE = pd.date_range("2020-01-01", periods=400, tz="UTC")
ASSETS = pd.Index(["AAA", "BBB", "CCC"], dtype=object)
# The whole run's closes, one contiguous row per asset, as BarData keeps them: a window is
# a slice of it, so its rows are not contiguous.
RUN = np.random.default_rng(11).lognormal(3, 0.3, (3, 400))
START, END = 200, 250


def frame_window(run: np.ndarray = RUN, start: int = START, end: int = END) -> WindowFrame:
    columns = ASSETS[: len(run)]
    return WindowFrame.pending(run[:, start:end], TIMELINE, range(start, end), columns)


def reference_frame(run: np.ndarray = RUN, start: int = START, end: int = END) -> pd.DataFrame:
    values, index = run[:, start:end].T.copy(), TIMELINE[start:end]
    return pd.DataFrame(values, index=index, columns=ASSETS[: len(run)])


# One asset of a run of three: every third value of the bars × assets array.
BARS_BY_ASSET = np.ascontiguousarray(RUN.T)


def series_window() -> WindowSeries:
    values = BARS_BY_ASSET[START:END, 1]
    return WindowSeries.pending(values, TIMELINE, range(START, END), "BBB")


def reference_series() -> pd.Series:
    values = BARS_BY_ASSET[START:END, 1].copy()
    return pd.Series(values, index=TIMELINE[START:END], name="BBB")


def built(window: pd.Series | pd.DataFrame) -> bool:
    """Whether pandas' constructor has run on ``window`` (it stores its block manager)."""
    return "_mgr" in vars(window)


def layout(array: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Length and stride of each axis that has more than one element (the stride of an axis
    of one is never used)."""
    return tuple((n, stride) for n, stride in zip(array.shape, array.strides, strict=True) if n > 1)


def same_array(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_array_equal(ours, theirs, strict=True)
    assert layout(ours) == layout(theirs)
    assert ours.flags.writeable == theirs.flags.writeable


READS = {
    "asarray": np.asarray,
    "asarray-float": lambda w: np.asarray(w, dtype=float),
    "asarray-float64": lambda w: np.asarray(w, dtype=np.float64),
    "asarray-float32": lambda w: np.asarray(w, dtype=np.float32),
    "asarray-copy": lambda w: np.asarray(w, copy=True),
    "array": np.array,
    "array-no-copy": lambda w: np.array(w, copy=False),
    "values": lambda w: w.values,
    "to_numpy": lambda w: w.to_numpy(),
    "to_numpy-copy": lambda w: w.to_numpy(copy=True),
    "to_numpy-float": lambda w: w.to_numpy(dtype=float),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_numpy_reads_a_frame_window_as_pandas_gives_it_without_building(read) -> None:
    window = frame_window()
    same_array(read(window), read(reference_frame()))
    assert not built(window)


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_numpy_reads_a_series_window_as_pandas_gives_it_without_building(read) -> None:
    window = series_window()
    same_array(read(window), read(reference_series()))
    assert not built(window)


def test_a_read_only_array_cannot_change_the_run_and_a_copy_is_the_strategys_own() -> None:
    run = RUN.copy()
    closes = np.asarray(frame_window(run), dtype=float)
    with pytest.raises(ValueError, match="read-only"):
        closes[-1, 0] = 0.0
    mine = np.array(frame_window(run))
    mine[-1, 0] = 0.0
    frame_window(run).to_numpy(copy=True)[:] = 0.0
    np.testing.assert_array_equal(run, RUN)


def test_other_dtypes_are_converted_by_pandas_itself() -> None:
    pairs = ((frame_window(), reference_frame()), (series_window(), reference_series()))
    for window, reference in pairs:
        for dtype in (np.float32, object):
            same_array(window.to_numpy(dtype=dtype), reference.to_numpy(dtype=dtype))
            same_array(np.asarray(window, dtype=dtype), np.asarray(reference, dtype=dtype))


def test_a_copy_that_cannot_be_avoided_is_refused_as_pandas_refuses_it() -> None:
    for window in (frame_window(), series_window(), reference_frame(), reference_series()):
        with pytest.raises(ValueError, match="Unable to avoid copy"):
            np.array(window, dtype=np.float32, copy=False)


def test_an_asset_of_one_makes_a_view_of_the_run_and_still_reads_as_pandas() -> None:
    run = RUN[:1].copy()
    window = frame_window(run)
    closes = np.asarray(window, dtype=float)
    assert np.shares_memory(closes, run)
    same_array(closes, np.asarray(reference_frame(run), dtype=float))


@settings(max_examples=150, deadline=None)
@given(
    run=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 90)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    bounds=st.tuples(st.integers(0, 89), st.integers(1, 90)),
    cut=st.integers(-90, 90),
)
def test_numpy_reductions_of_the_array_are_bit_identical_to_pandas(run, bounds, cut) -> None:
    start = min(bounds[0], run.shape[1] - 1)
    end = max(start + 1, min(bounds[1], run.shape[1]))
    columns = pd.Index([f"A{i}" for i in range(run.shape[0])], dtype=object)
    window = WindowFrame.pending(run[:, start:end], TIMELINE, range(start, end), columns)
    reference = pd.DataFrame(run[:, start:end].T.copy(), index=TIMELINE[start:end], columns=columns)
    ours, theirs = np.asarray(window, dtype=float), np.asarray(reference, dtype=float)
    for reduce in (
        lambda a: a[cut:].mean(axis=0),
        lambda a: a.mean(),
        lambda a: a.sum(axis=0),
        lambda a: a.std(axis=0),
        lambda a: np.nanmean(a, axis=0) if a.size else a,
        lambda a: a.cumsum(),
        lambda a: a[-1] / a[0],
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            np.testing.assert_array_equal(reduce(ours), reduce(theirs), strict=True)


def test_shape_labels_and_row_slices_come_from_the_window() -> None:
    window, reference = frame_window(), reference_frame()
    assert window.shape == reference.shape == (50, 3)
    pd.testing.assert_index_equal(window.index, reference.index)
    pd.testing.assert_index_equal(window.columns, reference.columns)
    for n in (3, 0, -45, 60):
        pd.testing.assert_frame_equal(window.tail(n), reference.tail(n))
        pd.testing.assert_frame_equal(window.head(n), reference.head(n))
    pd.testing.assert_frame_equal(window[-5:], reference[-5:])
    assert not built(window)
    series, plain = series_window(), reference_series()
    assert series.shape == plain.shape == (50,)
    pd.testing.assert_series_equal(series.tail(4), plain.tail(4), check_series_type=False)
    pd.testing.assert_series_equal(series.head(), plain.head(), check_series_type=False)
    assert not built(series)


def test_a_frame_row_is_the_assets_series_named_by_its_bar() -> None:
    window, reference = frame_window(), reference_frame()
    for position in (-1, 0, 17):
        row, expected = window.iloc[position], reference.iloc[position]
        pd.testing.assert_series_equal(row, expected, check_series_type=False)
        assert row.name == expected.name
    assert not built(window)
    with pytest.raises(IndexError):
        window.iloc[50]


def test_momentum_of_a_window_is_computed_as_pandas_computes_it() -> None:
    window, reference = frame_window(), reference_frame()
    ours = window.iloc[-1] / window.iloc[0] - 1
    theirs = reference.iloc[-1] / reference.iloc[0] - 1
    pd.testing.assert_series_equal(ours, theirs, check_series_type=False, check_exact=True)
    assert ours.name is None and not built(window)
    pd.testing.assert_series_equal(
        ours.sort_values(ascending=False), theirs.sort_values(ascending=False)
    )


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: s + 1,
        lambda s: s - 2.5,
        lambda s: s * np.float64(3),
        lambda s: s / 7,
        lambda s: 1 + s,
        lambda s: 100 - s,
        lambda s: 2 * s,
        lambda s: 1 / s,
        lambda s: s / s.shift(1),
        lambda s: s[-20:] / s[-20:].mean() - 1,
        lambda s: (s - s) / (s - s),
        lambda s: (s > s.mean()) + 1,
    ],
)
def test_series_arithmetic_equals_pandas_and_warns_no_more(operation) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = operation(series_window())
        theirs = operation(reference_series())
    pd.testing.assert_series_equal(ours, theirs, check_series_type=False, check_exact=True)


@pytest.mark.parametrize(
    "arguments",
    [{"axis": 0}, {"axis": "index"}, {"skipna": True}, {"axis": 1}, {"numeric_only": False}],
    ids=str,
)
def test_frame_reductions_take_the_arguments_pandas_takes(arguments) -> None:
    window, reference = frame_window(), reference_frame()
    for reduction in ("mean", "sum", "std"):
        pd.testing.assert_series_equal(
            getattr(window, reduction)(**arguments),
            getattr(reference, reduction)(**arguments),
            check_series_type=False,
            check_exact=True,
        )


def test_arguments_pandas_refuses_are_refused_though_they_equal_the_defaults() -> None:
    with pytest.raises(ValueError, match="skipna"):
        series_window().mean(skipna=1)
    assert frame_window().mean(axis=None) == reference_frame().mean(axis=None)


def test_changing_labels_builds_the_frame_first() -> None:
    window = frame_window()
    window.columns = ["x", "y", "z"]
    window.index = range(50)
    expected = reference_frame()
    expected.columns, expected.index = ["x", "y", "z"], range(50)
    pd.testing.assert_frame_equal(window, expected)
