"""Splits and dividends from Yahoo: the ``yfinance`` source undoes Yahoo's split adjustment
and gives the actions, stored with the bars; a backtest applies them. The fake Yahoo sends
AAPL's 2020 dividends and 4-for-1 split as Yahoo does (split-adjusted), to the real
yfinance library over loopback."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from rustybt.backtest import run_backtest
from rustybt.data.store import BarStore, read_through_store
from rustybt_yfinance.source import YahooUnadjustedSource, YFinanceSource
from rustybt_yfinance.testing import Dividend, FakeYahoo, Split, generated_bar, serve_fake_yahoo

AAPL_2020 = (
    Dividend(date(2020, 5, 8), 0.82),
    Dividend(date(2020, 8, 7), 0.82),
    Split(date(2020, 8, 31), 4),
    Dividend(date(2020, 11, 6), 0.205),
)
AUG_3, SEP_30 = pd.Timestamp("2020-08-03", tz="UTC"), pd.Timestamp("2020-09-30", tz="UTC")
YEAR_2020 = (pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-12-31", tz="UTC"))

BUY_AND_HOLD = """
from rustybt.api import order, symbol

def initialize(context):
    context.asset = symbol("AAPL")
    context.bought = False

def handle_data(context, data):
    if not context.bought:
        order(context.asset, 100)
        context.bought = True
"""


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    """A fake Yahoo serving AAPL with its 2020 actions, and SPY without any."""
    with serve_fake_yahoo(["AAPL", "SPY"], actions={"AAPL": AAPL_2020}) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        yield fake


def served(day: str) -> dict[str, float]:
    """The bar Yahoo serves for ``day`` (split-adjusted prices) before any adjustment."""
    opens_at = int(pd.Timestamp(f"{day} 09:30", tz="America/New_York").timestamp())
    return generated_bar("AAPL", opens_at)


def test_bars_before_a_split_are_the_traded_prices_not_yahoos_adjusted_ones(
    fake_yahoo, fast_policy
):
    bars = YFinanceSource(policy=fast_policy).fetch_bars(["AAPL"], AUG_3, SEP_30, "1d")
    by_day = bars.set_index(bars["timestamp"].dt.strftime("%Y-%m-%d"))

    before, on = by_day.loc["2020-08-28"], by_day.loc["2020-08-31"]
    assert before["close"] == round(served("2020-08-28")["close"] * 4, 4)
    assert before["open"] == round(served("2020-08-28")["open"] * 4, 4)
    assert before["volume"] == served("2020-08-28")["volume"]  # Yahoo served it 4 times larger
    assert on["close"] == served("2020-08-31")["close"]
    assert (on["close"], on["volume"]) == (
        served("2020-08-31")["close"],
        served("2020-08-31")["volume"],
    )


def test_the_source_gives_splits_and_dividends_per_share_of_their_date(fake_yahoo, fast_policy):
    actions = YFinanceSource(policy=fast_policy).fetch_actions(["AAPL", "SPY"], *YEAR_2020)

    assert [(str(a.ex_date.date()), a.kind, a.value) for a in actions.itertuples()] == [
        ("2020-05-08", "dividend", 0.82),  # Yahoo sends 0.205
        ("2020-08-07", "dividend", 0.82),
        ("2020-08-31", "split", 4.0),
        ("2020-11-06", "dividend", 0.205),
    ]
    assert actions["pay_date"].isna().all()  # Yahoo has no pay dates: paid on the ex-date


def test_actions_of_a_past_range_count_the_splits_after_it(fake_yahoo, fast_policy):
    source = YFinanceSource(policy=fast_policy)
    june = (pd.Timestamp("2020-06-01", tz="UTC"), pd.Timestamp("2020-08-14", tz="UTC"))

    bars = source.fetch_bars(["AAPL"], *june, "1d")
    actions = source.fetch_actions(["AAPL"], *june)

    assert bars["close"].iloc[-1] == round(served("2020-08-14")["close"] * 4, 4)
    assert list(actions["value"]) == [0.82]


def test_yahoos_unadjusted_source_keeps_yahoos_prices_and_has_no_actions(fake_yahoo, fast_policy):
    source = YahooUnadjustedSource(policy=fast_policy)
    bars = source.fetch_bars(["AAPL"], AUG_3, SEP_30, "1d")

    assert bars["close"].iloc[0] == served("2020-08-03")["close"]
    assert not hasattr(source, "fetch_actions")


def test_the_store_keeps_the_actions_with_the_bars(fake_yahoo, fast_policy):
    store = BarStore()
    source = read_through_store(YFinanceSource(policy=fast_policy), store)
    source.fetch_bars(["AAPL"], *YEAR_2020, "1d")
    fake_yahoo.clear_log()

    again = read_through_store(YFinanceSource(policy=fast_policy), store)
    actions = again.fetch_actions(["AAPL"], *YEAR_2020)

    assert fake_yahoo.chart_requests() == []
    assert list(actions["kind"]) == ["dividend", "dividend", "split", "dividend"]
    entry = store.stored_actions("yfinance")
    assert entry is not None and entry.rows == 4 and len(entry.sha256) == 64


def test_a_buy_and_hold_backtest_holds_four_times_the_shares_after_the_split(
    fake_yahoo, tmp_path: Path
):
    strategy = tmp_path / "buy_and_hold.py"
    strategy.write_text(textwrap.dedent(BUY_AND_HOLD))

    result = run_backtest(strategy, start="2020-07-01", end="2020-11-30", source="yfinance")

    frame = result.frame.set_index(result.frame.index.strftime("%Y-%m-%d"))
    held = {day: sum(p["amount"] for p in frame.loc[day, "positions"]) for day in frame.index}
    assert (held["2020-08-28"], held["2020-08-31"], held["2020-11-30"]) == (100, 400, 400)
    assert result.data_provenance["actions"] == {"split": 1, "dividend": 2}
    # Cash moves after the buy only by the dividends: 100 shares x 0.82, then 400 x 0.205.
    cash = frame["ending_cash"]
    assert cash["2020-08-07"] - cash["2020-08-06"] == pytest.approx(82.0)
    assert cash["2020-11-06"] - cash["2020-11-05"] == pytest.approx(82.0)
    prices = {day: frame.loc[day, "positions"][0]["last_sale_price"] for day in ("2020-08-28",)}
    assert prices["2020-08-28"] == round(served("2020-08-28")["close"] * 4, 4)


def test_hourly_bars_before_a_recent_split_are_undone_by_their_exchange_date(
    monkeypatch, fast_policy
):
    days = pd.bdate_range(end=pd.Timestamp.now().normalize() - pd.Timedelta(days=1), periods=3)
    split_day = days[-1].date()
    with serve_fake_yahoo(["XYZ"], actions={"XYZ": [Split(split_day, 2)]}) as fake:
        monkeypatch.setenv("RUSTYBT_YFINANCE_BASE_URL", fake.base_url)
        start = pd.Timestamp(days[0], tz="UTC")
        bars = YFinanceSource(policy=fast_policy).fetch_bars(
            ["XYZ"], start, start + pd.Timedelta(days=3, hours=23), "1h"
        )

    local = bars["timestamp"].dt.tz_convert("America/New_York")
    served_closes = [generated_bar("XYZ", int(stamp.timestamp()))["close"] for stamp in local]
    before = (local.dt.date < split_day).to_numpy()
    assert before.any() and not before.all()
    for close, was, early in zip(bars["close"], served_closes, before, strict=True):
        assert close == (round(was * 2, 4) if early else was)
