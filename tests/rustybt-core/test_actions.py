"""Corporate actions as a source gives them and as a run places them on its sessions."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from rustybt.data.actions import (
    ACTION_COLUMNS,
    ACTIONS_SCHEMA,
    DividendEvent,
    RunActions,
    SplitEvent,
    csvdir_actions,
    empty_actions,
    source_actions,
    validate_actions,
)
from rustybt.errors import DataError

SESSIONS = pd.DatetimeIndex(
    ["2020-08-27", "2020-08-28", "2020-08-31", "2020-09-01", "2020-09-02"], tz="UTC"
)


def actions(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"symbol": s, "ex_date": e, "kind": k, "value": v, "pay_date": p}
            for s, e, k, v, p in rows
        ]
    )


def test_a_csvdir_file_gives_its_splits_and_dividends_as_zipline_reads_them() -> None:
    frame = pd.DataFrame(
        {
            "date": ["2020-08-28", "2020-08-31", "2020-09-01"],
            "close": [499.23, 129.04, 134.18],
            "split": [1.0, 4.0, 1.0],
            "dividend": [0.0, 0.0, 0.205],
        }
    )
    found = csvdir_actions("AAPL", frame, where="AAPL.csv")
    assert list(found.columns) == list(ACTION_COLUMNS)
    assert found[["kind", "value"]].values.tolist() == [["split", 4.0], ["dividend", 0.205]]
    assert found["ex_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-08-31", "2020-09-01"]
    assert found["pay_date"].isna().all()  # paid on the ex-date


def test_a_csvdir_file_without_action_columns_has_none() -> None:
    frame = pd.DataFrame({"date": ["2020-08-28"], "close": [499.23]})
    assert csvdir_actions("AAPL", frame, where="AAPL.csv").empty


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("AAPL", "2020-08-31", "merger", 1.0, None), "unknown corporate action 'merger'"),
        (("AAPL", "2020-08-31", "split", 0.0, None), "must be a positive number"),
        (("AAPL", "2020-08-31", "dividend", float("nan"), None), "must be a positive number"),
        (("AAPL", "2020-13-45", "split", 4.0, None), "ex_date '2020-13-45' is not a date"),
        (("AAPL", "2020-08-31", "split", 4.0, "2020-09-10"), "only dividends do"),
        (("AAPL", "2020-08-31", "dividend", 0.2, "2020-08-01"), "paid before it"),
    ],
)
def test_a_bad_action_is_one_error_naming_where_symbol_and_rule(row, message) -> None:
    with pytest.raises(DataError, match=message) as raised:
        validate_actions(actions(row), where="AAPL.csv")
    assert str(raised.value).startswith("AAPL.csv: AAPL: ")


def test_two_splits_of_one_symbol_on_one_day_are_refused() -> None:
    with pytest.raises(DataError, match="two splits on 2020-08-31"):
        validate_actions(
            actions(
                ("AAPL", "2020-08-31", "split", 4.0, None),
                ("AAPL", "2020-08-31", "split", 2.0, None),
            ),
            where="x",
        )


def test_a_source_without_fetch_actions_has_none() -> None:
    assert source_actions(object(), ["AAPL"], SESSIONS[0], SESSIONS[-1]).empty


def test_a_run_places_each_action_on_its_session_and_column() -> None:
    closes = np.array([[100.0, 50.0], [104.0, 51.0], [26.5, 52.0], [27.0, 50.0], [27.5, 49.0]])
    placed = RunActions.build(
        actions(
            ("AAA", "2020-08-31", "split", 4.0, None),
            ("BBB", "2020-09-01", "dividend", 0.51, "2020-09-02"),
            ("BBB", "2020-08-27", "dividend", 0.5, None),  # the first session: no earlier prices
            ("CCC", "2020-08-31", "split", 2.0, None),  # not in the run
        ).pipe(validate_actions, where="x"),
        columns={"AAA": 0, "BBB": 1},
        sessions=SESSIONS,
        session_bounds=np.arange(6),
        closes=closes,
    )
    assert placed.splits == {2: (SplitEvent(column=0, ratio=0.25),)}
    assert placed.dividends == {
        3: (DividendEvent(column=1, amount=Decimal("0.51"), pay_session=4),)
    }
    assert placed.prices[0].bars.tolist() == [2] and placed.prices[0].ratios.tolist() == [0.25]
    assert placed.volumes[0].ratios.tolist() == [4.0]
    assert placed.prices[1].ratios.tolist() == [1.0 - 0.51 / 52.0]  # zipline's dividend ratio
    assert 1 not in placed.volumes  # dividends leave volume alone
    assert (
        not placed.empty
        and RunActions.build(
            empty_actions(),
            columns={},
            sessions=SESSIONS,
            session_bounds=np.arange(6),
            closes=closes,
        ).empty
    )


def test_a_dividend_after_a_session_without_a_bar_adjusts_no_price_as_in_zipline() -> None:
    # BBB has no bar on 2020-08-31, the session before its dividend's ex-date; zipline
    # cannot compute the ratio then and leaves its prices alone (it still pays it).
    closes = np.array([[100.0, 50.0], [104.0, 51.0], [26.5, np.nan], [27.0, 50.0], [27.5, 49.0]])
    placed = RunActions.build(
        actions(
            ("BBB", "2020-09-01", "dividend", 0.5, None),
            ("AAA", "2020-09-01", "dividend", 0.5, None),
        ).pipe(validate_actions, where="x"),
        columns={"AAA": 0, "BBB": 1},
        sessions=SESSIONS,
        session_bounds=np.arange(6),
        closes=closes,
    )
    assert 1 not in placed.prices
    assert placed.prices[0].ratios.tolist() == [1.0 - 0.5 / 26.5]
    assert [e.column for e in placed.dividends[3]] == [0, 1]


def test_the_dividend_ratio_takes_the_last_close_of_the_session_before() -> None:
    # Two bars a session (minute runs): the session's close is its last traded bar's.
    closes = np.array([[10.0], [11.0], [12.0], [np.nan], [13.0], [14.0]])
    placed = RunActions.build(
        actions(("AAA", "2020-08-31", "dividend", 0.6, None)).pipe(validate_actions, where="x"),
        columns={"AAA": 0},
        sessions=SESSIONS[:3],
        session_bounds=np.array([0, 2, 4, 6]),
        closes=closes,
    )
    assert placed.prices[0].bars.tolist() == [4]
    assert placed.prices[0].ratios.tolist() == [1.0 - 0.6 / 12.0]


def test_bars_back_adjusted_as_of_the_end_carry_every_split_and_dividend() -> None:
    bars = pd.DataFrame(
        {
            "timestamp": SESSIONS,
            "symbol": "AAA",
            "open": [100.0, 104.0, 26.5, 27.0, 27.5],
            "high": [100.0, 104.0, 26.5, 27.0, 27.5],
            "low": [100.0, 104.0, 26.5, 27.0, 27.5],
            "close": [100.0, 104.0, 26.5, 27.0, 27.5],
            "volume": [1000.0, 1000.0, 4000.0, 4000.0, 4000.0],
        }
    )
    placed = RunActions.build(
        validate_actions(
            actions(
                ("AAA", "2020-08-31", "split", 4.0, None),
                ("AAA", "2020-09-02", "dividend", 0.27, None),
            ),
            where="x",
        ),
        columns={"AAA": 0},
        sessions=SESSIONS,
        session_bounds=np.arange(6),
        closes=bars[["close"]].to_numpy(),
    )
    adjusted = placed.back_adjust(bars, SESSIONS, ["AAA"])
    dividend = 1 - 0.27 / 27.0
    assert adjusted["close"].tolist() == pytest.approx(
        [25.0 * dividend, 26.0 * dividend, 26.5 * dividend, 27.0 * dividend, 27.5]
    )
    assert adjusted["volume"].tolist() == [4000.0] * 5
    assert bars["close"].iloc[0] == 100.0  # the given frame is left alone


def test_no_actions_is_the_schema_empty_frame_as_pyarrow_converts_it() -> None:
    expected = ACTIONS_SCHEMA.empty_table().to_pandas()
    pd.testing.assert_frame_equal(empty_actions(), expected)
    assert list(empty_actions().dtypes) == list(expected.dtypes)
