"""zipline-reloaded's own example algorithms, taken from the oracle's installed package and run
with only their import lines changed, do under RustyBT what they do under zipline: the same
transactions and daily portfolio values to the cent. Their ``analyze()`` runs too (with
matplotlib, an optional extra, drawing off-screen).

The examples trade AAPL and MSFT (the sample data) and, for OLMAR, seven more stocks, whose
bars here are a seeded random walk: the point is that both engines see the same bars.
``momentum_pipeline`` ranks all eleven by RSI each day through an attached pipeline.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from harness import (
    DATA_START,
    END,
    ORACLE_PYTHON,
    REPO,
    START,
    SYMBOLS,
    cached_answers,
    write_csvdir,
)
from test_against_zipline import CENT, run_with_rustybt, trades

EXAMPLES = (
    *("buyapple", "buy_and_hold", "dual_moving_average", "dual_ema_talib", "olmar"),
    "momentum_pipeline",
)
PIPELINE_EXAMPLES = ("momentum_pipeline",)
"""Examples the oracle runs with zipline_pipeline_oracle.py: its bundle puts csvdir's assets
in the US, without which zipline's pipelines (domain US_EQUITIES on XNYS) see no asset."""
OLMAR_STOCKS = ("AMD", "CERN", "COST", "DELL", "GPS", "INTC", "MMM")
NEEDS = {"dual_ema_talib": ("talib",)}
"""Modules an example imports beyond zipline's own (skipped when missing on our side)."""


def random_walk_bars(symbol: str, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """Deterministic daily bars for ``symbol``: a random walk seeded by its name."""
    rng = np.random.default_rng(int(hashlib.sha256(symbol.encode()).hexdigest()[:8], 16))
    close = 40 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, len(sessions))))
    spread = close * rng.uniform(0.002, 0.02, len(sessions))
    return pd.DataFrame(
        {
            "symbol": symbol,
            "timestamp": sessions,
            "open": close + rng.uniform(-0.5, 0.5, len(sessions)) * spread,
            "high": close + spread,
            "low": close - spread,
            "close": close,
            "volume": rng.integers(500_000, 5_000_000, len(sessions)).astype(float),
        }
    )


@pytest.fixture(scope="module")
def examples_csvdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data plus random walks for OLMAR's stocks, as a csvdir folder."""
    from rustybt.calendars import get_calendar
    from rustybt.data.sample_source import SampleDataSource

    start, end = pd.Timestamp(DATA_START, tz="UTC"), pd.Timestamp(END, tz="UTC")
    sessions = get_calendar("XNYS").sessions(start, end)
    bars = pd.concat(
        [
            SampleDataSource().fetch_bars(list(SYMBOLS), start, end, "1d"),
            *(random_walk_bars(symbol, sessions) for symbol in OLMAR_STOCKS),
        ]
    )
    return write_csvdir(bars, tmp_path_factory.mktemp("examples-csvdir"))


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """zipline's example files, copied from the oracle's installed package."""
    python = os.environ.get(ORACLE_PYTHON)
    if not python:
        pytest.skip(f"no oracle: run `nox -s differential` (it sets {ORACLE_PYTHON})")
    located = subprocess.run(
        [python, "-c", "import zipline.examples as e; print(e.__path__[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    folder = tmp_path_factory.mktemp("zipline-examples")
    copies = {}
    for name in EXAMPLES:
        copies[name] = Path(shutil.copy(Path(located.stdout.strip()) / f"{name}.py", folder))
    return copies


@pytest.fixture(scope="module")
def oracle_answers(examples: dict[str, Path], examples_csvdir: Path) -> dict[str, dict]:
    """What zipline did with each example (cached like the corpus's answers)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    here = Path(__file__).parent
    plain = {n: p for n, p in examples.items() if n not in PIPELINE_EXAMPLES}
    piped = {n: p for n, p in examples.items() if n in PIPELINE_EXAMPLES}
    return {
        **ask_the_oracle([here / "zipline_oracle.py"], plain, examples_csvdir),
        **ask_the_oracle(
            [here / "zipline_pipeline_oracle.py", here / "zipline_oracle.py"],
            piped,
            examples_csvdir,
        ),
    }


def ask_the_oracle(runner: list[Path], examples: dict[str, Path], csvdir: Path) -> dict[str, dict]:
    """What ``runner[0]`` (importing the rest of ``runner``) answered for ``examples`` on
    ``csvdir``, cached by a hash of them all."""
    digest = hashlib.sha256()
    for path in (*runner, *examples.values(), *sorted(csvdir.iterdir())):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(f"examples {START} {END}".encode())
    cache = REPO / ".cache" / "differential" / digest.hexdigest()[:16]
    return cached_answers(
        cache,
        list(examples),
        [
            *(os.environ[ORACLE_PYTHON], str(runner[0]), str(csvdir.parent)),
            *(DATA_START, START, END, str(cache), *map(str, examples.values())),
        ],
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_zipline_example_runs_unchanged_and_gives_zipline_numbers(
    name: str, examples: dict[str, Path], examples_csvdir: Path, oracle_answers: dict[str, dict]
) -> None:
    for module in ("matplotlib", *NEEDS.get(name, ())):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (nox -s differential installs it)")
    theirs = oracle_answers[name]
    assert "error" not in theirs, theirs.get("traceback")
    ours = run_with_rustybt(examples[name], examples_csvdir, (START, END))
    assert trades(ours) == trades(theirs)
    assert ours["portfolio_value"].keys() == theirs["portfolio_value"].keys()
    worst = max(
        abs(ours["portfolio_value"][day] - value)
        for day, value in theirs["portfolio_value"].items()
    )
    assert worst <= CENT
