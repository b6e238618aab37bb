"""Splits and dividends as zipline-reloaded applies them (issue #19): each strategy of
``action_strategies/`` runs under the oracle and under RustyBT on synthetic raw bars whose
csvdir ``split`` and ``dividend`` columns carry AAA's 4-for-1 split, BBB's 1-for-2 reverse
split, CCC's 3-for-2 split on a dividend's ex-date and their quarterly dividends (see
``harness.CORPORATE_ACTIONS``). The oracle's bundle pays each dividend on its ex-date.

Both must make the same trades at the same prices, hold the same cash, capital used, value,
starting cash and pnl every session to the cent, report zipline's other perf figures, and
record the same history windows (adjusted and rounded to tenths of a cent by both).

The first tests check the oracle itself: that its bundle pays the dividends and splits the
positions and orders, so the comparisons compare something.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from harness import CORPORATE_ACTIONS
from rustybt.backtest import run_algorithm
from test_against_zipline import CENT, zipline_imports_as_rustybt
from test_perf_frame import FIGURES, NEAR_ZERO, disagreements

STRATEGIES = sorted((Path(__file__).parent / "action_strategies").glob("*.py"))

CASH_FIGURES = ("ending_cash", "capital_used", "portfolio_value", "starting_cash", "pnl")
"""The daily figures that must agree to the cent."""
HISTORY = 1e-9
"""Recorded history values agree to this, relative and absolute: both engines round the
windows to tenths of a cent and only their means' last bits may differ."""
PRICE = 1e-9
"""Fill prices agree to this, relative: both compute slippage in floats."""


def run_with_rustybt(strategy: Path, data_dir: Path, window: tuple[str, str]) -> pd.DataFrame:
    """Our results frame of ``strategy``, with zipline's imports read as ours."""
    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    code = compile(zipline_imports_as_rustybt(strategy.read_text()), str(strategy), "exec")
    exec(code, namespace)
    return run_algorithm(
        *window,
        initialize=namespace["initialize"],
        handle_data=namespace.get("handle_data"),
        capital_base=namespace.get("CAPITAL_BASE", 100_000),
        source="files",
        data_dir=data_dir,
    )


@pytest.fixture(scope="module")
def our_frame(
    actions_csvdir: Path, actions_window: tuple[str, str]
) -> Callable[[Path], pd.DataFrame]:
    """``frame(strategy)``: our frame of the strategy, run once per module."""
    frames: dict[Path, pd.DataFrame] = {}

    def frame(strategy: Path) -> pd.DataFrame:
        if strategy not in frames:
            frames[strategy] = run_with_rustybt(strategy, actions_csvdir, actions_window)
        return frames[strategy]

    return frame


def zipline_answer(oracle: dict[str, dict], name: str) -> dict:
    answer = oracle[name]
    assert "error" not in answer, f"zipline itself failed: {answer.get('error')}"
    return answer


def zipline_values(oracle: dict[str, dict], name: str) -> pd.DataFrame:
    """The oracle's numeric perf columns, indexed by session date (``YYYY-MM-DD``)."""
    perf = zipline_answer(oracle, name)["perf"]
    return pd.DataFrame(perf["values"], index=[day[:10] for day in perf["index"]])


def held(oracle: dict[str, dict], name: str) -> dict[str, dict[str, dict]]:
    """The oracle's closing positions by session date, then symbol."""
    positions = zipline_answer(oracle, name)["positions"]
    return {day: {p["symbol"]: p for p in rows} for day, rows in positions.items()}


def raw_bars(csvdir: Path, symbol: str) -> pd.DataFrame:
    return pd.read_csv(csvdir / f"{symbol}.csv", index_col="date")


def events(kind: str) -> dict[str, dict[str, float]]:
    """CORPORATE_ACTIONS' events of ``kind`` by ex-date, then symbol."""
    found: dict[str, dict[str, float]] = {}
    for symbol, kinds in CORPORATE_ACTIONS.items():
        for day, value in kinds[kind]:
            found.setdefault(day, {})[symbol] = value
    return found


def test_zipline_splits_the_positions_held_through_a_split(actions_oracle: dict) -> None:
    positions = held(actions_oracle, "hold_through_actions")
    before, after = positions["2020-08-28"]["AAA"], positions["2020-08-31"]["AAA"]
    assert (before["amount"], after["amount"]) == (101, 404)
    assert after["cost_basis"] == round(before["cost_basis"] / 4, 2)
    assert [positions[day]["BBB"]["amount"] for day in ("2020-06-12", "2020-06-15")] == [-101, -50]
    assert [positions[day]["CCC"]["amount"] for day in ("2021-01-15", "2021-01-19")] == [101, 151]


def test_zipline_pays_dividends_on_their_ex_dates_and_split_fractions_in_cash(
    actions_oracle: dict,
) -> None:
    positions = held(actions_oracle, "hold_through_actions")
    values = zipline_values(actions_oracle, "hold_through_actions")
    dividends, splits = events("dividend"), events("split")
    days = list(values.index)
    checked = 0
    # From the session after the buys on, cash moves only by dividends and split fractions.
    for before, day in pairwise(days[1:]):
        due = sum(
            positions[before][symbol]["amount"] * amount
            for symbol, amount in dividends.get(day, {}).items()
        )
        fractions = 0.0
        for symbol, value in splits.get(day, {}).items():
            shares = positions[before][symbol]["amount"] * value
            new_basis = round(positions[before][symbol]["cost_basis"] / value, 2)
            fractions += round((shares - int(shares)) * new_basis, 2)
        moved = values.loc[day, "ending_cash"] - values.loc[before, "ending_cash"]
        assert moved == pytest.approx(due + fractions, abs=1e-6), day
        assert values.loc[day, "capital_used"] == pytest.approx(due + fractions, abs=1e-6), day
        # The dividend is in the session's starting cash already; the split fraction is not.
        starting = values.loc[day, "starting_cash"] - values.loc[before, "ending_cash"]
        assert starting == pytest.approx(due, abs=1e-6), day
        checked += bool(due or fractions)
    # AAA's 10 dividends, BBB's 5 and its reverse split, CCC's 4 (one with its split); AAA's
    # 4-for-1 split of 101 shares leaves no fraction.
    assert checked == 20


def test_zipline_pays_no_dividend_on_shares_bought_the_day_before_the_ex_date(
    actions_oracle: dict,
) -> None:
    answer = zipline_answer(actions_oracle, "trade_around_actions")
    values = zipline_values(actions_oracle, "trade_around_actions")
    bought = [t for t in answer["transactions"] if t["dt"].startswith("2020-05-08")]
    assert [(t["symbol"], t["amount"]) for t in bought] == [("AAA", 50)]
    # Paid at the session's start on the 61 shares held then, not the 111 held at its close.
    paid = values.loc["2020-05-08", "starting_cash"] - values.loc["2020-05-07", "ending_cash"]
    assert paid == pytest.approx(61 * 0.82, abs=1e-6)


def test_zipline_scales_orders_open_across_a_split(actions_oracle: dict) -> None:
    values = zipline_values(actions_oracle, "trade_around_actions")
    trades = [
        (t["symbol"], t["amount"], t["dt"][:10])
        for t in zipline_answer(actions_oracle, "trade_around_actions")["transactions"]
    ]
    # 33 AAA at a limit and 7 at market, open when AAA splits 4-for-1.
    assert values.loc["2020-08-28", "AAA_open"] == 40
    assert values.loc["2020-08-31", "AAA_open"] == 132
    limit = values.loc["2020-08-28", "AAA_limit"]
    assert values.loc["2020-08-31", "AAA_limit"] == round(limit / 4, 2)
    assert ("AAA", 28, "2020-08-31") in trades
    assert any(t[:2] == ("AAA", 132) for t in trades)
    # -3 and +1 BBB at market when BBB merges 2 shares into 1: -1 is left, +1 vanishes.
    bbb_on_the_split = [t for t in trades if t[0] == "BBB" and t[2] == "2020-06-15"]
    assert bbb_on_the_split == [("BBB", -1, "2020-06-15")]


def test_zipline_history_adjusts_earlier_rows_from_the_ex_date_on(
    actions_oracle: dict, actions_csvdir: Path
) -> None:
    values = zipline_values(actions_oracle, "history_across_actions")
    bars = raw_bars(actions_csvdir, "AAA")
    window = list(bars.loc[:"2020-08-31"].index[-20:])
    dividend = 1 - 0.82 / bars.loc["2020-08-06", "close"]
    on_the_split = values.loc["2020-08-31"]

    raw = pytest.approx(bars.loc["2020-08-31", "close"], rel=1e-12)
    assert (on_the_split["AAA_current_close"], on_the_split["AAA_last_close"]) == (raw, raw)
    assert on_the_split["AAA_first_close"] == round(bars.loc[window[0], "close"] * dividend / 4, 3)
    volume = [*(bars.loc[window[:-1], "volume"] * 4), bars.loc["2020-08-31", "volume"]]
    assert on_the_split["AAA_mean_volume"] == pytest.approx(np.mean(volume), rel=1e-12)
    the_day_before = list(bars.loc[:"2020-08-28"].index[-20:])
    assert values.loc["2020-08-28", "AAA_mean_volume"] == pytest.approx(
        bars.loc[the_day_before, "volume"].mean(), rel=1e-12
    )


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_the_strategy_trades_as_under_zipline(
    strategy: Path, actions_oracle: dict, our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = sorted(
        (t["symbol"], t["dt"], t["amount"], t["price"])
        for t in zipline_answer(actions_oracle, strategy.stem)["transactions"]
    )
    ours = sorted(
        (t["symbol"], pd.Timestamp(t["dt"]).isoformat(), int(t["amount"]), float(t["price"]))
        for day in our_frame(strategy)["transactions"]
        for t in day
    )

    assert [t[:3] for t in ours] == [t[:3] for t in theirs]
    pairs = zip(ours, theirs, strict=True)
    off = [(a, b) for a, b in pairs if not np.isclose(a[3], b[3], rtol=PRICE, atol=0)]
    assert not off, f"{len(off)} fills differ in price, first: {off[:1]}"


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_cash_value_and_pnl_agree_with_zipline_to_the_cent(
    strategy: Path, actions_oracle: dict, our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_values(actions_oracle, strategy.stem)
    frame = our_frame(strategy)

    assert [t.strftime("%Y-%m-%d") for t in frame.index] == list(theirs.index)
    off = {}
    for name in CASH_FIGURES:
        gap = np.abs(frame[name].to_numpy(dtype=np.float64) - theirs[name].to_numpy())
        if (late := np.flatnonzero(gap > CENT)).size:
            i = late[0]
            off[name] = (theirs.index[i], float(frame[name].iloc[i]), theirs[name].iloc[i])
    assert not off, f"first session more than a cent off, (day, ours, zipline's): {off}"


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_our_run_reports_zipline_perf_figures(
    strategy: Path, actions_oracle: dict, our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_values(actions_oracle, strategy.stem)
    frame = our_frame(strategy)

    off = {
        name: found[:3]
        for name in FIGURES
        if (
            found := disagreements(
                frame[name].to_numpy(dtype=np.float64), theirs[name].to_numpy(), NEAR_ZERO
            )
        )
    }
    assert not off, f"(session, ours, zipline's), first three per column: {off}"


@pytest.mark.parametrize(
    "strategy",
    STRATEGIES,
    ids=[s.stem for s in STRATEGIES],
)
def test_recorded_positions_orders_and_history_are_zipline_s(
    strategy: Path, actions_oracle: dict, our_frame: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_values(actions_oracle, strategy.stem)
    frame = our_frame(strategy)
    recorded = [name for name in theirs.columns if name not in FIGURES]
    assert recorded

    off = {}
    for name in recorded:
        ours, expected = frame[name].to_numpy(dtype=np.float64), theirs[name].to_numpy()
        close = np.isclose(ours, expected, rtol=HISTORY, atol=HISTORY, equal_nan=True)
        if not close.all():
            i = int(np.flatnonzero(~close)[0])
            off[name] = (theirs.index[i], ours[i], expected[i])
    assert not off, f"first session off per variable, (day, ours, zipline's): {off}"
