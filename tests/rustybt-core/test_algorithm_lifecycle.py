"""The strategy lifecycle as in zipline: assets asked for anywhere, by symbol or sid;
portfolio readable in initialize; functions scheduled mid-run; runs refused outside the data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rustybt.api import FixedSlippage, order, schedule_function, set_slippage, sid, symbol
from rustybt.errors import ConfigError, StrategyCodeError, StrategyError
from rustybt.install_hint import install_command


def test_a_symbol_first_asked_for_in_handle_data_trades_at_its_own_prices(run_strategy) -> None:
    def initialize(context):
        set_slippage(FixedSlippage(spread=0))

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(symbol("BBB"), 5)

    result = run_strategy(
        {"AAA": [10, 11, 12], "BBB": [20, 21, 22]}, initialize=initialize, handle_data=handle_data
    )
    [fill] = result.transactions
    assert (fill.asset.symbol, fill.amount, fill.price) == ("BBB", Decimal(5), Decimal(21))
    assert result.ending_value == Decimal(100000) + 5 * (22 - 21) - fill.commission


def test_an_asset_joining_mid_run_has_its_history_from_before_it_joined(run_strategy) -> None:
    windows = []

    def handle_data(context, data):
        if data.current_dt.day == 4:
            windows.append(data.history(symbol("BBB"), "close", 3, "1d").tolist())

    run_strategy(
        {"AAA": [10, 11, 12, 13], "BBB": [20, 21, 22, 23]},
        initialize=lambda context: None,
        handle_data=handle_data,
    )
    assert windows == [[20.0, 21.0, 22.0]]


def test_sid_numbers_assets_in_sorted_symbol_order_as_a_zipline_csvdir_bundle(run_strategy):
    found = {}

    def initialize(context):
        found["assets"] = [sid(1), sid(0)]
        found["by_symbol"] = symbol("AAA")

    run_strategy({"BBB": [20, 21], "AAA": [10, 11]}, initialize=initialize)
    second, first = found["assets"]
    assert (first.symbol, second.symbol) == ("AAA", "BBB")
    assert (int(first), int(second)) == (0, 1)
    assert first is found["by_symbol"]
    assert sorted([second, first]) == [first, second]
    assert first.to_dict()["sid"] == 0


def test_an_unknown_sid_names_the_range(run_strategy) -> None:
    def initialize(context):
        sid(7)

    with pytest.raises(
        StrategyError, match=r"sid\(7\) is not an asset of source 'files' \(sids 0 to 0\)"
    ):
        run_strategy({"AAA": [10, 11]}, initialize=initialize)


def test_assets_carry_the_sessions_of_their_first_and_last_bars(run_strategy) -> None:
    found = {}

    def initialize(context):
        found["asset"] = symbol("AAA")

    result = run_strategy({"AAA": [10, 11, 12]}, initialize=initialize)
    asset = found["asset"]
    sessions = result.frame.index.normalize()
    assert (asset.start_date, asset.end_date) == (sessions[0], sessions[-1])


def test_portfolio_and_account_are_readable_in_initialize(run_strategy) -> None:
    found = {}

    def initialize(context):
        found["cash"] = context.portfolio.cash
        found["leverage"] = context.account.gross_leverage

    run_strategy({"AAA": [10, 11]}, initialize=initialize, capital=5000)
    assert found == {"cash": 5000.0, "leverage": 0.0}


def test_a_function_scheduled_in_handle_data_runs_from_the_next_bar(run_strategy) -> None:
    calls = []

    def handle_data(context, data):
        if not context.scheduled_functions:
            schedule_function(lambda context, data: calls.append(data.current_dt))

    result = run_strategy(
        {"AAA": [10, 11, 12, 13]}, initialize=lambda context: None, handle_data=handle_data
    )
    # As zipline: registered during the first bar's handle_data, it fires in that bar too.
    assert [dt.normalize() for dt in calls] == list(result.frame.index.normalize())


def test_a_backtest_past_the_end_of_the_data_is_refused_with_the_data_range(run_strategy):
    from rustybt.backtest import run_algorithm

    with pytest.raises(ConfigError, match=r"ends on 2013-03-01, before the backtest's end"):
        run_algorithm(
            "2012-06-01", "2013-06-28", initialize=lambda context: symbol("AAPL"), source="sample"
        )


def test_a_missing_plotting_module_says_how_to_install_it(run_strategy) -> None:
    def analyze(context, results):
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

    with pytest.raises(StrategyCodeError) as raised:
        run_strategy({"AAA": [10, 11]}, initialize=lambda context: None, analyze=analyze)

    install = install_command("rustybt-core", "plot")
    assert str(raised.value).endswith(f"install it in this environment: {install}")
    assert install.endswith("rustybt-core[plot]'")


@pytest.mark.parametrize(
    ("start", "capital", "message"),
    [
        ("2010-13-45", 100_000, r"start '2010-13-45' is not a date \(month must be in 1..12\)"),
        ("2010-01-04", "abc", r"capital base must be a number, got 'abc'"),
        ("2010-01-04", float("inf"), r"capital base must be a finite number, got inf"),
        ("2010-01-04", -5, r"capital base must be positive, got -5"),
    ],
)
def test_a_bad_date_or_capital_is_a_config_error_naming_what_was_given(start, capital, message):
    from rustybt.backtest import run_algorithm

    with pytest.raises(ConfigError, match=message):
        run_algorithm(start, "2010-12-31", initialize=lambda context: None, capital_base=capital)
