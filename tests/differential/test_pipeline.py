"""Pipelines compute under RustyBT what zipline-reloaded's SimplePipelineEngine computes (issue
#20), and strategies driven by attached pipelines trade alike.

Both engines read one csvdir folder of twenty synthetic symbols (``harness.pipeline_bars``):
random walks with splits and dividends in the csvdir columns (so windows are adjusted as of
each day), symbols that end before the output, end within it, start within it or two
sessions before its end, and missing bars. zipline's bundle holds a row of zeros for a missing
bar (see zipline_pipeline_oracle.py); our files source simply has no row.

Each file of ``pipelines/`` defines ``make_pipeline()`` (or ``make_pipeline(assets)``, given the
assets by symbol) and optionally ``loaders()`` for its custom datasets, with zipline's imports,
read as ours on our side. Its frame must be zipline's: the same (date, asset) rows, assets
compared by symbol; the same columns and dtypes; floats within RELATIVE of zipline's with
the same NaNs; booleans, integers and labels equal. Each file of ``pipeline_strategies/`` must
make zipline's trades at zipline's prices and end each session within a cent of its value.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from harness import (
    ORACLE_PYTHON,
    PIPELINE_DATA_START,
    PIPELINE_END,
    PIPELINE_START,
    REPO,
    pipeline_actions,
    pipeline_bars,
    write_csvdir,
)
from test_against_zipline import CENT, run_with_rustybt, trades, zipline_imports_as_rustybt

HERE = Path(__file__).parent
PIPELINES = sorted((HERE / "pipelines").glob("*.py"))
STRATEGIES = sorted((HERE / "pipeline_strategies").glob("*.py"))
RUNNERS = (HERE / "zipline_pipeline_oracle.py", HERE / "zipline_oracle.py")
"""The oracle's runner and the module it imports: both shape its answers."""

RELATIVE = 1e-9
ZERO = 1e-12
"""Floats agree within RELATIVE of zipline's, or within ZERO of it for values that are zero
up to rounding (a demeaned mean, a return of an unchanged price)."""
PRICE = 1e-9
"""Fill prices agree to this, relative: both compute slippage in floats."""
SHOWN = 3
"""Disagreements shown per column."""


@pytest.fixture(scope="module")
def pipeline_csvdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``harness.pipeline_bars`` from PIPELINE_DATA_START to PIPELINE_END with their splits and
    dividends, as the ``daily`` folder of a zipline csvdir (one CSV file per symbol)."""
    from rustybt.calendars import get_calendar

    sessions = get_calendar("XNYS").sessions(PIPELINE_DATA_START, PIPELINE_END)
    return write_csvdir(
        pipeline_bars(sessions), tmp_path_factory.mktemp("pipeline-csvdir"), pipeline_actions()
    )


@pytest.fixture(scope="module")
def pipeline_oracle(pipeline_csvdir: Path) -> dict[str, dict]:
    """What zipline gave for each pipeline and strategy, by file name: read from the cache
    when nothing that shapes it (the runners, the pins, the files, the data, the dates)
    changed, else computed and cached."""
    python = os.environ.get(ORACLE_PYTHON)
    if not python:
        pytest.skip(f"no oracle: run `nox -s differential` (it sets {ORACLE_PYTHON})")
    files = [*PIPELINES, *STRATEGIES]
    digest = hashlib.sha256()
    for path in (
        *(*RUNNERS, HERE / "requirements-zipline.txt"),
        *files,
        *sorted(pipeline_csvdir.iterdir()),
    ):
        digest.update(path.name.encode() + path.read_bytes())
    dates = (PIPELINE_DATA_START, PIPELINE_START, PIPELINE_END)
    digest.update(f"pipelines {dates}".encode())
    cache = REPO / ".cache" / "differential" / digest.hexdigest()[:16]
    if not all((cache / f"{path.stem}.json").exists() for path in files):
        cache.mkdir(parents=True, exist_ok=True)
        ran = subprocess.run(
            [python, str(RUNNERS[0]), str(pipeline_csvdir.parent), *dates, str(cache)]
            + [str(path) for path in files],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if ran.returncode:
            pytest.fail(f"the zipline oracle could not run ({python}):\n{ran.stderr[-3000:]}")
    return {path.stem: json.loads((cache / f"{path.stem}.json").read_text()) for path in files}


def zipline_frame(answer: dict) -> pd.DataFrame:
    """The oracle's frame, indexed by (``YYYY-MM-DD``, symbol), its columns of zipline's
    dtypes (labels as strings)."""
    assert "error" not in answer, f"zipline itself failed: {answer.get('traceback')}"
    index = pd.MultiIndex.from_arrays([[day[:10] for day in answer["dates"]], answer["symbols"]])
    columns = {}
    for name in answer["columns"]:
        dtype = answer["dtypes"][name]
        values = answer["values"][name]
        columns[name] = pd.Series(
            values, index=index, dtype=object if dtype in ("category", "object") else dtype
        )
    return pd.DataFrame(columns, index=index)


def our_frame(path: Path, data_dir: Path) -> pd.DataFrame:
    """The pipeline of ``path`` (zipline's imports read as ours) run by
    ``rustybt.pipeline.run_pipeline`` over the files source of ``data_dir``."""
    from rustybt.assets import Asset
    from rustybt.pipeline import run_pipeline

    namespace: dict = {"__file__": str(path), "__name__": path.stem}
    exec(compile(zipline_imports_as_rustybt(path.read_text()), str(path), "exec"), namespace)
    make_pipeline: Callable = namespace["make_pipeline"]
    if inspect.signature(make_pipeline).parameters:
        symbols = sorted(p.stem for p in data_dir.glob("*.csv"))
        assets = {s: Asset(symbol=s, sid=sid) for sid, s in enumerate(symbols)}
        pipeline = make_pipeline(assets)
    else:
        pipeline = make_pipeline()
    return run_pipeline(
        pipeline,
        pd.Timestamp(PIPELINE_START),
        pd.Timestamp(PIPELINE_END),
        source="files",
        data_dir=data_dir,
        loaders=namespace["loaders"]() if "loaders" in namespace else None,
    )


def keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (ours) indexed as zipline_frame indexes the oracle's."""
    dates, assets = frame.index.get_level_values(0), frame.index.get_level_values(1)
    index = pd.MultiIndex.from_arrays(
        [dates.strftime("%Y-%m-%d"), [asset.symbol for asset in assets]]
    )
    return frame.set_axis(index)


def column_disagreements(ours: pd.Series, theirs: pd.Series) -> tuple[int, list]:
    """How many rows of a column differ, and the first SHOWN as (date, symbol, ours,
    zipline's): floats by RELATIVE (and ZERO) with NaN only where zipline has NaN, other
    values exactly."""
    if theirs.dtype.kind == "f":
        a = ours.to_numpy(dtype=np.float64, na_value=np.nan)
        b = theirs.to_numpy(dtype=np.float64)
        same = np.isclose(a, b, rtol=RELATIVE, atol=ZERO, equal_nan=True)
        same &= np.isnan(a) == np.isnan(b)
    else:
        a = ours.to_numpy(dtype=object)
        b = theirs.to_numpy(dtype=object)
        same = np.array(
            [x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a, b, strict=True)], dtype=bool
        )
    off = np.flatnonzero(~same)
    return len(off), [(*theirs.index[i], a[i], b[i]) for i in off[:SHOWN]]


@pytest.fixture(scope="module")
def ours(pipeline_csvdir: Path) -> Callable[[Path], pd.DataFrame]:
    """``frame(path)``: our frame of the pipeline, run once per module."""
    frames: dict[Path, pd.DataFrame] = {}

    def frame(path: Path) -> pd.DataFrame:
        if path not in frames:
            frames[path] = our_frame(path, pipeline_csvdir)
        return frames[path]

    return frame


@pytest.mark.parametrize("pipeline", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_the_pipeline_lists_zipline_s_rows_columns_and_dtypes(
    pipeline: Path, pipeline_oracle: dict[str, dict], ours: Callable[[Path], pd.DataFrame]
) -> None:
    answer = pipeline_oracle[pipeline.stem]
    theirs = zipline_frame(answer)
    frame = ours(pipeline)

    assert list(frame.index.names) == answer["index_names"]
    mine = keyed(frame)
    missing, extra = theirs.index.difference(mine.index), mine.index.difference(theirs.index)
    assert (list(missing[:5]), list(extra[:5])) == ([], []), (
        f"{len(missing)} of zipline's rows missing, {len(extra)} rows zipline has not"
    )
    assert list(mine.index) == list(theirs.index), "zipline's rows, in another order"
    stamps = [day.isoformat() for day in frame.index.get_level_values(0)]
    assert stamps[:1] == answer["dates"][:1], "dates unlike zipline's (time of day, zone)"
    assert stamps == answer["dates"]
    assert list(frame.columns) == answer["columns"]
    assert {str(c): str(t) for c, t in frame.dtypes.items()} == answer["dtypes"]


@pytest.mark.parametrize("pipeline", PIPELINES, ids=[p.stem for p in PIPELINES])
def test_the_pipeline_computes_zipline_s_values(
    pipeline: Path, pipeline_oracle: dict[str, dict], ours: Callable[[Path], pd.DataFrame]
) -> None:
    theirs = zipline_frame(pipeline_oracle[pipeline.stem])
    mine = keyed(ours(pipeline))
    rows = theirs.index.intersection(mine.index, sort=False)
    assert len(rows), "no row in common with zipline's"

    off = {}
    for name in theirs.columns:
        if name not in mine.columns:
            off[name] = "missing"
            continue
        count, first = column_disagreements(mine.loc[rows, name], theirs.loc[rows, name])
        if count:
            off[name] = (f"{count} of {len(rows)} rows", *first)
    assert not off, f"(date, symbol, ours, zipline's) per column: {off}"


@pytest.mark.parametrize("strategy", STRATEGIES, ids=[s.stem for s in STRATEGIES])
def test_the_pipeline_strategy_trades_as_under_zipline(
    strategy: Path, pipeline_oracle: dict[str, dict], pipeline_csvdir: Path
) -> None:
    theirs = pipeline_oracle[strategy.stem]
    assert "error" not in theirs, f"zipline itself failed: {theirs.get('traceback')}"
    mine = run_with_rustybt(strategy, pipeline_csvdir, (PIPELINE_START, PIPELINE_END))

    assert trades(mine) == trades(theirs)
    pairs = zip(fills(mine), fills(theirs), strict=True)
    off = [(a, b) for a, b in pairs if not np.isclose(a[3], b[3], rtol=PRICE, atol=0)]
    assert not off, f"{len(off)} fills differ in price, first: {off[:1]}"
    values = theirs["portfolio_value"]
    assert mine["portfolio_value"].keys() == values.keys()
    late = {
        day: (value, values[day])
        for day, value in mine["portfolio_value"].items()
        if abs(value - values[day]) > CENT
    }
    assert not late, f"{len(late)} sessions more than a cent off, first: {min(late.items())}"


def fills(result: dict) -> list[tuple[str, str, int, float]]:
    return sorted((t["symbol"], t["dt"], t["amount"], t["price"]) for t in result["transactions"])


def zipline_rows(pipeline_oracle: dict[str, dict], name: str, symbol: str) -> pd.DataFrame:
    frame = zipline_frame(pipeline_oracle[name])
    return frame.xs(symbol, level=1)


def test_zipline_lists_assets_from_the_session_after_their_first_bar_to_their_last(
    pipeline_oracle: dict[str, dict],
) -> None:
    frame = zipline_frame(pipeline_oracle["latest_prices"])
    days = {s: list(frame.xs(s, level=1).index) for s in ("LATE", "GONE", "NEXT")}
    assert days["LATE"][0] == "2018-06-18"  # first bar 2018-06-15, a Friday
    assert days["GONE"][-1] == "2019-06-14"  # its last bar's session
    assert days["NEXT"] == ["2019-12-30", "2019-12-31"]
    assert "DEAD" not in set(frame.index.get_level_values(1))


def test_zipline_reads_a_missing_bar_as_nan_prices_and_no_volume(
    pipeline_oracle: dict[str, dict],
) -> None:
    gaps = zipline_rows(pipeline_oracle, "latest_prices", "GAPS")
    # 2017-12-29, the session before the first output, has no bar.
    first = gaps.iloc[0]
    assert np.isnan(first[["open", "high", "low", "close"]].astype(float)).all()
    assert first["volume"] == 0


def test_zipline_adjusts_windows_across_a_split_as_of_each_day(
    pipeline_oracle: dict[str, dict], pipeline_csvdir: Path
) -> None:
    alfa = zipline_rows(pipeline_oracle, "moving_averages", "ALFA")
    bars = pd.read_csv(pipeline_csvdir / "ALFA.csv", index_col="date")
    # The 2-for-1 split's ex-date is 2018-09-04; the row for 09-05 averages nine halved
    # closes and the raw close of 09-04.
    window = bars.loc[:"2018-09-04", "close"].iloc[-10:]
    adjusted = [*(window.iloc[:-1] / 2), window.iloc[-1]]
    assert alfa.loc["2018-09-05", "sma_10"] == pytest.approx(np.mean(adjusted), rel=1e-12)


def test_zipline_leaves_a_dividend_after_a_missing_bar_unadjusted(
    pipeline_oracle: dict[str, dict], pipeline_csvdir: Path
) -> None:
    gaps = zipline_rows(pipeline_oracle, "moving_averages", "GAPS")
    bars = pd.read_csv(pipeline_csvdir / "GAPS.csv", index_col="date")
    # The dividend's ex-date is 2019-04-15; 2019-04-12 has no bar, so zipline finds no close
    # to compute the dividend's ratio from: the nine raw closes of the window, unadjusted.
    closes = bars.loc[:"2019-04-15", "close"].iloc[-9:]
    assert "2019-04-12" not in closes.index
    assert gaps.loc["2019-04-16", "sma_10"] == pytest.approx(closes.mean(), rel=1e-12)
