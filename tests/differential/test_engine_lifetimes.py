"""Assets whose data ends within the run, as zipline-reloaded treats them (its auto-close):
each strategy of ``lifetime_strategies/`` runs under the oracle and under RustyBT on a small
csvdir of synthetic bars where GONE ends on a Friday, EXIT on the day before Thanksgiving
(its first session after is a half day) and KEEP trades throughout.

Both must make the same trades (the closes included: symbol, amount, time, price), hold the
same positions, use the same capital and end each session at the same value, to the cent,
and record the same figures.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ask_the_oracle
from harness import write_csvdir
from rustybt.backtest import run_algorithm
from test_against_zipline import CENT, zipline_imports_as_rustybt

HERE = Path(__file__).parent
STRATEGIES = sorted((HERE / "lifetime_strategies").glob("*.py"))
DATA_START, START, END = "2019-05-01", "2019-06-03", "2019-12-31"
LAST_BARS = {"GONE": "2019-06-14", "EXIT": "2019-11-27", "KEEP": END}
PRICE = 1e-9
"""Fill prices agree to this, relative: both compute slippage in floats."""


def lifetime_bars() -> pd.DataFrame:
    """Random walks of LAST_BARS' symbols from DATA_START to each one's last bar, seeded by
    the symbol's name; prices in tenths of a cent, whole-share volumes."""
    from rustybt.calendars import get_calendar

    frames = []
    for symbol, last in LAST_BARS.items():
        sessions = get_calendar("XNYS").sessions(DATA_START, last)
        rng = np.random.default_rng(int(hashlib.sha256(symbol.encode()).hexdigest()[:8], 16))
        close = 40.0 * np.cumprod(1 + rng.normal(0.0003, 0.015, len(sessions)))
        spread = close * rng.uniform(0.002, 0.015, len(sessions))
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "timestamp": sessions,
                    "open": close.round(3),
                    "high": (close + spread).round(3),
                    "low": (close - spread).round(3),
                    "close": close.round(3),
                    "volume": rng.integers(200_000, 2_000_001, len(sessions)).astype("float64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def lifetime_csvdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csvdir(lifetime_bars(), tmp_path_factory.mktemp("lifetimes-csvdir"))


@pytest.fixture(scope="module")
def lifetime_oracle(lifetime_csvdir: Path) -> dict[str, dict]:
    return ask_the_oracle(
        lifetime_csvdir, (DATA_START, START, END), dict.fromkeys(STRATEGIES, "none")
    )


def ours(strategy: Path, data_dir: Path) -> pd.DataFrame:
    """Our results frame of ``strategy``, with zipline's imports read as ours."""
    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    code = compile(zipline_imports_as_rustybt(strategy.read_text()), str(strategy), "exec")
    exec(code, namespace)
    return run_algorithm(
        START,
        END,
        initialize=namespace["initialize"],
        handle_data=namespace.get("handle_data"),
        capital_base=100_000,
        source="files",
        data_dir=data_dir,
    )


def days(frame: pd.DataFrame) -> list[str]:
    return [day.strftime("%Y-%m-%d") for day in frame.index]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_ended_assets_are_closed_as_under_zipline(
    strategy: Path, lifetime_oracle: dict[str, dict], lifetime_csvdir: Path
) -> None:
    theirs = lifetime_oracle[strategy.stem]
    assert "error" not in theirs, f"zipline itself failed: {theirs.get('error')}"
    frame = ours(strategy, lifetime_csvdir)

    mine = sorted(
        (t["symbol"], int(t["amount"]), pd.Timestamp(t["dt"]).isoformat(), float(t["price"]))
        for day in frame["transactions"]
        for t in day
    )
    expected = sorted(
        (t["symbol"], t["amount"], t["dt"], t["price"]) for t in theirs["transactions"]
    )
    assert [t[:3] for t in mine] == [t[:3] for t in expected]
    assert np.allclose([t[3] for t in mine], [t[3] for t in expected], rtol=PRICE, atol=0)

    held = {
        day: sorted((p["symbol"], int(p["amount"])) for p in positions)
        for day, positions in zip(days(frame), frame["positions"], strict=True)
    }
    assert held == {
        day: sorted((p["symbol"], p["amount"]) for p in positions)
        for day, positions in theirs["positions"].items()
    }

    values = pd.DataFrame(theirs["perf"]["values"], index=days(frame))
    for column in ("capital_used", "ending_cash", "portfolio_value", "pnl"):
        off = (frame[column].set_axis(days(frame)) - values[column]).abs() > CENT
        assert not off.any(), f"{column} off on {list(values.index[off])[:3]}"
    recorded = [c for c in values.columns if c in frame.columns and c.startswith("open_")]
    for column in recorded:
        assert frame[column].tolist() == values[column].tolist(), column


def test_zipline_closes_the_ended_positions_the_session_after_their_last_bar(
    lifetime_oracle: dict[str, dict],
) -> None:
    answer = lifetime_oracle["auto_close_ended_asset"]
    closes = sorted(
        (t["symbol"], t["amount"], t["dt"], t["commission"])
        for t in answer["transactions"]
        if t["symbol"] in ("GONE", "EXIT") and t["dt"][:10] in ("2019-06-17", "2019-11-29")
    )

    assert closes == [
        ("EXIT", 50, "2019-11-29T18:00:00+00:00", None),
        ("GONE", -100, "2019-06-17T20:00:00+00:00", None),
    ]
    perf = answer["perf"]
    open_gone = dict(zip(perf["index"], perf["values"]["open_gone"], strict=True))
    assert open_gone["2019-06-14T20:00:00+00:00"] == 1
    assert open_gone["2019-06-18T20:00:00+00:00"] == 0
