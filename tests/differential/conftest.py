"""The differential suite: every strategy in ``strategies/`` runs under zipline-reloaded (the
oracle, in its own environment) and under RustyBT, on the same data, and must do the same.

The oracle's interpreter is ``RUSTYBT_ZIPLINE_PYTHON``; ``nox -s differential`` builds that
environment (zipline-reloaded pinned in ``requirements-zipline.txt``) and sets it. Both
engines read one csvdir folder exported from the embedded sample data, prices rounded to
tenths of a cent as zipline stores them. The oracle's answers are cached under
``.cache/differential/`` by a hash of everything that shapes them.

Each strategy runs against a benchmark, the same in both engines: BENCHMARK_SYMBOL's daily
returns given as ``benchmark_returns``, unless BENCHMARK_MODES says otherwise.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).parent
# The suite's own modules (harness, migration_table) import as top-level modules.
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    ACTIONS_DATA_START,
    ACTIONS_END,
    ACTIONS_START,
    DATA_START,
    END,
    ORACLE_PYTHON,
    REPO,
    START,
    SYMBOLS,
    cached_answers,
    corporate_action_bars,
    corporate_actions,
    write_csvdir,
)

STRATEGIES = sorted((HERE / "strategies").glob("*.py"))
ACTION_STRATEGIES = sorted((HERE / "action_strategies").glob("*.py"))
"""Strategies run on the corporate-actions data (``actions_csvdir``), without a benchmark."""
BENCHMARK_SYMBOL = "IBM"
BENCHMARK_MODES = {"buy_apple": "none", "dual_moving_average": "asset", "olmar": "asset"}
"""Strategies not benchmarked by BENCHMARK_SYMBOL's returns (mode ``returns``): ``none``
runs without a benchmark (zero returns), ``asset`` calls ``set_benchmark`` on
BENCHMARK_SYMBOL before the strategy's ``initialize``."""


@pytest.fixture(scope="session")
def window() -> tuple[str, str]:
    """The first and last session both engines run."""
    return START, END


@pytest.fixture(scope="session")
def csvdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data from DATA_START to END as a zipline csvdir folder (``daily/*.csv``)."""
    from rustybt.data.sample_source import SampleDataSource

    bars = SampleDataSource().fetch_bars(
        list(SYMBOLS), pd.Timestamp(DATA_START, tz="UTC"), pd.Timestamp(END, tz="UTC"), "1d"
    )
    return write_csvdir(bars, tmp_path_factory.mktemp("csvdir"))


@pytest.fixture(scope="session")
def benchmark_symbol() -> str:
    """The asset every strategy is benchmarked by."""
    return BENCHMARK_SYMBOL


@pytest.fixture(scope="session")
def benchmark_modes() -> dict[str, str]:
    """How each strategy is benchmarked, by name: ``returns``, ``asset`` or ``none``."""
    return {s.stem: BENCHMARK_MODES.get(s.stem, "returns") for s in STRATEGIES}


@pytest.fixture(scope="session")
def benchmark_file(csvdir: Path) -> Path:
    """BENCHMARK_SYMBOL's daily close-to-close returns over the run (``date``, ``return``),
    the first measured from the close before START."""
    bars = pd.read_csv(csvdir / f"{BENCHMARK_SYMBOL}.csv", index_col="date", parse_dates=True)
    returns = bars["close"].pct_change().loc[START:END].rename("return")
    path = csvdir.parent / "benchmark_returns.csv"
    returns.to_csv(path, index_label="date")
    return path


@pytest.fixture(scope="session")
def benchmark_returns(benchmark_file: Path) -> pd.Series:
    """The returns in ``benchmark_file``, read as the oracle reads them."""
    return pd.read_csv(benchmark_file, index_col="date", parse_dates=True)["return"]


@pytest.fixture(scope="session")
def oracle(csvdir: Path, benchmark_file: Path, benchmark_modes: dict[str, str]) -> dict[str, dict]:
    """What zipline-reloaded did with each strategy, by strategy name."""
    return ask_the_oracle(
        csvdir,
        (DATA_START, START, END),
        {s: benchmark_modes[s.stem] for s in STRATEGIES},
        benchmark=(BENCHMARK_SYMBOL, benchmark_file),
    )


@pytest.fixture(scope="session")
def actions_window() -> tuple[str, str]:
    """The first and last session the corporate-actions strategies run."""
    return ACTIONS_START, ACTIONS_END


@pytest.fixture(scope="session")
def actions_csvdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic raw bars of three symbols with splits and dividends in their csvdir
    ``dividend`` and ``split`` columns, from ACTIONS_DATA_START to ACTIONS_END, as a zipline
    csvdir folder (``daily/*.csv``)."""
    from rustybt.calendars import get_calendar

    sessions = get_calendar("XNYS").sessions(ACTIONS_DATA_START, ACTIONS_END)
    return write_csvdir(
        corporate_action_bars(sessions),
        tmp_path_factory.mktemp("actions-csvdir"),
        corporate_actions(),
    )


@pytest.fixture(scope="session")
def actions_oracle(actions_csvdir: Path) -> dict[str, dict]:
    """What zipline-reloaded did with each corporate-actions strategy, by name, its bundle
    paying each dividend on its ex-date (csvdir alone never pays them)."""
    return ask_the_oracle(
        actions_csvdir,
        (ACTIONS_DATA_START, ACTIONS_START, ACTIONS_END),
        dict.fromkeys(ACTION_STRATEGIES, "none"),
        pay_on_ex_date=True,
    )


def ask_the_oracle(
    csvdir: Path,
    dates: tuple[str, str, str],
    modes: dict[Path, str],
    *,
    benchmark: tuple[str, Path] | None = None,
    pay_on_ex_date: bool = False,
) -> dict[str, dict]:
    """The oracle's answers for the strategies ``modes`` names (each with its benchmark
    mode), run on ``csvdir`` over ``dates`` (data start, first and last session), benchmarked
    by ``benchmark`` (a symbol and its returns file), its dividends paid on their ex-dates
    if ``pay_on_ex_date``: read from the cache when nothing that shapes them (the runner, the
    pins, the strategies, the data, the options) changed, else computed and cached."""
    python = os.environ.get(ORACLE_PYTHON)
    if not python:
        pytest.skip(f"no oracle: run `nox -s differential` (it sets {ORACLE_PYTHON})")
    runner = HERE / "zipline_oracle.py"
    strategies = sorted(modes)
    options = ["--pay-on-ex-date"] if pay_on_ex_date else []
    if benchmark is not None:
        options.insert(0, f"--benchmark={benchmark[0]}={benchmark[1]}")
    digest = hashlib.sha256()
    for path in (
        *(runner, HERE / "requirements-zipline.txt"),
        *([] if benchmark is None else [benchmark[1]]),
        *strategies,
        *sorted(csvdir.iterdir()),
    ):
        digest.update(path.name.encode() + path.read_bytes())
    plan = sorted((s.stem, mode) for s, mode in modes.items())
    symbol = None if benchmark is None else benchmark[0]
    digest.update(f"{dates} {symbol} {pay_on_ex_date} {plan}".encode())
    cache = REPO / ".cache" / "differential" / digest.hexdigest()[:16]
    return cached_answers(
        cache,
        [s.stem for s in strategies],
        [
            *(python, str(runner), str(csvdir.parent), *dates, str(cache)),
            *options,
            *(f"{modes[s]}={s}" for s in strategies),
        ],
    )
