"""Corporate actions of equities: splits and cash dividends, as sources deliver them and as a
run applies them.

Bars are raw (the prices that traded); the actions say how to go from one day's prices to
the next's. A source that knows its symbols' actions gives them as a frame in
:data:`ACTIONS_SCHEMA` (its optional ``fetch_actions``, see :func:`source_actions`). The
conventions are zipline's csvdir bundle's:

* a **split** on its ex-date (the first session that trades at the new prices) has
  ``value`` = new shares per old share: ``4.0`` for a 4-for-1 split, ``0.5`` for a
  1-for-2 reverse split. Zipline stores the price ratio ``1 / value``.
* a **dividend** has ``value`` = cash per share, earned by the shares held at the start
  of its ex-date and paid on ``pay_date`` (null: paid on the ex-date).

:class:`RunActions` places a run's actions on its sessions and array columns: what the
engine applies at each session start, and the ratios that adjust history windows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa

from rustybt.data.bar_arrays import symbol_columns, timeline_rows
from rustybt.data.schema import PRICE_COLUMNS
from rustybt.errors import ConfigError, DataError

SPLIT = "split"
DIVIDEND = "dividend"
KINDS = (SPLIT, DIVIDEND)

ACTIONS_SCHEMA = pa.schema(
    [
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("ex_date", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("pay_date", pa.timestamp("ns", tz="UTC"), nullable=True),
    ]
)
"""One row per action: ``ex_date`` is a session's date at 00:00 UTC; ``value`` is new shares
per old share for a split, cash per share for a dividend; ``pay_date`` only for dividends
(null: paid on the ex-date)."""

ACTION_COLUMNS: tuple[str, ...] = tuple(ACTIONS_SCHEMA.names)

ADJUSTMENTS = ("raw", "adjusted")
"""How a run treats corporate actions: ``raw`` bars with the actions applied on their dates
(zipline's way), or bars ``adjusted`` for them up to the end and no actions."""


def adjustment_mode(value: object) -> str:
    """``value`` as one of :data:`ADJUSTMENTS` (any case), or a :class:`ConfigError`."""
    mode = str(value).lower()
    if mode not in ADJUSTMENTS:
        raise ConfigError(f"adjustment must be raw or adjusted, not {value!r}")
    return mode


def empty_actions() -> pd.DataFrame:
    """A frame with the actions columns and dtypes and no rows (a new one each call)."""
    return _empty_actions().copy()


_PANDAS_DTYPES = {
    pa.string(): "str",
    pa.timestamp("ns", tz="UTC"): "datetime64[ns, UTC]",
    pa.float64(): "float64",
}
"""The dtype pyarrow's ``to_pandas`` gives each type of :data:`ACTIONS_SCHEMA`."""


@functools.cache
def _empty_actions() -> pd.DataFrame:
    # Built by pandas from empty arrays: the same frame as the schema's empty table
    # converted by pyarrow, without that first conversion's cost in every new process
    # (a few milliseconds), nor that of aligning empty Series (one).
    return pd.DataFrame(
        {field.name: pd.array([], dtype=_PANDAS_DTYPES[field.type]) for field in ACTIONS_SCHEMA}
    )


def validate_actions(actions: pd.DataFrame, *, where: str) -> pd.DataFrame:
    """``actions`` checked and in canonical form (the schema's columns and dtypes, sorted
    by symbol, ex-date and kind), or a :class:`DataError` naming ``where`` (a file, a
    source), the symbol, the date and the rule broken."""
    missing = [c for c in ACTION_COLUMNS if c not in actions.columns and c != "pay_date"]
    if missing:
        raise DataError(f"{where}: corporate actions lack the column(s) {', '.join(missing)}")
    if actions.empty:
        return empty_actions()
    frame = actions.copy()
    if "pay_date" not in frame.columns:
        frame["pay_date"] = pd.NaT
    frame = frame[list(ACTION_COLUMNS)]
    if frame.empty:
        return empty_actions()
    for name in ("ex_date", "pay_date"):
        stamps = pd.to_datetime(frame[name], utc=True, errors="coerce", format="ISO8601")
        bad = stamps.isna() & frame[name].notna() if name == "pay_date" else stamps.isna()
        if bad.any():
            row = frame[bad].iloc[0]
            raise DataError(
                f"{where}: {row['symbol']}: {name} {row[name]!r} is not a date; use YYYY-MM-DD"
            )
        frame[name] = stamps.astype("datetime64[ns, UTC]")
    frame["symbol"] = frame["symbol"].astype(str)
    frame["kind"] = frame["kind"].astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    for _, row in frame.iterrows():
        _check_row(row, where)
    frame = frame.sort_values(["symbol", "ex_date", "kind"], kind="stable")
    duplicated = frame.duplicated(["symbol", "ex_date", "kind"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise DataError(
            f"{where}: {row['symbol']}: two {row['kind']}s on {row['ex_date'].date()}; "
            "keep one row per symbol, date and kind"
        )
    return frame.reset_index(drop=True)


def _check_row(row: pd.Series, where: str) -> None:
    symbol, kind, value = row["symbol"], row["kind"], row["value"]
    day = row["ex_date"].date()
    if kind not in KINDS:
        raise DataError(
            f"{where}: {symbol}: unknown corporate action {kind!r} on {day}; "
            "use 'split' or 'dividend'"
        )
    if row["ex_date"] != row["ex_date"].normalize():
        raise DataError(f"{where}: {symbol}: the {kind} ex-date {row['ex_date']} is not a date")
    if not np.isfinite(value) or value <= 0:
        what = "new shares per old share" if kind == SPLIT else "cash per share"
        raise DataError(
            f"{where}: {symbol}: the {kind} on {day} has value {value!r}; it must be a "
            f"positive number ({what})"
        )
    pay = row["pay_date"]
    if kind == SPLIT and not pd.isna(pay):
        raise DataError(f"{where}: {symbol}: the split on {day} has a pay date; only dividends do")
    if kind == DIVIDEND and not pd.isna(pay) and pay < row["ex_date"]:
        raise DataError(
            f"{where}: {symbol}: the dividend with ex-date {day} is paid before it "
            f"({pay.date()}); the pay date is on or after the ex-date"
        )


def csvdir_actions(symbol: str, frame: pd.DataFrame, *, where: str) -> pd.DataFrame:
    """The actions in a zipline csvdir file's optional ``split`` and ``dividend`` columns
    (``frame`` indexed or columned by ``date``): a split where ``split`` is not 1, a dividend
    paid on its ex-date where ``dividend`` is not 0, as zipline's csvdir ingest reads them.
    An empty cell is no action."""
    dates = frame["date"] if "date" in frame.columns else frame.index.to_series()
    parts = []
    for column, kind, neutral in (("split", SPLIT, 1.0), ("dividend", DIVIDEND, 0.0)):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        unreadable = values.isna() & frame[column].notna() & (frame[column].astype(str) != "")
        if unreadable.any():
            day = pd.Timestamp(dates[unreadable].iloc[0]).date()
            raise DataError(
                f"{where}: {symbol}: {column} {frame[column][unreadable].iloc[0]!r} on {day} "
                "is not a number"
            )
        events = values.notna() & (values != neutral)
        if events.any():
            parts.append(
                pd.DataFrame(
                    {
                        "symbol": symbol,
                        "ex_date": pd.to_datetime(dates[events].to_numpy(), utc=True),
                        "kind": kind,
                        "value": values[events].to_numpy(dtype="float64"),
                        "pay_date": pd.NaT,
                    }
                )
            )
    if not parts:
        return empty_actions()
    return validate_actions(pd.concat(parts, ignore_index=True), where=where)


def has_actions(source: object) -> bool:
    """Whether ``source`` says which splits and dividends its symbols had (its bars are then
    raw); a source without actions gives bars as they are, often adjusted already."""
    return getattr(source, "fetch_actions", None) is not None


def source_actions(
    source: object, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The actions of ``symbols`` with ex-dates from ``start`` to ``end`` from ``source``'s
    optional ``fetch_actions(symbols, start, end)``, validated; none when the source has no
    such method (crypto venues, sources of adjusted bars)."""
    if not has_actions(source):
        return empty_actions()
    fetch = source.fetch_actions  # type: ignore[attr-defined]
    name = getattr(source, "name", type(source).__name__)
    return validate_actions(fetch(symbols, start, end), where=f"source {name!r}")


@attrs.frozen(kw_only=True)
class SplitEvent:
    """A split of the position in array column ``column``: prices are multiplied by
    ``ratio`` (old shares per new share, zipline's ratio: 0.25 for 4-for-1)."""

    column: int
    ratio: float


@attrs.frozen(kw_only=True)
class DividendEvent:
    """A cash dividend of ``amount`` per share of the asset in ``column``, earned at the
    start of its ex-date session and paid at the start of session ``pay_session`` (an index
    into the run's sessions; past the last when it is paid after the run)."""

    column: int
    amount: Decimal
    pay_session: int


@attrs.frozen(kw_only=True)
class Adjustments:
    """Multipliers that back-adjust one column's history: rows before bar ``bars[k]`` are
    multiplied by ``ratios[k]`` once the run has reached that bar (in order of ``bars``)."""

    bars: np.ndarray
    ratios: np.ndarray

    def factors(self, length: int) -> np.ndarray:
        """Per bar of a timeline ``length`` bars long, what adjusts it as of the last bar:
        the ratios of the adjustments after it, multiplied in order."""
        factors = np.ones(length)
        for bar, ratio in zip(self.bars.tolist(), self.ratios.tolist(), strict=True):
            factors[:bar] *= ratio
        return factors


@attrs.frozen(kw_only=True)
class RunActions:
    """A run's actions placed on its sessions and array columns (see :meth:`build`).

    ``splits``/``dividends`` by session index are what the engine applies at the start of
    that session, before any bar; ``prices``/``volumes`` by column are the adjustments of
    history windows: a split multiplies earlier prices by its ratio and earlier volumes by
    its inverse; a dividend multiplies earlier prices by ``1 - amount / close`` of the
    session before its ex-date (zipline's ratio; none when that session has no bar).
    """

    splits: Mapping[int, tuple[SplitEvent, ...]] = attrs.field(factory=dict)
    dividends: Mapping[int, tuple[DividendEvent, ...]] = attrs.field(factory=dict)
    prices: Mapping[int, Adjustments] = attrs.field(factory=dict)
    volumes: Mapping[int, Adjustments] = attrs.field(factory=dict)

    @property
    def empty(self) -> bool:
        """True when the run has no actions at all."""
        return not (self.splits or self.dividends)

    def applied_counts(self, from_session: int) -> dict[str, int]:
        """How many splits and dividends fall on sessions from ``from_session`` on (the
        ones a run from there applies; a dividend counts whether or not it was held)."""
        return {
            SPLIT: sum(len(e) for s, e in self.splits.items() if s >= from_session),
            DIVIDEND: sum(len(e) for s, e in self.dividends.items() if s >= from_session),
        }

    def back_adjust(
        self, bars: pd.DataFrame, timeline: pd.DatetimeIndex, symbols: Sequence[str]
    ) -> pd.DataFrame:
        """``bars`` (:data:`~rustybt.data.schema.BAR_SCHEMA`) adjusted for every action as of
        the last bar of ``timeline``: the prices before each ex-date multiplied by its ratio,
        the volumes by the inverse of its split ratio (``symbols`` in column order), as a
        source of adjusted bars would give them."""
        if not self.prices:
            return bars
        rows = timeline_rows(timeline, bars["timestamp"])
        columns = symbol_columns(bars["symbol"], list(symbols))
        adjusted = bars.copy()
        for table, fields in ((self.prices, PRICE_COLUMNS), (self.volumes, ("volume",))):
            for column, adjustments in table.items():
                mine = (columns == column) & (rows >= 0)
                factors = adjustments.factors(len(timeline))[rows[mine]]
                for field in fields:
                    values = adjusted[field].to_numpy(dtype="float64", copy=True)
                    values[mine] *= factors
                    adjusted[field] = values
        return adjusted

    @classmethod
    def build(
        cls,
        actions: pd.DataFrame,
        *,
        columns: Mapping[str, int],
        sessions: pd.DatetimeIndex,
        session_bounds: np.ndarray,
        closes: np.ndarray,
    ) -> RunActions:
        """Place ``actions`` (validated, :data:`ACTIONS_SCHEMA`) on the arrays of a run:
        its symbols are array columns ``columns``; its sessions (labels at 00:00 UTC, warm-up
        sessions included) span rows ``session_bounds[i]:session_bounds[i + 1]``; ``closes``
        (``[row, column]``) are the raw closes, NaN where there is no bar. Actions of other
        symbols, or whose ex-date is not one of the sessions after the first, are left out
        (as zipline applies an action only on a session, and the first has no earlier
        prices). A dividend whose previous session has no bar adjusts no prices, as in
        zipline, which cannot compute its ratio; it is still earned and paid."""
        if actions.empty:
            return cls()
        labels = sessions.as_unit("ns").asi8
        splits: dict[int, list[SplitEvent]] = {}
        dividends: dict[int, list[DividendEvent]] = {}
        prices: dict[int, tuple[list[int], list[float]]] = {}
        volumes: dict[int, tuple[list[int], list[float]]] = {}
        ex_ns = actions["ex_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        pay_ns = actions["pay_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        no_pay = actions["pay_date"].isna().to_numpy()
        rows = zip(
            actions["symbol"], actions["kind"], actions["value"], ex_ns, pay_ns, no_pay, strict=True
        )
        for symbol, kind, value, ex, pay, unpaid in rows:
            column = columns.get(symbol)
            session = int(np.searchsorted(labels, ex))
            if column is None or session == 0 or session >= len(labels) or labels[session] != ex:
                continue
            first_bar = int(session_bounds[session])
            if kind == SPLIT:
                ratio = 1.0 / float(value)
                splits.setdefault(session, []).append(SplitEvent(column=column, ratio=ratio))
                _add(prices, column, first_bar, ratio)
                _add(volumes, column, first_bar, 1.0 / ratio)
                continue
            paid = session if unpaid else int(np.searchsorted(labels, pay))
            dividends.setdefault(session, []).append(
                DividendEvent(column=column, amount=Decimal(repr(float(value))), pay_session=paid)
            )
            ratio = 1.0 - float(value) / _last_close(closes, session_bounds, session, column)
            if np.isfinite(ratio) and ratio > 0:
                _add(prices, column, first_bar, ratio)
        return cls(
            splits={s: tuple(e) for s, e in splits.items()},
            dividends={s: tuple(e) for s, e in dividends.items()},
            prices={c: _adjustments(bars, ratios) for c, (bars, ratios) in prices.items()},
            volumes={c: _adjustments(bars, ratios) for c, (bars, ratios) in volumes.items()},
        )


def _last_close(closes: np.ndarray, session_bounds: np.ndarray, session: int, column: int) -> float:
    """The close of the session before ``session`` (its last bar's), NaN when that
    session has no bar: zipline's dividend ratio takes that session's daily close."""
    rows = closes[int(session_bounds[session - 1]) : int(session_bounds[session]), column]
    traded = rows[~np.isnan(rows)]
    return float(traded[-1]) if len(traded) else float("nan")


def _add(
    table: dict[int, tuple[list[int], list[float]]], column: int, bar: int, ratio: float
) -> None:
    bars, ratios = table.setdefault(column, ([], []))
    bars.append(bar)
    ratios.append(ratio)


def _adjustments(bars: list[int], ratios: list[float]) -> Adjustments:
    # Stable by bar: on one ex-date zipline applies the dividend before the split, the
    # order validate_actions sorts them in (by kind).
    order = np.argsort(np.asarray(bars, dtype=np.int64), kind="stable")
    return Adjustments(
        bars=np.asarray(bars, dtype=np.int64)[order],
        ratios=np.asarray(ratios, dtype=np.float64)[order],
    )
