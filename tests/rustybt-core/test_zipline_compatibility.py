"""Strategies written for zipline-reloaded run with only their imports changed."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from rustybt.api import (
    date_rules,
    get_datetime,
    order_target,
    order_target_percent,
    record,
    schedule_function,
    symbol,
    symbols,
    time_rules,
)
from rustybt.backtest import run_algorithm
from rustybt.errors import StrategyCodeError
from rustybt.finance import commission, slippage


def test_context_is_the_algorithm_and_its_methods_work(run_strategy) -> None:
    def initialize(context):
        context.asset = context.symbol("AAA")
        context.set_commission(commission.PerShare(cost=0.01, min_trade_cost=0))
        context.set_slippage(slippage.FixedSlippage(spread=0.0))

    def handle_data(context, data):
        if not context.portfolio.positions:
            context.order(context.asset, 10)

    result = run_strategy({"AAA": [10, 11, 12]}, initialize=initialize, handle_data=handle_data)
    [fill] = result.transactions
    assert (fill.amount, fill.price, fill.commission) == (Decimal(10), Decimal(11), Decimal("0.10"))


def test_positions_of_an_asset_not_held_is_an_empty_position(run_strategy) -> None:
    seen = {}

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        position = context.portfolio.positions[context.asset]
        seen["amount"] = position.amount
        seen["get"] = context.portfolio.positions.get(context.asset)
        seen["in"] = context.asset in context.portfolio.positions

    run_strategy({"AAA": [10, 11]}, initialize=initialize, handle_data=handle_data)
    assert seen == {"amount": 0, "get": None, "in": False}


def test_history_of_several_assets_has_one_column_per_asset(run_strategy) -> None:
    frames = []

    def initialize(context):
        context.assets = symbols("AAA", "BBB")

    def handle_data(context, data):
        # A window of 2 bars fits from the data's second session; zipline raises before.
        if data.current_session > pd.Timestamp("2024-01-02"):
            frames.append(data.history(context.assets, "price", 2, "1d"))

    run_strategy(
        {"AAA": [1, 2, 3], "BBB": [10, 20, 30]}, initialize=initialize, handle_data=handle_data
    )
    last = frames[-1]
    assert [asset.symbol for asset in last.columns] == ["AAA", "BBB"]
    assert last.to_numpy().tolist() == [[2.0, 20.0], [3.0, 30.0]]
    assert isinstance(last.index, pd.DatetimeIndex)
    assert last[last.columns[0]].iloc[-1] == 3.0


def test_current_price_is_the_last_traded_price_and_close_is_nan_without_a_trade(
    bar_dir, run_strategy
) -> None:
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        seen.append(
            (
                data.current(context.asset, "price"),
                data.current(context.asset, "close"),
                data.is_stale(context.asset),
                data.can_trade(context.asset),
            )
        )

    directory = bar_dir("AAA", [5, 6, 7, 8, 9])
    lines = (directory / "AAA.csv").read_text().splitlines()
    (directory / "AAA.csv").write_text("\n".join([lines[0], lines[1], lines[4], lines[5]]))
    # BBB trades every session; AAA has no bars in the second and third.
    run_strategy({"BBB": [1, 1, 1, 1, 1]}, initialize=initialize, handle_data=handle_data)
    assert [s[0] for s in seen] == [5.0, 5.0, 5.0, 8.0, 9.0]
    assert [pd.isna(s[1]) for s in seen] == [False, True, True, False, False]
    assert [s[2] for s in seen] == [False, True, True, False, False]
    assert all(s[3] for s in seen)


def test_order_target_percent_sizes_from_portfolio_value_and_price(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        context.set_slippage(slippage.NoSlippage())
        context.set_commission(commission.NoCommission())

    def handle_data(context, data):
        order_target_percent(context.asset, 0.5)

    result = run_strategy({"AAA": [30, 30, 30]}, initialize=initialize, handle_data=handle_data)
    # 50 % of 100,000 at 30 is 1,666.67 shares: 1,666 (truncated), never topped up past it.
    assert [t.amount for t in result.transactions] == [Decimal(1666)]
    assert result.frame["positions"].iloc[-1][0]["amount"] == 1666


def test_record_adds_columns_and_keeps_values_until_recorded_again(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")
        context.bar = 0

    def handle_data(context, data):
        context.bar += 1
        if context.bar != 2:
            record(bar=context.bar, price=data.current(context.asset, "price"))

    result = run_strategy({"AAA": [1, 2, 3]}, initialize=initialize, handle_data=handle_data)
    assert result.frame["bar"].tolist() == [1, 1, 3]
    assert result.frame["price"].tolist() == [1.0, 1.0, 3.0]


def test_results_carry_zipline_columns(run_strategy) -> None:
    result = run_strategy({"AAA": [1, 2, 3]}, initialize=lambda context: symbol("AAA"))
    for column in (
        "portfolio_value",
        "returns",
        "pnl",
        "cash",
        "positions",
        "transactions",
        "orders",
        "algorithm_period_return",
    ):
        assert column in result.frame.columns
    assert result.frame["portfolio_value"].tolist() == [100000.0] * 3


def test_scheduled_functions_follow_their_date_rules(run_strategy) -> None:
    calls = []

    def initialize(context):
        symbol("AAA")
        schedule_function(weekly, date_rules.week_start(), time_rules.market_open())
        schedule_function(monthly, date_rules.month_end(), time_rules.market_close(minutes=5))

    def weekly(context, data):
        calls.append(("week", get_datetime().date().isoformat()))

    def monthly(context, data):
        calls.append(("month", get_datetime().date().isoformat()))

    # 2024-01-02 (Tue) .. 2024-02-05 (Mon): 24 sessions
    run_strategy({"AAA": [1] * 24}, initialize=initialize)
    assert [d for kind, d in calls if kind == "week"] == [
        "2024-01-02",
        "2024-01-08",
        "2024-01-16",
        "2024-01-22",
        "2024-01-29",
        "2024-02-05",
    ]
    assert [d for kind, d in calls if kind == "month"] == ["2024-01-31"]


def test_zipline_run_algorithm_signature_runs_on_sample_data() -> None:
    def initialize(context):
        context.asset = symbol("MSFT")

    def handle_data(context, data):
        order_target(context.asset, 100)

    frame = run_algorithm(
        start=pd.Timestamp("2010-01-04"),
        end=pd.Timestamp("2010-03-31"),
        initialize=initialize,
        capital_base=10_000,
        handle_data=handle_data,
        data_frequency="daily",
        bundle="sample",
    )
    assert len(frame) == 61
    assert frame["positions"].iloc[-1][0]["amount"] == 100


def test_the_same_strategy_twice_gives_bit_identical_results() -> None:
    def initialize(context):
        context.stocks = symbols("AAPL", "MSFT", "IBM")

    def handle_data(context, data):
        prices = data.history(context.stocks, "price", 20, "1d")
        momentum = prices.iloc[-1] / prices.iloc[0] - 1
        for asset in context.stocks:
            order_target_percent(asset, 0.3 if momentum[asset] > 0 else 0.0)

    def run():
        return run_algorithm(
            start="2008-01-02",
            end="2009-12-31",
            initialize=initialize,
            handle_data=handle_data,
            capital_base=1_000_000,
        )

    first, second = run(), run()
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert first["transactions"].map(len).sum() > 50


def test_history_at_another_frequency_is_a_clear_error(run_strategy) -> None:
    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        data.history(context.asset, "price", 5, "1m")

    with pytest.raises(StrategyCodeError, match=r"in handle_data: history frequency '1m' is not"):
        run_strategy({"AAA": [1, 2]}, initialize=initialize, handle_data=handle_data)


def test_an_unsupported_zipline_name_says_so_and_names_the_migration_page(run_strategy) -> None:
    from rustybt.api import future_symbol

    def initialize(context):
        context.contract = future_symbol("ESZ24")

    with pytest.raises(
        StrategyCodeError,
        match=r"future_symbol is not supported by RustyBT: "
        r"futures are not supported; see docs/zipline-migration\.md",
    ):
        run_strategy({"AAA": [10, 11]}, initialize=initialize)


def test_zipline_protocol_names_are_the_account_objects_a_strategy_reads(run_strategy) -> None:
    from rustybt.protocol import Account, BarData, Portfolio, Position, Positions

    seen = {}

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        seen["types"] = (
            type(context.portfolio),
            type(context.account),
            type(context.portfolio.positions),
            type(context.portfolio.positions[context.asset]),
            type(data),
        )

    run_strategy({"AAA": [10, 11]}, initialize=initialize, handle_data=handle_data)
    assert seen["types"] == (Portfolio, Account, Positions, Position, BarData)


ZIPLINE_ERRORS = [
    "HistoryWindowStartsBeforeData",
    "IncompatibleHistoryFrequency",
    "SetBenchmarkOutsideInitialize",
    "SetCancelPolicyPostInit",
    "SetCommissionPostInit",
    "SetSlippagePostInit",
    "SidsNotFound",
    "SymbolNotFound",
    "TradingControlViolation",
    "UnsupportedCommissionModel",
    "UnsupportedOrderParameters",
    "UnsupportedSlippageModel",
]
"""zipline.errors names whose conditions RustyBT detects too."""


def test_zipline_error_names_import_from_rustybt_errors_as_strategy_errors() -> None:
    import rustybt.errors

    assert rustybt.errors.ZiplineError is rustybt.errors.RustyBTError
    for name in ZIPLINE_ERRORS:
        assert issubclass(getattr(rustybt.errors, name), rustybt.errors.StrategyError), name


def test_order_status_is_zipline_enum() -> None:
    from rustybt.finance.order import ORDER_STATUS

    assert [(s.name, int(s)) for s in ORDER_STATUS] == [
        ("OPEN", 0),
        ("FILLED", 1),
        ("CANCELLED", 2),
        ("REJECTED", 3),
        ("HELD", 4),
    ]
