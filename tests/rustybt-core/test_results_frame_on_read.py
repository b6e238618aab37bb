"""A backtest's results frame is made the first time it is read, and is then the same frame
whatever reads it: the strategy's ``analyze``, the result, a pickle of the result."""

from __future__ import annotations

import pickle

import pandas as pd
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order_target_percent, record, symbol
from rustybt.backtest import run_backtest
from rustybt.engine.results import lazy_frame

PARAMS = {"weight": 0.5}  # read from initialize's module, as from a strategy file


def initialize(context):
    context.asset = symbol("AAPL")


def handle_data(context, data):
    order_target_percent(context.asset, context.params.weight)


def handle_data_recording(context, data):
    handle_data(context, data)
    record(price=data.current(context.asset, "price"))


def run(record_value: bool = False, **functions):
    return run_backtest(
        TradingAlgorithm(
            initialize=initialize,
            handle_data=handle_data_recording if record_value else handle_data,
            **functions,
        ),
        start="2006-01-03",
        end="2006-03-31",
        params={"weight": "0.25"},
    )


def test_a_result_read_only_through_its_summary_never_makes_the_frame() -> None:
    result = run()

    assert result.summary.total_return != 0
    assert result.params == {"weight": 0.25}
    assert not result._frame.built


def test_reading_the_frame_makes_it_once_with_the_parameters_and_the_holdings() -> None:
    result = run()

    frame = result.frame

    assert result._frame.built
    assert result.frame is frame
    assert frame.attrs["params"] == {"weight": 0.25}
    assert frame["positions"].iloc[-1][0]["sid"] == symbol_of(result)
    assert frame["portfolio_value"].iloc[-1] == float(result.ending_value)


def test_analyze_sees_the_frame_the_result_gives() -> None:
    seen: list[pd.DataFrame] = []

    result = run(analyze=lambda context, perf: seen.append(perf))

    assert [frame is result.frame for frame in seen] == [True]


def test_a_pickled_result_carries_the_frame_itself() -> None:
    result = run()

    restored = pickle.loads(pickle.dumps(result))

    assert restored._frame.built
    pd.testing.assert_frame_equal(restored.frame, result.frame)


def test_a_frame_given_as_it_is_counts_as_made() -> None:
    frame = pd.DataFrame({"portfolio_value": [1.0]})

    lazy = lazy_frame(frame)

    assert lazy.built
    assert lazy.get() is frame


def symbol_of(result) -> object:
    (fill, *_) = result.transactions
    return fill.asset


def test_the_figures_are_the_frame_but_its_lists_made_without_them() -> None:
    result = run(record_value=True)

    figures = result.figures

    assert not result._frame.built
    expected = result.frame.drop(columns=["positions", "transactions", "orders", "actions"])
    pd.testing.assert_frame_equal(figures, expected)
    assert figures.attrs["params"] == {"weight": 0.25}


def test_a_pickled_result_gives_its_figures_from_the_frame() -> None:
    restored = pickle.loads(pickle.dumps(run()))

    assert "positions" not in restored.figures
    assert restored.figures["returns"].equals(restored.frame["returns"])
