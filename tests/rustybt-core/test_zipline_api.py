"""The rest of zipline.api: asset restrictions, batch orders, leverage floors, the run's
environment, fetched CSV columns, and order amounts no strategy means."""

from __future__ import annotations

import functools
import http.server
import math
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from rustybt.api import (
    RESTRICTION_STATES,
    HistoricalRestrictions,
    Restriction,
    StaticRestrictions,
    batch_market_order,
    fetch_csv,
    get_datetime,
    get_environment,
    order,
    order_percent,
    order_target,
    order_target_percent,
    order_target_value,
    order_value,
    schedule_function,
    set_asset_restrictions,
    set_do_not_order_list,
    set_min_leverage,
    set_symbol_lookup_date,
    symbol,
)
from rustybt.errors import StrategyCodeError, StrategyError
from rustybt.fetcher import read_url

FLAT = [10.0] * 8
"""Eight sessions at 10: 2024-01-02, 03, 04, 05, 08, 09, 10, 11."""


def sessions_traded(result) -> list[tuple[str, str, int]]:
    """(session, symbol, amount) of every fill."""
    return [(str(t.dt.date()), t.asset.symbol, int(t.amount)) for t in result.transactions]


# -- asset restrictions ----------------------------------------------------------------------


def test_an_order_in_a_statically_restricted_asset_fails_the_run(run_strategy) -> None:
    def initialize(context):
        set_asset_restrictions(StaticRestrictions([symbol("BBB")]))

    def handle_data(context, data):
        order(symbol("AAA"), 5)
        order(symbol("BBB"), 5)

    with pytest.raises(StrategyCodeError, match="order of 5 BBB: the asset is restricted"):
        run_strategy({"AAA": FLAT, "BBB": FLAT}, initialize=initialize, handle_data=handle_data)


def test_on_error_log_places_the_restricted_order_as_zipline_does(run_strategy, caplog) -> None:
    def initialize(context):
        set_do_not_order_list([symbol("BBB")], on_error="log")

    def handle_data(context, data):
        if not context.portfolio.positions:
            order(symbol("BBB"), 5)

    result = run_strategy({"BBB": FLAT}, initialize=initialize, handle_data=handle_data)
    assert sessions_traded(result) == [("2024-01-03", "BBB", 5)]
    assert "the asset is restricted" in caplog.text


def test_can_trade_is_false_for_a_restricted_asset_only(run_strategy) -> None:
    seen = []

    def initialize(context):
        set_do_not_order_list([symbol("BBB")])

    def handle_data(context, data):
        aaa, bbb = symbol("AAA"), symbol("BBB")
        seen.append((data.can_trade(aaa), data.can_trade(bbb), data.can_trade([aaa, bbb]).tolist()))

    run_strategy({"AAA": FLAT[:2], "BBB": FLAT[:2]}, initialize=initialize, handle_data=handle_data)
    assert seen == [(True, False, [True, False])] * 2


def test_historical_restrictions_freeze_and_allow_from_their_effective_dates(run_strategy):
    tradable = {}

    def initialize(context):
        bbb = symbol("BBB")
        set_asset_restrictions(
            HistoricalRestrictions(
                [
                    Restriction(bbb, pd.Timestamp("2024-01-09"), RESTRICTION_STATES.ALLOWED),
                    Restriction(bbb, pd.Timestamp("2024-01-04"), RESTRICTION_STATES.FROZEN),
                ]
            )
        )

    def handle_data(context, data):
        tradable[str(get_datetime().date())] = data.can_trade(symbol("BBB"))
        order(symbol("BBB"), 1)  # refused while frozen

    with pytest.raises(StrategyCodeError, match=r"at 2024-01-04 21:00:00\+00:00: order of 1 BBB"):
        run_strategy({"BBB": FLAT}, initialize=initialize, handle_data=handle_data)
    assert tradable == {"2024-01-02": True, "2024-01-03": True, "2024-01-04": False}


def test_a_historical_restriction_lifts_on_its_allowed_date(run_strategy) -> None:
    tradable = []

    def initialize(context):
        bbb = symbol("BBB")
        set_asset_restrictions(
            HistoricalRestrictions(
                [
                    Restriction(bbb, "2024-01-04", RESTRICTION_STATES.FROZEN),
                    # After the close of the 8th (21:00 UTC): still frozen that session.
                    Restriction(bbb, "2024-01-08 21:30", RESTRICTION_STATES.ALLOWED),
                ]
            )
        )

    def handle_data(context, data):
        tradable.append(data.can_trade(symbol("BBB")))

    run_strategy({"BBB": FLAT}, initialize=initialize, handle_data=handle_data)
    assert tradable == [True, True, False, False, False, True, True, True]


def test_restriction_states_and_unions_are_zipline_s(run_strategy) -> None:
    assert (RESTRICTION_STATES.ALLOWED, RESTRICTION_STATES.FROZEN) == (0, 1)
    seen = []

    def initialize(context):
        aaa, bbb = symbol("AAA"), symbol("BBB")
        frozen = HistoricalRestrictions([Restriction(bbb, "2024-01-01", 1)])
        set_asset_restrictions(StaticRestrictions([aaa]) | frozen)

    def handle_data(context, data):
        seen.append(data.can_trade([symbol("AAA"), symbol("BBB"), symbol("CCC")]).tolist())

    run_strategy(
        {"AAA": FLAT[:1], "BBB": FLAT[:1], "CCC": FLAT[:1]},
        initialize=initialize,
        handle_data=handle_data,
    )
    assert seen == [[False, False, True]]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda: set_asset_restrictions([symbol("AAA")]), "takes StaticRestrictions or Hist"),
        (lambda: set_do_not_order_list(symbol("AAA")), "must be a collection of assets"),
        (lambda: set_do_not_order_list(["AAA"]), r"takes assets from symbol\('...'\), got 'AAA'"),
        (lambda: set_do_not_order_list([], on_error="warn"), "on_error must be 'fail' or 'log'"),
        (
            lambda: HistoricalRestrictions([(symbol("AAA"), "2024-01-01", 1)]),
            r"takes Restriction\(asset, effective_date, state\) items",
        ),
    ],
)
def test_restrictions_given_wrongly_say_what_they_take(run_strategy, setup, message) -> None:
    with pytest.raises(StrategyError, match=message):
        run_strategy({"AAA": FLAT[:1]}, initialize=lambda context: setup())


def test_restrictions_are_set_in_initialize(run_strategy) -> None:
    def handle_data(context, data):
        set_do_not_order_list([symbol("AAA")])

    with pytest.raises(StrategyError, match="set_asset_restrictions can only be called in init"):
        run_strategy({"AAA": FLAT[:1]}, initialize=lambda context: None, handle_data=handle_data)


# -- batch_market_order ----------------------------------------------------------------------


def test_batch_market_order_places_one_order_per_nonzero_entry(run_strategy) -> None:
    ids = []

    def handle_data(context, data):
        if not ids:
            aaa, bbb, ccc = symbol("AAA"), symbol("BBB"), symbol("CCC")
            ids.append(batch_market_order(pd.Series({aaa: 10, bbb: 0, ccc: -4})))
            ids.append(batch_market_order({bbb: 3}))

    result = run_strategy(
        {"AAA": FLAT[:2], "BBB": FLAT[:2], "CCC": FLAT[:2]},
        initialize=lambda context: None,
        handle_data=handle_data,
    )
    [first, second] = ids
    assert len(first) == 2 and len(second) == 1
    assert sorted(sessions_traded(result)) == [
        ("2024-01-03", "AAA", 10),
        ("2024-01-03", "BBB", 3),
        ("2024-01-03", "CCC", -4),
    ]
    assert [t.order_id for t in result.transactions] == [*first, *second]


def test_batch_market_order_orders_pass_the_trading_controls(run_strategy) -> None:
    def initialize(context):
        set_do_not_order_list([symbol("BBB")])

    def handle_data(context, data):
        batch_market_order({symbol("AAA"): 1, symbol("BBB"): 1})

    with pytest.raises(StrategyCodeError, match="order of 1 BBB: the asset is restricted"):
        run_strategy({"AAA": FLAT, "BBB": FLAT}, initialize=initialize, handle_data=handle_data)


# -- set_min_leverage ------------------------------------------------------------------------


def buy_on_session(number: int, amount: int):
    """handle_data that buys ``amount`` AAA in the ``number``-th session (0 is the first)."""

    def handle_data(context, data):
        if len(context.days) == number:
            order(symbol("AAA"), amount)
        context.days.append(get_datetime())

    return handle_data


def test_min_leverage_stops_the_run_when_leverage_is_low_after_the_grace_period(run_strategy):
    def initialize(context):
        context.days = []
        set_min_leverage(0.5, pd.Timedelta(days=2))

    with pytest.raises(
        StrategyCodeError,
        match=r"at 2024-01-04 21:00:00\+00:00: leverage 0\.1000 is below min leverage 0\.5, "
        r"required since 2024-01-04 00:00:00\+00:00",
    ):
        # 1 000 of 10 000 invested on the 3rd: leverage 0.1 when checked on the 4th.
        run_strategy(
            {"AAA": FLAT},
            volumes=10**6,
            capital=10_000,
            initialize=initialize,
            handle_data=buy_on_session(0, 100),
        )


def test_min_leverage_is_met_within_the_grace_period(run_strategy) -> None:
    def initialize(context):
        context.days = []
        set_min_leverage(0.5, pd.Timedelta(days=2))

    result = run_strategy(
        {"AAA": FLAT},
        volumes=10**6,
        capital=10_000,
        initialize=initialize,
        handle_data=buy_on_session(0, 600),
    )
    assert sessions_traded(result) == [("2024-01-03", "AAA", 600)]


def test_min_leverage_wants_a_timedelta_and_initialize(run_strategy) -> None:
    with pytest.raises(StrategyError, match="grace_period must be a timedelta, got 'soon'"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: set_min_leverage(1, "soon"))
    with pytest.raises(StrategyError, match="min_leverage must be 0 or more, got -1"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: set_min_leverage(-1, "2D"))


# -- get_environment and set_symbol_lookup_date ----------------------------------------------


def test_get_environment_describes_the_run(run_strategy) -> None:
    seen = {}

    def initialize(context):
        seen["all"] = get_environment("*")
        seen["default"] = get_environment()
        seen["arena"] = get_environment("arena")

    run_strategy({"AAA": FLAT}, capital=25_000, initialize=initialize)
    assert seen["all"] == {
        "arena": "backtest",
        "data_frequency": "daily",
        "start": pd.Timestamp("2024-01-02 14:31", tz="UTC"),
        "end": pd.Timestamp("2024-01-11 21:00", tz="UTC"),
        "capital_base": 25_000.0,
        "platform": "rustybt",
    }
    assert (seen["default"], seen["arena"]) == ("rustybt", "backtest")


def test_get_environment_names_its_fields_when_asked_for_another(run_strategy) -> None:
    with pytest.raises(StrategyError, match="unknown field 'venue'; use one of arena, data_freq"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: get_environment("venue"))


def test_set_symbol_lookup_date_is_kept_and_changes_nothing(run_strategy) -> None:
    def initialize(context):
        set_symbol_lookup_date("2015-06-01")
        context.asset = symbol("AAA")

    def handle_data(context, data):
        order(context.asset, 1)

    with_date = run_strategy({"AAA": FLAT}, initialize=initialize, handle_data=handle_data)
    assert len(with_date.transactions) == len(FLAT) - 1
    with pytest.raises(StrategyError, match="set_symbol_lookup_date: 'someday' is not a date"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: set_symbol_lookup_date("someday"))


def test_the_lookup_date_is_readable_in_utc() -> None:
    from rustybt.algorithm import TradingAlgorithm

    algorithm = TradingAlgorithm()
    algorithm.set_symbol_lookup_date(pd.Timestamp("2015-06-01 09:30", tz="America/New_York"))
    assert algorithm.symbol_lookup_date == pd.Timestamp("2015-06-01 13:30", tz="UTC")


# -- fetch_csv -------------------------------------------------------------------------------


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on 127.0.0.1, and its base URL."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(served))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


VIX_CSV = "date,close\n2023-12-29,13.0\n2024-01-04,14.5\n2024-01-08 22:00,16.0\n"
"""A series about no asset: known before the run, on the 4th, and after the 8th's close."""


def read_each_session(run_strategy, fetch, read):
    """What ``read(data)`` gives in every session after ``fetch()`` ran in initialize."""
    seen = {}

    def handle_data(context, data):
        seen[str(get_datetime().date())] = read(data)

    run_strategy(
        {"AAA": FLAT, "BBB": FLAT},
        initialize=lambda context: fetch(),
        handle_data=handle_data,
    )
    return seen


def test_a_fetched_series_is_read_as_of_each_bar_and_forward_filled(run_strategy, tmp_path):
    path = tmp_path / "vix.csv"
    path.write_text(VIX_CSV)
    seen = read_each_session(
        run_strategy,
        lambda: fetch_csv(str(path), symbol="VIX"),
        lambda data: float(data.current("VIX", "close")),
    )
    assert seen == {
        "2024-01-02": 13.0,
        "2024-01-03": 13.0,
        "2024-01-04": 14.5,
        "2024-01-05": 14.5,
        "2024-01-08": 14.5,  # the 16.0 is stamped after this session's close
        "2024-01-09": 16.0,
        "2024-01-10": 16.0,
        "2024-01-11": 16.0,
    }


def test_a_function_scheduled_mid_run_reads_fetched_columns_too(run_strategy, tmp_path):
    path = tmp_path / "vix.csv"
    path.write_text(VIX_CSV)
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")
        fetch_csv(str(path), symbol="VIX")

    def handle_data(context, data):
        if not context.scheduled_functions:
            schedule_function(lambda context, data: seen.append(data.current("VIX", "close")))

    run_strategy({"AAA": FLAT}, initialize=initialize, handle_data=handle_data)
    assert seen[:3] == [13.0, 13.0, 14.5]


def test_a_fetched_value_is_nan_before_its_first_row(run_strategy, tmp_path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("date,close\n2024-01-09,1.5\n")
    seen = read_each_session(
        run_strategy,
        lambda: fetch_csv(path.as_uri(), symbol="LATE"),  # a file:// URL
        lambda data: data.current("LATE", "close"),
    )
    assert [math.isnan(v) for v in seen.values()] == [True] * 5 + [False] * 3


def test_fetched_columns_are_fields_of_the_assets_of_their_tickers(run_strategy, tmp_path):
    path = tmp_path / "signals.csv"
    path.write_text(
        "date,ticker,signal,price\n"
        "2024-01-03,aaa,1,999\n"
        "2024-01-03,BBB,-1,999\n"
        "2024-01-05,AAA,2,999\n"
        "2024-01-05,ZZZ,7,999\n"
    )

    def read(data):
        aaa, bbb = symbol("AAA"), symbol("BBB")
        both = data.current([aaa, bbb], ["signal", "price"])
        return (
            data.current(aaa, "signal"),
            data.current([aaa, bbb], "signal").tolist(),
            both.loc[bbb, "signal"],
            both.loc[aaa, "price"],  # the bars' price, not the file's
        )

    seen = read_each_session(
        run_strategy, lambda: fetch_csv(str(path), symbol_column="ticker"), read
    )
    assert math.isnan(seen["2024-01-02"][0])  # no row yet
    assert seen["2024-01-03"] == (1, [1, -1], -1, 10.0)
    assert seen["2024-01-05"] == (2, [2, -1], -1, 10.0)


def test_rows_of_unknown_tickers_are_dropped_unless_mask_is_false(run_strategy, tmp_path):
    path = tmp_path / "signals.csv"
    path.write_text("date,symbol,signal\n2024-01-03,AAA,1\n2024-01-03,ZZZ,7\n")
    frames = []

    def fetch(mask):
        frames.append(fetch_csv(str(path), mask=mask))

    seen = read_each_session(
        run_strategy, lambda: fetch(False), lambda data: data.current("ZZZ", "signal")
    )
    assert seen["2024-01-03"] == 7
    read_each_session(run_strategy, lambda: fetch(True), lambda data: None)
    assert [len(frame) for frame in frames] == [2, 1]


def test_fetch_csv_reads_over_http_with_pre_and_post_functions(run_strategy, http_dir) -> None:
    served, base = http_dir
    (served / "vix.csv").write_text(VIX_CSV.replace("date,", "Day,"))

    def pre(frame):
        return frame.rename(columns={"Day": "when"})

    def post(frame):
        return frame.assign(doubled=frame["close"] * 2)

    seen = read_each_session(
        run_strategy,
        lambda: fetch_csv(
            f"{base}/vix.csv?key=secret",
            pre_func=pre,
            post_func=post,
            date_column="when",
            symbol="VIX",
        ),
        lambda data: data.current("VIX", ["close", "doubled"]).tolist(),
    )
    assert seen["2024-01-04"] == [14.5, 29.0]


def test_dates_are_read_in_the_given_timezone(run_strategy, tmp_path) -> None:
    path = tmp_path / "eastern.csv"
    # 16:30 New York is 21:30 UTC, after the 4th's close: readable from the 5th.
    path.write_text("date,level\n2024-01-04 16:30,3\n")
    seen = read_each_session(
        run_strategy,
        lambda: fetch_csv(str(path), symbol="X", timezone="America/New_York"),
        lambda data: data.current("X", "level"),
    )
    assert math.isnan(seen["2024-01-04"]) and seen["2024-01-05"] == 3


def test_an_unreachable_or_missing_file_is_an_error_naming_it(run_strategy, http_dir, tmp_path):
    _, base = http_dir
    with pytest.raises(StrategyError, match=r"cannot fetch http://127\.0\.0\.1:\d+/none\.csv: "):
        run_strategy({"AAA": FLAT}, initialize=lambda c: fetch_csv(f"{base}/none.csv?k=s"))
    with pytest.raises(StrategyError, match=r"HTTP 404"):
        read_url(f"{base}/none.csv")
    with pytest.raises(StrategyError, match=r"fetch_csv cannot read .*missing\.csv"):
        read_url(str(tmp_path / "missing.csv"))
    with pytest.raises(StrategyError, match="reads local files and http"):
        read_url("ftp://example.com/x.csv")


def test_a_server_that_does_not_answer_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.csv"
        with pytest.raises(StrategyError, match=r"no answer within 0\.3 s"):
            read_url(url, timeout=0.3)


def test_a_missing_column_or_field_says_what_there_is(run_strategy, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("day,level\n2024-01-03,3\n")
    with pytest.raises(StrategyError, match="has no column 'date' \\(it has day, level\\)"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: fetch_csv(str(path), symbol="X"))
    with pytest.raises(StrategyError, match="unknown field 'lvl'; use a bar field or a fetched"):
        read_each_session(
            run_strategy,
            lambda: fetch_csv(str(path), date_column="day", symbol="X"),
            lambda data: data.current("X", "lvl"),
        )


# -- order amounts no strategy means ---------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "message"),
    [
        (lambda a: order(a, 1e30), r"order\(AAA, 1e\+30\): 1e\+30 units is more than any order"),
        (lambda a: order(a, float("nan")), r"order\(AAA, nan\): nan is not a finite number"),
        (lambda a: order(a, 5, limit_price=math.inf), r"order\(AAA, 5\): inf is not a finite"),
        (lambda a: order_value(a, float("-inf")), r"order_value\(AAA, -inf\): -inf is not a"),
        (lambda a: order_value(a, 1e20), r"order_value\(AAA, 1e\+20\): 1e\+19 units"),
        (lambda a: order_percent(a, 1e20), r"order_percent\(AAA, 1e\+20\): 1e\+24 units"),
        (lambda a: order_target(a, -1e16), r"order_target\(AAA, -1e\+16\): -1e\+16 units"),
        (lambda a: order_target_value(a, math.nan), r"order_target_value\(AAA, nan\): nan is"),
        (lambda a: order_target_percent(a, 1e20), r"order_target_percent\(AAA, 1e\+20\): 1e"),
        (lambda a: batch_market_order({a: 1e30}), r"batch_market_order\(AAA, 1e\+30\): 1e\+30"),
    ],
)
def test_an_absurd_order_amount_is_refused_naming_the_call(run_strategy, place, message) -> None:
    def handle_data(context, data):
        place(symbol("AAA"))

    with pytest.raises(StrategyCodeError, match=message):
        run_strategy({"AAA": FLAT}, initialize=lambda context: None, handle_data=handle_data)


def test_the_largest_sane_order_is_still_placed(run_strategy) -> None:
    def handle_data(context, data):
        if not context.portfolio.positions:
            order(symbol("AAA"), 10**15)

    result = run_strategy(
        {"AAA": FLAT[:2]}, volumes=10**16, initialize=lambda context: None, handle_data=handle_data
    )
    assert [int(t.amount) for t in result.transactions] == [10**15]


# -- unsupported for good --------------------------------------------------------------------


@pytest.mark.parametrize(("keyword", "label"), [("limit_price", "limit"), ("stop_price", "stop")])
def test_a_negative_limit_or_stop_price_names_the_call(run_strategy, keyword, label) -> None:
    def handle_data(context, data):
        order(symbol("AAA"), 10, **{keyword: -5})

    with pytest.raises(StrategyCodeError, match=rf"order\(AAA, 10\): a {label} price of -5 is"):
        run_strategy({"AAA": FLAT}, initialize=lambda context: None, handle_data=handle_data)
