"""``data`` answers as zipline's BarData: volume as an int, ``last_traded``, session labels
without a time zone, daily history of minute bars, and the error for a window before the
data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rustybt.api import symbol, symbols
from rustybt.assets import Asset
from rustybt.bar_data import BarData
from rustybt.calendars import get_calendar
from rustybt.data.bar_arrays import BarArrays
from rustybt.errors import (
    HistoryWindowStartsBeforeData,
    IncompatibleHistoryFrequency,
    StrategyCodeError,
    StrategyError,
)

AAA, BBB = Asset(symbol="AAA"), Asset(symbol="BBB")


# -- a daily backtest (the engine's data, from the first session of the bars) --------------


def test_current_volume_is_an_int_and_last_traded_the_session_it_last_had_volume(
    run_strategy,
) -> None:
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        asset = context.asset
        seen.append(
            (
                data.current(asset, "volume"),
                data.current(asset, "last_traded"),
                data.is_stale(asset),
                data.can_trade(asset),
            )
        )

    closes, volumes = [10, 11, 12], [1000, 0, 500]
    run_strategy({"AAA": closes}, volumes, initialize=initialize, handle_data=handle_data)
    day1, day2, day3 = (pd.Timestamp(f"2024-01-0{day}") for day in (2, 3, 4))
    assert seen == [(1000, day1, False, True), (0, day1, True, True), (500, day3, False, True)]
    assert all(type(volume) is int for volume, *_ in seen)
    assert seen[1][1].tz is None and day2 not in {traded for _, traded, *_ in seen}


def test_current_of_several_assets_is_named_and_typed_as_zipline(run_strategy) -> None:
    seen = {}

    def initialize(context):
        context.assets = symbols("AAA", "BBB")

    def handle_data(context, data):
        seen["volume"] = data.current(context.assets, "volume")
        seen["last_traded"] = data.current(context.assets, "last_traded")
        seen["one"] = data.current(context.assets[0], ["price", "volume", "last_traded"])
        seen["frame"] = data.current(context.assets, ["price", "volume"])

    run_strategy({"AAA": [10, 11], "BBB": [20, 21]}, initialize=initialize, handle_data=handle_data)
    volume, last_traded, one, frame = (seen[k] for k in ("volume", "last_traded", "one", "frame"))
    assert (volume.name, volume.dtype, volume.tolist()) == ("volume", np.int64, [1000, 1000])
    assert (last_traded.name, str(last_traded.dtype)) == ("last_traded", "datetime64[ns]")
    assert last_traded.iloc[0] == pd.Timestamp("2024-01-03")
    assert one.name == "AAA" and one.to_dict() == {
        "price": 11.0,
        "volume": 1000,
        "last_traded": pd.Timestamp("2024-01-03"),
    }
    assert frame.dtypes.to_dict() == {"price": np.float64, "volume": np.int64}
    assert [asset.symbol for asset in frame.index] == ["AAA", "BBB"]


def test_sessions_are_labelled_without_a_time_zone_and_current_dt_is_the_close_in_utc(
    run_strategy,
) -> None:
    seen = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        window = data.history(context.asset, "close", 1, "1d")
        seen.append((data.current_session, data.current_dt, window.index[-1]))

    run_strategy({"AAA": [10, 11, 12]}, initialize=initialize, handle_data=handle_data)
    session, now, last_label = seen[-1]
    assert session == pd.Timestamp("2024-01-04") and session.tz is None
    assert now == pd.Timestamp("2024-01-04 21:00", tz="UTC")
    assert last_label == session


def test_a_window_before_the_first_session_with_data_raises_history_window_starts_before_data(
    run_strategy,
) -> None:
    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        data.history(context.asset, "close", 3, "1d")

    with pytest.raises(StrategyCodeError) as raised:
        run_strategy({"AAA": [10, 11, 12]}, initialize=initialize, handle_data=handle_data)
    error = raised.value.__cause__
    assert isinstance(error, HistoryWindowStartsBeforeData)
    assert str(error) == (
        "history window of 3 bars (1d) extends before 2024-01-02, the first session with "
        "data; start the backtest on or after 2024-01-04"
    )


def test_a_strategy_can_wait_for_its_window_by_catching_the_error(run_strategy) -> None:
    windows = []

    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        try:
            windows.append(data.history(context.asset, "close", 3, "1d").tolist())
        except HistoryWindowStartsBeforeData:
            windows.append(None)

    run_strategy({"AAA": [10, 11, 12, 13]}, initialize=initialize, handle_data=handle_data)
    assert windows == [None, None, [10.0, 11.0, 12.0], [11.0, 12.0, 13.0]]


def test_history_at_a_frequency_the_run_cannot_give_is_incompatible_history_frequency(
    run_strategy,
) -> None:
    def initialize(context):
        context.asset = symbol("AAA")

    def handle_data(context, data):
        data.history(context.asset, "close", 1, "1m")

    with pytest.raises(StrategyCodeError) as raised:
        run_strategy({"AAA": [10, 11]}, initialize=initialize, handle_data=handle_data)
    assert isinstance(raised.value.__cause__, IncompatibleHistoryFrequency)


# -- BarData over arrays built here ---------------------------------------------------------


DAYS = get_calendar("XNYS").sessions("2024-01-02", "2024-03-01")


def daily_arrays(closes: dict[Asset, list[float]], volume: float = 100.0) -> BarArrays:
    """Daily bars over the XNYS sessions from 2024-01-02, one per close (NaN: no bar)."""
    timeline = DAYS[: len(next(iter(closes.values())))]
    bars = pd.concat(
        pd.DataFrame(
            {
                "symbol": asset.symbol,
                "timestamp": timeline,
                "open": values,
                "high": values,
                "low": values,
                "close": values,
                "volume": volume,
            }
        )
        for asset, values in closes.items()
    ).dropna(subset=["close"])
    return BarArrays(bars, list(closes), timeline)


def at_session(data: BarData, bar: int) -> BarData:
    """``data`` at the close of session ``bar``, as in ``handle_data``."""
    data.set_bar(bar, (DAYS[bar] + pd.Timedelta(hours=21)).value, DAYS[bar].value)
    return data


def test_a_window_past_the_loaded_bars_is_padded_when_the_source_may_hold_older_ones() -> None:
    # AAA has a bar in the first row: older bars may exist that were not loaded.
    data = at_session(BarData(daily_arrays({AAA: [10.0, 11.0, 12.0]}), "1d"), 1)
    window = data.history(AAA, "close", 4, "1d")
    assert window.tolist()[2:] == [10.0, 11.0] and window.iloc[:2].isna().all()
    assert window.index[:2].isna().all() and window.index[2] == pd.Timestamp("2024-01-02")


def test_the_first_session_with_data_is_the_earliest_of_all_assets() -> None:
    arrays = daily_arrays({AAA: [np.nan, 11.0, 12.0], BBB: [np.nan, np.nan, 22.0]})
    data = at_session(BarData(arrays, "1d"), 2)
    window = data.history(BBB, "close", 2, "1d")
    assert np.isnan(window.iloc[0]) and window.iloc[1] == 22.0
    with pytest.raises(HistoryWindowStartsBeforeData, match="extends before 2024-01-03"):
        data.history(BBB, "close", 3, "1d")


def test_current_answers_for_an_asset_added_after_values_were_derived() -> None:
    arrays = daily_arrays({AAA: [10.0, 11.0, 12.0]})
    data = at_session(BarData(arrays, "1d"), 2)
    assert data.current(AAA, "last_traded") == pd.Timestamp("2024-01-04")
    later = pd.DataFrame(
        {
            "symbol": "BBB",
            "timestamp": DAYS[:2],
            "open": 20.0,
            "high": 20.0,
            "low": 20.0,
            "close": 20.0,
            "volume": 5.0,
        }
    )
    arrays.add_assets([BBB], later)
    assert data.current(BBB, "last_traded") == pd.Timestamp("2024-01-03")
    assert data.is_stale(BBB) is False and data.can_trade(BBB) is False


def test_last_traded_follows_bars_that_arrive_live() -> None:
    arrays = daily_arrays({AAA: [10.0, np.nan]})
    data = at_session(BarData(arrays, "1d", growing=True), 0)
    assert data.current(AAA, "last_traded") == pd.Timestamp("2024-01-02")
    at_session(data, 1)
    assert data.current(AAA, "last_traded") == pd.Timestamp("2024-01-02")
    arrived = {"open": 11.0, "high": 11.0, "low": 11.0, "close": 11.0, "volume": 7.0}
    arrays.write_bar(1, pd.DataFrame([{"symbol": "AAA", **arrived}]))
    assert data.current(AAA, "last_traded") == pd.Timestamp("2024-01-03")
    assert data.history(AAA, "close", 2, "1d").tolist() == [10.0, 11.0]


def test_a_fractional_volume_stays_a_float_rather_than_be_rounded() -> None:
    data = at_session(BarData(daily_arrays({AAA: [10.0]}, volume=0.25), "1d"), 0)
    assert data.current(AAA, "volume") == 0.25
    assert data.current([AAA], "volume").dtype == np.float64


def test_numpy_reads_history_as_zipline_users_do_and_cannot_change_the_run() -> None:
    arrays = daily_arrays({AAA: [10.0, 11.0, 12.0, 13.0], BBB: [20.0, 21.0, 22.0, 23.0]})
    data = at_session(BarData(arrays, "1d"), 3)
    closes = np.asarray(data.history([AAA, BBB], "close", 3, "1d"), dtype=float)
    np.testing.assert_array_equal(closes, [[11.0, 21.0], [12.0, 22.0], [13.0, 23.0]])
    np.testing.assert_array_equal(closes[-2:].mean(axis=0), [12.5, 22.5])
    with pytest.raises(ValueError, match="read-only"):
        closes[-1, 0] = 0.0
    mine = np.array(data.history(AAA, "close", 2, "1d"))
    mine[:] = 0.0
    assert data.history(AAA, "close", 2, "1d").tolist() == [12.0, 13.0]
    assert data.history([AAA, BBB], "close", 3, "1d").values.tolist() == closes.tolist()


def test_unknown_fields_are_named_with_the_fields_of_current() -> None:
    data = at_session(BarData(daily_arrays({AAA: [10.0]}), "1d"), 0)
    with pytest.raises(StrategyError, match="use one of close, high, last_traded, low"):
        data.current(AAA, "vwap")
    with pytest.raises(StrategyError, match="use one of close, high, low, open, price, volume"):
        data.history(AAA, "last_traded", 1, "1d")


# -- a minute run ---------------------------------------------------------------------------

SESSIONS = get_calendar("XNYS").sessions("2024-01-02", "2024-01-05")
MINUTES, SESSION_OF_MINUTE = get_calendar("XNYS").minutes_and_session_index(SESSIONS)


def minute_bars(asset: Asset, seed: int, every: int = 1, start: int = 0, stop: int | None = None):
    """One minute bar of ``asset`` every ``every`` minutes in rows ``start:stop``."""
    rows = np.arange(len(MINUTES))[start:stop:every]
    close = 100 + np.random.default_rng(seed).normal(0, 1, len(rows)).cumsum()
    return pd.DataFrame(
        {
            "symbol": asset.symbol,
            "timestamp": MINUTES[rows],
            "open": close + 0.1,
            "high": close + 0.5,
            "low": close - 0.5,
            "close": close,
            "volume": np.arange(len(rows)) % 7 * 10.0 + 1.0,
        }
    )


def minute_data(*frames: pd.DataFrame, assets: list[Asset]) -> BarData:
    arrays = BarArrays(pd.concat(frames), assets, MINUTES)
    return BarData(arrays, "1m", sessions=SESSIONS, session_of_bar=SESSION_OF_MINUTE)


def at_minute(data: BarData, bar: int) -> BarData:
    """``data`` at bar ``bar`` of the minute timeline (its close is the time)."""
    session = SESSIONS[SESSION_OF_MINUTE[bar]]
    data.set_bar(bar, (MINUTES[bar] + pd.Timedelta(minutes=1)).value, session.value)
    return data


def rolled_up(bars: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """Daily bars of ``bars`` up to the minute labelled ``until``, by pandas."""
    seen = bars[bars["timestamp"] <= until]
    day = SESSIONS[SESSION_OF_MINUTE[MINUTES.get_indexer(seen["timestamp"])]].tz_localize(None)
    daily = seen.groupby(day).agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
    )
    return daily.reindex(
        SESSIONS.tz_localize(None)[: SESSION_OF_MINUTE[MINUTES.get_loc(until)] + 1]
    )


@pytest.mark.parametrize("field", ["open", "high", "low", "close", "volume"])
def test_daily_history_in_a_minute_run_rolls_up_the_minutes_the_last_session_so_far(
    field: str,
) -> None:
    every_minute, every_fifth = minute_bars(AAA, 1), minute_bars(BBB, 2, every=5, start=3)
    data = minute_data(every_minute, every_fifth, assets=[AAA, BBB])
    bar = 390 * 2 + 47  # 48 minutes into the third session
    at_minute(data, bar)
    window = data.history([AAA, BBB], field, 3, "1d")
    for asset, bars in ((AAA, every_minute), (BBB, every_fifth)):
        expected = rolled_up(bars, MINUTES[bar])[field]
        if field == "volume":
            expected = expected.fillna(0.0)
        np.testing.assert_array_equal(window[asset].to_numpy(), expected.to_numpy())
        single = data.history(asset, field, 3, "1d")
        assert single.tolist() == window[asset].tolist()
    assert list(window.index) == list(SESSIONS.tz_localize(None)[:3])


def test_daily_price_in_a_minute_run_is_the_last_close_so_far_carried_over_sessions() -> None:
    # BBB trades only in the first session's first hour.
    quiet = minute_bars(BBB, 3, start=0, stop=60)
    data = at_minute(minute_data(minute_bars(AAA, 4), quiet, assets=[AAA, BBB]), 390 + 10)
    prices = data.history(BBB, ["close", "price", "volume"], 2, "1d")
    last = quiet["close"].iloc[-1]
    assert prices["close"].iloc[0] == last and np.isnan(prices["close"].iloc[1])
    assert prices["price"].tolist() == [last, last] and prices["volume"].iloc[1] == 0


def test_daily_history_before_the_open_ends_with_the_previous_session() -> None:
    data = minute_data(minute_bars(AAA, 5), assets=[AAA])
    first_of_third = 390 * 2
    # The engine calls before_trading_start on the bar before the session's first.
    data.set_bar(
        first_of_third - 1, (SESSIONS[2] + pd.Timedelta(hours=13.75)).value, SESSIONS[2].value
    )
    window = data.history(AAA, "close", 2, "1d")
    assert list(window.index) == list(SESSIONS.tz_localize(None)[:2])
    assert data.current_session == SESSIONS[2].tz_localize(None)


def test_a_daily_window_in_a_minute_run_raises_before_the_first_session_with_data() -> None:
    # The data begins in the second session: the first is warm-up without bars.
    data = at_minute(minute_data(minute_bars(AAA, 6, start=390 + 5), assets=[AAA]), 390 * 2)
    assert len(data.history(AAA, "close", 2, "1d")) == 2
    with pytest.raises(
        HistoryWindowStartsBeforeData,
        match=r"3 bars \(1d\) extends before 2024-01-03, .*on or after 2024-01-05",
    ):
        data.history(AAA, "close", 3, "1d")
    # Minute windows may start at the first session's first minute, as zipline's.
    assert data.history(AAA, "close", 391, "1m").index[0] == MINUTES[390] + pd.Timedelta(minutes=1)
    with pytest.raises(HistoryWindowStartsBeforeData, match=r"392 bars \(1m\)"):
        data.history(AAA, "close", 392, "1m")


def test_minute_history_and_last_traded_are_labelled_by_the_minutes_close_like_current_dt() -> None:
    data = at_minute(minute_data(minute_bars(AAA, 7, every=2), assets=[AAA]), 11)
    window = data.history(AAA, "close", 3, "1m")
    assert window.index[-1] == data.current_dt == pd.Timestamp("2024-01-02 14:42", tz="UTC")
    assert window.isna().tolist() == [True, False, True]
    assert data.current(AAA, "last_traded") == pd.Timestamp("2024-01-02 14:41", tz="UTC")
    assert at_minute(data, 12).current(AAA, "last_traded") == data.current_dt


def test_an_asset_is_alive_until_the_end_of_its_last_session() -> None:
    # BBB's last bar is the 30th minute of the second session.
    data = minute_data(minute_bars(AAA, 8), minute_bars(BBB, 9, stop=390 + 30), assets=[AAA, BBB])
    assert at_minute(data, 390 + 29).is_stale(BBB) is False
    assert at_minute(data, 390 + 200).can_trade(BBB) is True
    assert data.is_stale(BBB) is True
    # Before the next session's open, the engine is on the last bar of BBB's last session.
    before_open = SESSIONS[2] + pd.Timedelta(hours=13.75)
    data.set_bar(390 * 2 - 1, before_open.value, SESSIONS[2].value)
    assert data.is_stale(BBB) is False and data.is_stale(AAA) is False
    assert at_minute(data, 390 * 2).can_trade(BBB) is False
    assert data.is_stale(BBB) is False
    assert data.current(BBB, "last_traded") == MINUTES[390 + 29] + pd.Timedelta(minutes=1)
