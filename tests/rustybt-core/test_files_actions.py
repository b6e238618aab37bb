"""The ``files`` source reads corporate actions as zipline's csvdir bundle does: the bar files'
optional ``split`` and ``dividend`` columns, and a ``SYMBOL.actions.csv`` beside them with
pay dates; a backtest applies them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order, symbol
from rustybt.backtest import run_backtest
from rustybt.data.actions import ACTION_COLUMNS, has_actions
from rustybt.data.file_source import FileDataSource
from rustybt.errors import DataError

START, END = pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-12-31", tz="UTC")
SPLIT_DAY, DIVIDEND_DAY = "2020-08-31", "2020-11-06"


def utc(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def csvdir_bars(first: str = "2020-08-24", last: str = "2020-11-13") -> pd.DataFrame:
    """Weekday bars of a stock trading near 400 before a 4-for-1 split on SPLIT_DAY and
    near 100 after, paying 0.25 a share on DIVIDEND_DAY, in csvdir's columns."""
    dates = pd.bdate_range(first, last)
    close = np.where(dates < SPLIT_DAY, 400.0, 100.0)
    return pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "open": close,
            "high": close + 1,
            "low": close - 1,
            "close": close,
            "volume": 1_000_000,
            "dividend": np.where(dates == DIVIDEND_DAY, 0.25, 0.0),
            "split": np.where(dates == SPLIT_DAY, 4.0, 1.0),
        }
    )


def write_csv(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def test_a_csvdir_file_s_split_and_dividend_columns_are_its_actions(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars())
    actions = FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)
    assert list(actions.columns) == list(ACTION_COLUMNS)
    assert actions[["symbol", "ex_date", "kind", "value"]].values.tolist() == [
        ["AAA", utc(SPLIT_DAY), "split", 4.0],
        ["AAA", utc(DIVIDEND_DAY), "dividend", 0.25],
    ]
    assert actions["pay_date"].isna().all()  # paid on the ex-date


def test_only_ex_dates_in_the_range_are_given(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars())
    source = FileDataSource(data_dir=tmp_path)
    before_the_dividend = source.fetch_actions(["AAA"], START, utc("2020-11-05"))
    assert before_the_dividend["kind"].tolist() == ["split"]
    assert source.fetch_actions(["AAA"], utc("2020-09-01"), utc("2020-11-05")).empty


def test_a_parquet_file_s_action_columns_count_too(tmp_path: Path) -> None:
    bars = csvdir_bars()
    bars.assign(date=pd.to_datetime(bars["date"])).to_parquet(tmp_path / "AAA.parquet")
    actions = FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)
    assert actions["kind"].tolist() == ["split", "dividend"]


def test_empty_action_cells_are_days_without_an_action(tmp_path: Path) -> None:
    bars = csvdir_bars().astype({"dividend": object, "split": object})
    bars.loc[bars["dividend"] == 0.0, "dividend"] = None
    bars.loc[bars["split"] == 1.0, "split"] = None
    write_csv(tmp_path, "AAA.csv", bars)
    actions = FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)
    assert actions["kind"].tolist() == ["split", "dividend"]


def test_a_folder_without_action_columns_has_no_actions_and_the_same_bars(
    tmp_path: Path,
) -> None:
    plain = csvdir_bars().drop(columns=["dividend", "split"])
    write_csv(tmp_path, "AAA.csv", plain)
    source = FileDataSource(data_dir=tmp_path)
    assert has_actions(source)
    assert source.fetch_actions(["AAA"], START, END).empty
    bars = source.fetch_bars(["AAA"], START, END, "1d")
    assert bars["close"].tolist() == plain["close"].tolist()
    assert list(bars.columns) == ["timestamp", "symbol", "open", "high", "low", "close", "volume"]


def test_an_actions_file_gives_pay_dates_and_more_actions(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars())
    (tmp_path / "AAA.actions.csv").write_text(
        "ex_date,kind,value,pay_date\n"
        f"{DIVIDEND_DAY},dividend,0.25,2020-11-12\n"
        "2020-08-25,dividend,0.82,\n"
    )
    source = FileDataSource(data_dir=tmp_path)
    assert source.symbols == ["AAA"]
    actions = source.fetch_actions(["AAA"], START, END)
    assert actions[["ex_date", "kind", "value", "pay_date"]].values.tolist() == [
        [utc("2020-08-25"), "dividend", 0.82, pd.NaT],
        [utc(SPLIT_DAY), "split", 4.0, pd.NaT],
        [utc(DIVIDEND_DAY), "dividend", 0.25, utc("2020-11-12")],
    ]


def test_an_actions_file_works_without_action_columns(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars().drop(columns=["dividend", "split"]))
    write_csv(
        tmp_path,
        "AAA.actions.csv",
        pd.DataFrame({"ex_date": [SPLIT_DAY], "kind": ["split"], "value": [4]}),
    )
    actions = FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)
    assert actions[["kind", "value"]].values.tolist() == [["split", 4.0]]


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("split", "four", "AAA.csv: AAA: split 'four' on 2020-08-31 is not a number"),
        ("dividend", "$0.25", "AAA.csv: AAA: dividend '$0.25' on 2020-08-31 is not a number"),
        ("split", "-4", "AAA: the split on 2020-08-31 has value -4.0; it must be a positive"),
    ],
)
def test_a_bad_action_cell_is_a_data_error_naming_file_date_and_value(
    tmp_path: Path, column: str, cell: str, message: str
) -> None:
    bars = csvdir_bars().astype({column: object})
    bars.loc[bars["date"] == SPLIT_DAY, column] = cell
    write_csv(tmp_path, "AAA.csv", bars)
    with pytest.raises(DataError, match=message.replace("$", r"\$")):
        FileDataSource(data_dir=tmp_path).fetch_bars(["AAA"], START, END, "1d")


def test_an_actions_file_disagreeing_with_the_columns_is_a_data_error(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars())
    (tmp_path / "AAA.actions.csv").write_text(
        f"ex_date,kind,value,pay_date\n{DIVIDEND_DAY},dividend,0.3,2020-11-12\n"
    )
    with pytest.raises(DataError) as raised:
        FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)
    assert str(raised.value) == (
        f"{tmp_path / 'AAA.actions.csv'}: AAA: the dividend on 2020-11-06 is 0.3 here but "
        "0.25 in the bar file's dividend column; make them agree"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read corporate actions: No columns to parse from file; an actions file"),
        ("ex_date,kind,value\n2020-08-31,spinoff,1\n", "unknown corporate action 'spinoff'"),
        ("ex_date,kind,value\nsoon,split,4\n", "ex_date 'soon' is not a date"),
        ("ex_date,kind\n2020-08-31,split\n", "corporate actions lack the column(s) value"),
    ],
)
def test_a_bad_actions_file_is_a_data_error(tmp_path: Path, text: str, message: str) -> None:
    write_csv(tmp_path, "AAA.csv", csvdir_bars())
    (tmp_path / "AAA.actions.csv").write_text(text)
    with pytest.raises(DataError, match=re.escape(message)):
        FileDataSource(data_dir=tmp_path).fetch_actions(["AAA"], START, END)


def buy_and_hold(shares: int) -> TradingAlgorithm:
    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(context.asset, shares)

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


def test_a_buy_and_hold_across_a_4_for_1_split_holds_4_times_the_shares_and_gets_the_dividend(
    tmp_path: Path,
) -> None:
    with_actions, without_dividend = tmp_path / "actions", tmp_path / "no-dividend"
    for folder, bars in (
        (with_actions, csvdir_bars()),
        (without_dividend, csvdir_bars().assign(dividend=0.0)),
    ):
        folder.mkdir()
        write_csv(folder, "AAA.csv", bars)
    result, baseline = (
        run_backtest(
            buy_and_hold(10),
            start="2020-08-24",
            end="2020-11-13",
            source="files",
            data_dir=folder,
            capital_base=10_000,
        )
        for folder in (with_actions, without_dividend)
    )
    frame = result.frame
    held = {
        day.date().isoformat(): sum(p["amount"] for p in positions)
        for day, positions in frame["positions"].items()
    }
    assert held["2020-08-28"] == 10
    assert held["2020-08-31"] == 40
    assert held["2020-11-13"] == 40
    on_dividend_day = frame.loc[frame.index.normalize() == utc(DIVIDEND_DAY)]
    assert float(on_dividend_day["capital_used"].iloc[0]) == pytest.approx(40 * 0.25)
    assert result.data_provenance["actions"] == {"split": 1, "dividend": 1}
    assert result.ending_cash - baseline.ending_cash == Decimal("10.00")
