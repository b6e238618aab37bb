"""The ``sample`` source ships raw bars and its stocks' real splits and dividends; a
buy-and-hold of AAPL across its 2005 split holds twice the shares from the ex-date."""

from __future__ import annotations

import pandas as pd
from rustybt.algorithm import TradingAlgorithm
from rustybt.api import order, symbol
from rustybt.backtest import run_backtest
from rustybt.data.sample_source import SampleDataSource

EVERYTHING = pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2030-01-01", tz="UTC")


def sample_actions(*symbols: str) -> pd.DataFrame:
    return SampleDataSource().fetch_actions(list(symbols), *EVERYTHING)


def test_the_sample_s_splits_are_the_known_ones() -> None:
    splits = sample_actions("AAPL", "GOOG", "IBM", "MSFT", "^GSPC").query("kind == 'split'")
    assert [
        (row.symbol, row.ex_date.date().isoformat(), row.value) for row in splits.itertuples()
    ] == [
        ("AAPL", "2000-06-21", 2.0),
        ("AAPL", "2005-02-28", 2.0),
        ("MSFT", "2003-02-18", 2.0),
    ]


def test_the_sample_s_dividends_are_quarterly_with_msft_s_2004_special_one() -> None:
    dividends = sample_actions("AAPL", "GOOG", "IBM", "MSFT", "^GSPC").query("kind == 'dividend'")
    per_year = dividends.groupby(["symbol", dividends["ex_date"].dt.year]).size()
    assert (per_year["IBM"].loc[2001:2012] == 4).all()
    assert (per_year["MSFT"].loc[2005:2012] == 4).all()
    assert per_year["AAPL"].to_dict() == {2012: 2, 2013: 1}  # from August 2012 on
    assert set(dividends["symbol"]) == {"AAPL", "IBM", "MSFT"}
    msft = dividends[dividends["symbol"] == "MSFT"].set_index("ex_date")["value"]
    assert msft[pd.Timestamp("2004-11-15", tz="UTC")] > 3.0
    assert dividends["pay_date"].isna().all()  # paid on the ex-date


def test_the_sample_bars_are_raw_prices() -> None:
    bars = SampleDataSource().fetch_bars(
        ["AAPL"], pd.Timestamp("2005-02-25", tz="UTC"), pd.Timestamp("2005-02-28", tz="UTC"), "1d"
    )
    assert bars["close"].tolist() == [88.99, 44.86]  # the split halves the price


def test_actions_are_given_for_the_symbols_and_range_asked() -> None:
    actions = SampleDataSource().fetch_actions(
        ["AAPL"], pd.Timestamp("2005-01-01", tz="UTC"), pd.Timestamp("2005-12-31", tz="UTC")
    )
    assert actions[["symbol", "kind"]].values.tolist() == [["AAPL", "split"]]


def buy_and_hold_aapl() -> TradingAlgorithm:
    def initialize(context):
        context.asset = symbol("AAPL")

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(context.asset, 100)

    return TradingAlgorithm(initialize=initialize, handle_data=handle_data)


def shares_held(adjustment: str) -> dict[str, int]:
    result = run_backtest(
        buy_and_hold_aapl(), start="2005-02-01", end="2005-03-15", adjustment=adjustment
    )
    return {
        day.date().isoformat(): sum(p["amount"] for p in positions)
        for day, positions in result.frame["positions"].items()
    }


def test_a_buy_and_hold_of_aapl_shows_its_2005_split_in_the_positions() -> None:
    held = shares_held("raw")
    assert held["2005-02-25"] == 100
    assert held["2005-02-28"] == 200
    assert held["2005-03-15"] == 200


def test_on_adjusted_bars_the_position_never_splits() -> None:
    held = shares_held("adjusted")
    assert set(list(held.values())[1:]) == {100}
