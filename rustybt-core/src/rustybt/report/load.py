"""A backtest's results as a report reads them: from the results file ``rustybt run -o``
writes (:func:`load_results`) or from the result of a run in this process (:func:`run_results`).

Both read zipline's perf frame (:mod:`rustybt.engine.perf_frame`), one row per session
indexed by the session's close, through :func:`results_from_frame`. The file stores the
``positions``, ``transactions``, ``orders`` and ``actions`` cells as JSON text
(:meth:`rustybt.engine.results.BacktestResult.write_parquet`); a run's frame holds them as
Python values, which are read as that JSON would be, so both give the same report.

:func:`report_kind` tells a results file from a sweep table (:mod:`rustybt.sweep`), the two
files ``rustybt report`` reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
import pandas as pd

from rustybt.errors import ConfigError, DataError

if TYPE_CHECKING:
    from rustybt.engine.results import BacktestResult

REQUIRED_COLUMNS = (
    "portfolio_value",
    "returns",
    "starting_cash",
    "algorithm_period_return",
    "benchmark_period_return",
    "gross_leverage",
    "net_leverage",
    "transactions",
)
"""The columns a results file must have for a report."""

ONE_NANOSECOND = pd.Timedelta(1, "ns")

SWEEP_METADATA = b"rustybt.sweep"
"""The key of a sweep table's Parquet schema metadata (see :mod:`rustybt.sweep`)."""

POSITION_COLUMNS = ("session", "symbol", "amount", "last_sale_price", "value")
FILL_COLUMNS = ("session", "dt", "symbol", "amount", "price", "commission")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in columns})


def _no_positions() -> pd.DataFrame:
    return _empty(POSITION_COLUMNS)


def _no_fills() -> pd.DataFrame:
    return _empty(FILL_COLUMNS)


@attrs.frozen(kw_only=True)
class BacktestResults:
    """A backtest's results as a report reads them.

    ``frame`` is the results frame indexed by session label (the UTC midnight of each
    session, as the run's summary labels them); ``transactions`` every fill, in order, as
    the run recorded it (``dt``, ``symbol``, ``amount``, ``price``, ``commission``,
    ``order_id``); ``starting_value`` the run's capital; ``periods_per_year`` the sessions in
    a year of its calendar (365 on the 24/7 calendar, 252 otherwise); ``source`` the file
    read, None for a run's result in memory.

    ``positions`` holds one row per position held at a session's close (columns
    :data:`POSITION_COLUMNS`: the session's label, the symbol, the amount, the last sale
    price and their product, the value held, negative when short); ``fills`` one row per
    fill (columns :data:`FILL_COLUMNS`: the label of the session whose row holds it, its
    time as recorded, symbol, amount, price and commission), as floats.
    """

    frame: pd.DataFrame
    transactions: tuple[dict[str, Any], ...]
    starting_value: float
    periods_per_year: int
    source: Path | None = None
    positions: pd.DataFrame = attrs.field(factory=_no_positions)
    fills: pd.DataFrame = attrs.field(factory=_no_fills)


def report_kind(path: str | Path) -> Literal["backtest", "sweep"]:
    """Which report the Parquet file at ``path`` makes: ``"sweep"`` for a sweep table (its
    schema metadata holds :data:`SWEEP_METADATA`), ``"backtest"`` for anything else, which
    :func:`load_results` then reads (or says why it cannot)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # not Parquet, or no file: load_results says which, in one line
        return "backtest"
    return "sweep" if SWEEP_METADATA in metadata else "backtest"


def load_results(path: str | Path) -> BacktestResults:
    """Read the results file at ``path``.

    Raises:
        ConfigError: there is no file at ``path``.
        DataError: the file is not a Parquet file, lacks a results frame's columns, or
            holds no sessions.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(
            f"results file {source} does not exist: write one with `rustybt run ... -o {source}`"
        )
    try:
        frame = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise DataError(
            f"{source} is not a results file: it cannot be read as Parquet "
            f"({type(exc).__name__}); give the file `rustybt run -o` or `rustybt sweep -o` wrote"
        ) from exc
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing or not isinstance(frame.index, pd.DatetimeIndex):
        lacking = ", ".join(missing) if missing else "a session index"
        raise DataError(
            f"{source} is neither a results file of `rustybt run -o` nor a sweep table of "
            f"`rustybt sweep -o`: it lacks {lacking}"
        )
    if frame.empty:
        raise DataError(f"{source} holds no sessions: there is nothing to report")
    return results_from_frame(frame, source=source)


def run_results(result: BacktestResult) -> BacktestResults:
    """The results of a run made in this process (what ``run_backtest`` returns), as
    :func:`load_results` reads them from the file the run's ``write_parquet`` writes: a
    report of either is the same page but for the header naming the file."""
    from rustybt.calendars import get_calendar  # loaded already: the run used it

    calendar = get_calendar(str(result.data_provenance["calendar"]))
    return results_from_frame(result.frame, periods_per_year=calendar.periods_per_year)


def results_from_frame(
    frame: pd.DataFrame, *, source: Path | None = None, periods_per_year: int | None = None
) -> BacktestResults:
    """The results of a run's frame (one row per session, indexed by its close, with the
    columns of :data:`REQUIRED_COLUMNS`), read from ``source`` (None: in memory).

    The ``transactions`` cells may be JSON text (the file's) or lists of fills (a run's);
    a fill is read as the JSON the file holds (an asset as its repr, a Decimal or date as
    text). Without ``periods_per_year``, a run that traded on a weekend counts 365 sessions
    a year (the 24/7 calendar), any other 252.

    Raises:
        DataError: a ``transactions`` cell is not a list of fills.
    """
    closes = frame.index if frame.index.tz is not None else frame.index.tz_localize("UTC")
    # A session closes within its UTC date (24/7: at the next midnight), so the instant
    # before its close falls on the date that labels it.
    frame = frame.set_axis((closes.tz_convert("UTC") - ONE_NANOSECOND).normalize())
    per_session = [_json_list(cell, source, "transactions") for cell in frame["transactions"]]
    if periods_per_year is None:
        periods_per_year = 365 if bool((frame.index.day_of_week >= 5).any()) else 252
    return BacktestResults(
        frame=frame,
        transactions=tuple(fill for fills in per_session for fill in fills),
        # The first session starts without positions: its starting cash is the capital.
        starting_value=float(frame["starting_cash"].iloc[0]),
        periods_per_year=periods_per_year,
        source=source,
        positions=_positions(frame, source),
        fills=_fills(frame.index, per_session),
    )


def benchmark_returns(results: BacktestResults) -> pd.Series:
    """The benchmark's return in each session, from its cumulative
    ``benchmark_period_return``."""
    growth = 1.0 + results.frame["benchmark_period_return"].astype("float64").to_numpy()
    previous = np.concatenate([[1.0], growth[:-1]])
    return pd.Series(growth / previous - 1.0, index=results.frame.index)


def _positions(frame: pd.DataFrame, source: Path | None) -> pd.DataFrame:
    # Files written before positions were kept in the frame report without them.
    if "positions" not in frame.columns:
        return _no_positions()
    rows = [
        (
            session,
            str(held.get("symbol", "")),
            _float(held.get("amount")),
            _float(held.get("last_sale_price")),
        )
        for session, cell in zip(frame.index, frame["positions"], strict=True)
        for held in _json_list(cell, source, "positions")
    ]
    table = pd.DataFrame(rows, columns=list(POSITION_COLUMNS[:-1]))
    table["value"] = table["amount"] * table["last_sale_price"]
    return table


def _fills(sessions: pd.DatetimeIndex, per_session: list[list[dict[str, Any]]]) -> pd.DataFrame:
    rows = [
        (
            session,
            str(fill.get("dt", "")),
            str(fill.get("symbol", "")),
            _float(fill.get("amount")),
            _float(fill.get("price")),
            _float(fill.get("commission")),
        )
        for session, fills in zip(sessions, per_session, strict=True)
        for fill in fills
    ]
    return pd.DataFrame(rows, columns=list(FILL_COLUMNS))


def _float(value: object) -> float:
    # Decimals arrive as text (JSON); a missing or unreadable value is undefined.
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _json_list(cell: object, source: Path | None, column: str) -> list[dict[str, Any]]:
    # A run's cell is read as write_parquet stores it, so memory and file agree.
    text = cell if isinstance(cell, str) else json.dumps(cell, default=str)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{source} is not a results file of `rustybt run -o`: a {column} cell is not JSON"
        ) from exc
    if not isinstance(value, list):
        raise DataError(
            f"{source} is not a results file of `rustybt run -o`: a {column} cell is not a list"
        )
    return value
