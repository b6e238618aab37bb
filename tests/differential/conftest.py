"""The differential suite: every strategy in ``strategies/`` runs under zipline-reloaded (the
oracle, in its own environment) and under RustyBT, on the same data, and must do the same.

The oracle's interpreter is ``RUSTYBT_ZIPLINE_PYTHON``; ``nox -s differential`` builds that
environment (zipline-reloaded pinned in ``requirements-zipline.txt``) and sets it. Both
engines read one csvdir folder exported from the embedded sample data, prices rounded to
tenths of a cent as zipline stores them. The oracle's answers are cached under
``.cache/differential/`` by a hash of everything that shapes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).parent
# The suite's own modules (harness, migration_table) import as top-level modules.
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    DATA_START,
    END,
    ORACLE_PYTHON,
    REPO,
    START,
    SYMBOLS,
    write_csvdir,
)

STRATEGIES = sorted((HERE / "strategies").glob("*.py"))


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
def oracle(csvdir: Path) -> dict[str, dict]:
    """What zipline-reloaded did with each strategy, by strategy name."""
    python = os.environ.get(ORACLE_PYTHON)
    if not python:
        pytest.skip(f"no oracle: run `nox -s differential` (it sets {ORACLE_PYTHON})")
    runner = HERE / "zipline_oracle.py"
    digest = hashlib.sha256()
    for path in (runner, HERE / "requirements-zipline.txt", *STRATEGIES, *sorted(csvdir.iterdir())):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(f"{START} {END}".encode())
    cache = REPO / ".cache" / "differential" / digest.hexdigest()[:16]
    if not all((cache / f"{s.stem}.json").exists() for s in STRATEGIES):
        cache.mkdir(parents=True, exist_ok=True)
        ran = subprocess.run(
            [
                *(python, str(runner), str(csvdir.parent), DATA_START, START, END, str(cache)),
                *map(str, STRATEGIES),
            ],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if ran.returncode:
            pytest.fail(f"the zipline oracle could not run ({python}):\n{ran.stderr[-3000:]}")
    return {s.stem: json.loads((cache / f"{s.stem}.json").read_text()) for s in STRATEGIES}
