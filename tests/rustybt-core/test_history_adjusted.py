"""``data.history`` adjusted for splits and dividends as zipline adjusts it: as of the current
bar, never ahead of an ex-date, the earlier rows multiplied and the window rounded to 3
decimals; ``data.current`` raw. The expected numbers were printed by zipline-reloaded 3.2.1 on
the same bars (a csvdir bundle; AAA pays 0.82 on 2020-08-07 and splits 4:1 on 2020-08-31)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rustybt.assets import Asset
from rustybt.bar_data import BarData
from rustybt.calendars import get_calendar
from rustybt.data.actions import RunActions, validate_actions
from rustybt.data.bar_arrays import BarArrays

AAA, CCC = Asset(symbol="AAA"), Asset(symbol="CCC")
DAYS = get_calendar("XNYS").sessions("2020-07-31", "2020-09-02")
# AAA's raw closes, 2020-07-31 to 2020-09-02: a dividend on 08-07, a 4:1 split on 08-31.
AAA_CLOSES = [
    308.945, 306.53, 308.535, 309.619, 308.742, 310.574, 311.956, 307.338, 307.242, 307.133,
    310.361, 316.855, 311.192, 311.673, 308.613, 308.977, 309.369, 310.386, 310.36, 303.078,
    304.866, 75.899, 75.226, 75.746,
]  # fmt: skip
# An asset without actions whose prices have 4 decimals: nothing of it is ever rounded.
CCC_CLOSES = [10.0001 + i for i in range(len(AAA_CLOSES))]
AAA_ACTIONS = [("AAA", "2020-08-07", "dividend", 0.82), ("AAA", "2020-08-31", "split", 4.0)]


def actions_frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Actions from (symbol, ex-date, kind, value) rows."""
    frame = pd.DataFrame(rows, columns=["symbol", "ex_date", "kind", "value"])
    return validate_actions(frame, where="test")


def daily_data(
    *, growing: bool = False, more: list[tuple[str, str, str, float]] = ()
) -> tuple[BarData, BarArrays]:
    """AAA and CCC over DAYS with AAA's actions and ``more`` set, as the engine gives
    ``data``."""
    bars = pd.concat(
        pd.DataFrame(
            {
                "symbol": asset.symbol,
                "timestamp": DAYS,
                **dict.fromkeys(("open", "high", "low", "close"), closes),
                "volume": 1_000_000.0,
            }
        )
        for asset, closes in ((AAA, AAA_CLOSES), (CCC, CCC_CLOSES))
    )
    arrays = BarArrays(bars, [AAA, CCC], DAYS)
    data = BarData(arrays, "1d", growing=growing)
    data.set_actions(
        RunActions.build(
            actions_frame([*AAA_ACTIONS, *more]),
            columns={"AAA": 0, "CCC": 1},
            sessions=DAYS,
            session_bounds=np.arange(len(DAYS) + 1),
            closes=arrays.fields["price"],
        )
    )
    return data, arrays


def on(data: BarData, day: str) -> BarData:
    """``data`` at the close of session ``day``, as in ``handle_data``."""
    session = DAYS.get_loc(pd.Timestamp(day, tz="UTC"))
    label = DAYS[session]
    data.set_bar(session, (label + pd.Timedelta(hours=20)).value, label.value)
    return data


def test_a_split_shows_in_history_from_its_ex_date_never_before() -> None:
    data, _ = daily_data()
    on(data, "2020-08-28")
    assert data.history(AAA, "close", 4, "1d").tolist() == [310.386, 310.36, 303.078, 304.866]
    on(data, "2020-08-31")
    # zipline: 310.36, 303.078 and 304.866 x 0.25, rounded; the ex-date's own bar raw.
    assert data.history(AAA, "close", 4, "1d").tolist() == [77.59, 75.77, 76.216, 75.899]
    assert data.history(AAA, "volume", 4, "1d").tolist() == [4e6, 4e6, 4e6, 1e6]
    assert data.current(AAA, "close") == 75.899


ZIPLINE_20_CLOSES = {
    "2020-08-28": [
        305.716, 307.716, 308.797, 307.922, 310.574, 311.956, 307.338, 307.242, 307.133,
        310.361, 316.855, 311.192, 311.673, 308.613, 308.977, 309.369, 310.386, 310.36,
        303.078, 304.866,
    ],
    "2020-08-31": [
        76.929, 77.199, 76.98, 77.644, 77.989, 76.834, 76.81, 76.783, 77.59, 79.214, 77.798,
        77.918, 77.153, 77.244, 77.342, 77.596, 77.59, 75.77, 76.216, 75.899,
    ],
    "2020-09-01": [
        77.199, 76.98, 77.644, 77.989, 76.834, 76.81, 76.783, 77.59, 79.214, 77.798, 77.918,
        77.153, 77.244, 77.342, 77.596, 77.59, 75.77, 76.216, 75.899, 75.226,
    ],
}  # fmt: skip


def test_twenty_bar_windows_across_a_dividend_and_a_split_are_ziplines() -> None:
    data, _ = daily_data()
    for day, closes in ZIPLINE_20_CLOSES.items():
        on(data, day)
        assert data.history(AAA, "close", 20, "1d").tolist() == closes
        assert data.history(AAA, "price", 20, "1d").tolist() == closes
    # Volume follows splits only: the dividend leaves it alone.
    assert data.history(AAA, "volume", 20, "1d").tolist() == [4e6] * 18 + [1e6] * 2


def test_every_way_of_asking_gives_the_same_adjusted_window() -> None:
    data, _ = daily_data()
    on(data, "2020-08-31")
    expected = ZIPLINE_20_CLOSES["2020-08-31"]
    assert data.history([AAA, CCC], "close", 20, "1d")[AAA].tolist() == expected
    assert np.asarray(data.history([CCC, AAA], "close", 20, "1d"))[:, 1].tolist() == expected
    assert data.history(AAA, ["close", "open"], 20, "1d")["open"].tolist() == expected
    both = data.history([AAA, CCC], ["close", "volume"], 20, "1d")
    assert both["close"].xs(AAA, level=1).tolist() == expected
    # A window longer than the loaded bars is padded in front, the rest adjusted alike.
    padded = data.history(AAA, "close", 30, "1d")
    assert padded.iloc[:6].isna().all() and padded.iloc[6:].tolist()[-20:] == expected
    grown, _ = daily_data(growing=True)
    on(grown, "2020-08-31")
    assert grown.history(AAA, "close", 20, "1d").tolist() == expected
    assert grown.history([AAA, CCC], "close", 20, "1d")[AAA].tolist() == expected


def test_a_window_without_an_adjustment_inside_is_the_raw_data_unrounded() -> None:
    data, _ = daily_data()
    on(data, "2020-08-31")
    # CCC has no actions: its column keeps its 4 decimals beside an adjusted AAA.
    assert data.history([AAA, CCC], "close", 20, "1d")[CCC].tolist() == CCC_CLOSES[2:22]
    assert data.history(CCC, "close", 20, "1d").tolist() == CCC_CLOSES[2:22]
    split, _ = daily_data(more=[("CCC", "2020-08-31", "split", 2.0)])
    on(split, "2020-09-01")
    # An adjusted window is rounded whole, its current bar too, as zipline rounds it.
    assert split.history(CCC, "close", 3, "1d").tolist() == [15.0, 31.0, 32.0]
    # A window that starts on the ex-date has nothing before it to adjust.
    on(split, "2020-09-02")
    assert split.history(CCC, "close", 3, "1d").tolist() == [31.0001, 32.0001, 33.0001]
    assert split.history([AAA, CCC], "close", 3, "1d")[CCC].tolist() == CCC_CLOSES[-3:]


def test_an_adjusted_window_is_read_only_and_leaves_the_bars_raw() -> None:
    data, arrays = daily_data()
    on(data, "2020-08-31")
    closes = np.asarray(data.history([AAA, CCC], "close", 4, "1d"))
    assert not closes.flags.writeable
    mine = np.array(data.history(AAA, "close", 4, "1d"))
    mine[:] = 0.0
    assert data.history(AAA, "close", 4, "1d").tolist() == [77.59, 75.77, 76.216, 75.899]
    assert arrays.fields["close"][18:22, 0].tolist() == [310.36, 303.078, 304.866, 75.899]


# -- a minute run ---------------------------------------------------------------------------

SESSIONS = get_calendar("XNYS").sessions("2024-01-02", "2024-01-05")
MINUTES, SESSION_OF_MINUTE = get_calendar("XNYS").minutes_and_session_index(SESSIONS)
BOUNDS = np.searchsorted(SESSION_OF_MINUTE, np.arange(len(SESSIONS) + 1))
# Each session trades at one price all day; AAA splits 2:1 on the third.
SESSION_CLOSES = [100.0, 102.0, 51.5, 52.0]


def minute_data() -> BarData:
    closes = np.array(SESSION_CLOSES)[SESSION_OF_MINUTE]
    bars = pd.DataFrame(
        {
            "symbol": "AAA",
            "timestamp": MINUTES,
            **dict.fromkeys(("open", "high", "low", "close"), closes),
            "volume": 10.0,
        }
    )
    arrays = BarArrays(bars, [AAA], MINUTES)
    data = BarData(arrays, "1m", sessions=SESSIONS, session_of_bar=SESSION_OF_MINUTE)
    split = actions_frame([("AAA", "2024-01-04", "split", 2.0)])
    data.set_actions(
        RunActions.build(
            split,
            columns={"AAA": 0},
            sessions=SESSIONS,
            session_bounds=BOUNDS,
            closes=arrays.fields["price"],
        )
    )
    return data


def at_minute(data: BarData, bar: int, session: int | None = None) -> BarData:
    """``data`` at minute bar ``bar`` in session ``session`` (default: the bar's own; the
    next one is before_trading_start's view, its last bar the previous session's)."""
    label = SESSIONS[SESSION_OF_MINUTE[bar] if session is None else session]
    data.set_bar(bar, (MINUTES[bar] + pd.Timedelta(minutes=1)).value, label.value)
    return data


def test_minute_history_adjusts_from_the_first_minute_of_the_ex_date() -> None:
    data = minute_data()
    first = int(BOUNDS[2])
    at_minute(data, first - 1)
    assert data.history(AAA, "close", 3, "1m").tolist() == [102.0, 102.0, 102.0]
    at_minute(data, first)
    assert data.history(AAA, "close", 3, "1m").tolist() == [51.0, 51.0, 51.5]
    assert data.history(AAA, "volume", 3, "1m").tolist() == [20.0, 20.0, 10.0]
    assert data.current(AAA, "close") == 51.5


def test_daily_history_of_a_minute_run_adjusts_earlier_sessions_on_the_ex_date() -> None:
    data = minute_data()
    first = int(BOUNDS[2])
    at_minute(data, first + 9)
    assert data.history(AAA, "close", 3, "1d").tolist() == [50.0, 51.0, 51.5]
    assert data.history([AAA], "volume", 3, "1d")[AAA].tolist() == [7800.0, 7800.0, 100.0]
    # before_trading_start of the ex-date: zipline's daily history already sees the split,
    # its minute history not yet.
    at_minute(data, first - 1, session=2)
    assert data.history(AAA, "close", 2, "1d").tolist() == [50.0, 51.0]
    assert data.history(AAA, "close", 2, "1m").tolist() == [102.0, 102.0]
    # The session before: nothing ahead of it shows.
    at_minute(data, first - 1)
    assert data.history(AAA, "close", 2, "1d").tolist() == [100.0, 102.0]
