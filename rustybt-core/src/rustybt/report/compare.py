"""A backtest beside the paper or live session of the same strategy: can its model be trusted?

:func:`compare_session` reads a session's state file (its fills, see
:mod:`rustybt.live.journal`) and event log (each session's closing portfolio value, the
``session_closed`` and ``sessions_closed`` events) and sets them against a backtest over
the same sessions:

- the **equity overlay**: the backtest's and the session's portfolio value at each
  session's close;
- **fill by fill**: each session fill paired with the backtest fill of the same asset and
  side on the nearest day (within :data:`MATCH_WINDOW`), with the difference in price and
  the session's slippage against the backtest, in price and in basis points;
- **missed fills** (the backtest's, unpaired) and **extra fills** (the session's, unpaired).

Only the sessions both cover are compared. :func:`write_comparison_report` writes the page
(the shell of :mod:`rustybt.report.html`), whose parts keep stable ids: the charts
``chart-equity-overlay`` and ``chart-fill-differences``; the tables ``comparison-summary``
(one ``<tr data-metric="NAME">`` per figure of :class:`ComparisonSummary`, the exact value
in its ``<td>``'s ``data-value``), ``matched-fills-table`` (one
``<tr class="rustybt-fill-pair">`` per pair), ``missed-fills-table`` and
``extra-fills-table`` (one ``<tr class="rustybt-missed-fill">`` /
``<tr class="rustybt-extra-fill">`` per fill).
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from rustybt.errors import ConfigError, DataError
from rustybt.live.journal import SCHEMA_VERSION, read_only_state_file, state_file_version
from rustybt.operations.event_log import LogEvent, read_event_log
from rustybt.report.figures import Chart, chart_layout, finite_values, plotly_module
from rustybt.report.html import cell, chart_section, escaped, formatted, render_page, write_page
from rustybt.report.load import ONE_NANOSECOND, BacktestResults, load_results, run_results

if TYPE_CHECKING:
    from rustybt.engine.results import BacktestResult

MATCH_WINDOW = pd.Timedelta(days=4)
"""How far apart in days a session fill and a backtest fill may be and still be paired:
a Friday's fill and the next Tuesday's are, so a fill a session late across a weekend is
still the same trade."""

BASIS_POINTS = 10_000.0


@attrs.frozen(kw_only=True)
class Fill:
    """One fill, of the backtest or of the session: ``amount`` signed (negative sells),
    ``price`` per unit, ``commission`` paid, at ``dt``, on the session dated ``day`` (UTC
    midnight), of order ``order_id``."""

    symbol: str
    amount: float
    price: float
    commission: float
    dt: pd.Timestamp
    day: pd.Timestamp
    order_id: str

    @property
    def side(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self.amount > 0 else -1


@attrs.frozen(kw_only=True)
class FillPair:
    """A session fill and the backtest fill it stands for (same asset and side)."""

    backtest: Fill
    session: Fill

    @property
    def price_difference(self) -> float:
        """The session's price minus the backtest's."""
        return self.session.price - self.backtest.price

    @property
    def slippage(self) -> float:
        """How much worse per unit the session traded than the backtest modelled: the price
        difference for a buy, its negative for a sell (negative: the session did better)."""
        return self.backtest.side * self.price_difference

    @property
    def slippage_bps(self) -> float:
        """:attr:`slippage` in basis points of the backtest's price."""
        return self.slippage / self.backtest.price * BASIS_POINTS

    @property
    def cost_difference(self) -> float:
        """What the session's fill cost beyond the backtest's prices and commission: the
        price difference times the session's amount, plus the commission difference
        (positive: the session paid more, or received less)."""
        commission = self.session.commission - self.backtest.commission
        return self.price_difference * self.session.amount + commission


@attrs.frozen(kw_only=True)
class ComparisonSummary:
    """The comparison in figures; the price figures are None without a pair, the equity
    figures None without a session close both sides record."""

    sessions: int
    backtest_fills: int
    session_fills: int
    matched: int
    missed: int
    extra: int
    mean_abs_price_difference: float | None
    max_abs_price_difference: float | None
    mean_slippage_bps: float | None
    mean_abs_slippage_bps: float | None
    max_abs_slippage_bps: float | None
    total_cost_difference: float
    final_backtest_value: float | None
    final_session_value: float | None
    final_value_difference: float | None
    max_abs_value_difference: float | None

    def rows(self) -> list[tuple[str, str, float | int | None, str]]:
        """``(name, label, value, text)`` per figure, in the page's order."""
        return [
            (name, label, value, formatted(value, pattern))
            for name, label, pattern in SUMMARY_ROWS
            for value in [getattr(self, name)]
        ]


SUMMARY_ROWS = (
    ("sessions", "Sessions compared", "{:,}"),
    ("backtest_fills", "Backtest fills", "{:,}"),
    ("session_fills", "Session fills", "{:,}"),
    ("matched", "Matched fills", "{:,}"),
    ("missed", "Missed fills (backtest only)", "{:,}"),
    ("extra", "Extra fills (session only)", "{:,}"),
    ("mean_abs_price_difference", "Mean absolute price difference", "{:,.6f}"),
    ("max_abs_price_difference", "Max absolute price difference", "{:,.6f}"),
    ("mean_slippage_bps", "Mean slippage vs backtest (bps)", "{:,.2f}"),
    ("mean_abs_slippage_bps", "Mean absolute slippage (bps)", "{:,.2f}"),
    ("max_abs_slippage_bps", "Max absolute slippage (bps)", "{:,.2f}"),
    ("total_cost_difference", "Total cost difference", "{:,.2f}"),
    ("final_backtest_value", "Final backtest value", "{:,.2f}"),
    ("final_session_value", "Final session value", "{:,.2f}"),
    ("final_value_difference", "Final value difference (session - backtest)", "{:,.2f}"),
    ("max_abs_value_difference", "Max absolute value difference", "{:,.2f}"),
)


@attrs.frozen(kw_only=True, eq=False)
class SessionComparison:
    """A backtest set against a paper or live session over the sessions both cover.

    ``equity`` has one row per compared session (UTC midnight) and the columns
    ``backtest`` and ``session``: the portfolio values at its close (NaN where the session's
    log records none). ``pairs`` are the fills both made, ``missed`` the backtest's fills
    the session did not make, ``extra`` the session's fills the backtest did not make, each
    in time order. ``mode`` is the session's (``paper`` or ``live``; None when its log does
    not say).
    """

    equity: pd.DataFrame
    pairs: tuple[FillPair, ...]
    missed: tuple[Fill, ...]
    extra: tuple[Fill, ...]
    backtest_fills: int
    session_fills: int
    state_file: Path
    event_log: Path | None
    backtest_source: Path | None
    mode: str | None

    @property
    def summary(self) -> ComparisonSummary:
        """The comparison's figures."""
        prices = np.array([abs(p.price_difference) for p in self.pairs])
        bps = np.array([p.slippage_bps for p in self.pairs])
        both = self.equity.dropna()
        gaps = (both["session"] - both["backtest"]).to_numpy()
        return ComparisonSummary(
            sessions=len(self.equity),
            backtest_fills=self.backtest_fills,
            session_fills=self.session_fills,
            matched=len(self.pairs),
            missed=len(self.missed),
            extra=len(self.extra),
            mean_abs_price_difference=_stat(np.mean, prices),
            max_abs_price_difference=_stat(np.max, prices),
            mean_slippage_bps=_stat(np.mean, bps),
            mean_abs_slippage_bps=_stat(np.mean, np.abs(bps)),
            max_abs_slippage_bps=_stat(np.max, np.abs(bps)),
            total_cost_difference=float(sum(p.cost_difference for p in self.pairs)),
            final_backtest_value=_last(both["backtest"]),
            final_session_value=_last(both["session"]),
            final_value_difference=None if not len(gaps) else float(gaps[-1]),
            max_abs_value_difference=_stat(np.max, np.abs(gaps)),
        )


def compare_session(
    backtest: BacktestResults,
    state_file: str | Path,
    event_log: str | Path | None = None,
    *,
    window: pd.Timedelta = MATCH_WINDOW,
) -> SessionComparison:
    """Set ``backtest`` against the session whose state file is ``state_file`` and whose
    JSON-lines log (``--log-file``) is ``event_log``, over the sessions both cover: from the
    session's first to its last (by the log's ``session_closed`` events, else its
    ``heartbeat`` events, else the state file's checkpoints). Fills are paired as the
    module says, within ``window`` days. The files are only read.

    Raises:
        ConfigError: ``state_file`` does not exist or is not a RustyBT state file.
        DataError: the state file holds no fills and no log records a session's value;
            ``event_log`` is missing or not JSON lines; the session's dates do not overlap
            the backtest's.
    """
    state = _read_state(Path(state_file))
    log = None if event_log is None else _read_log(Path(event_log))
    closes = {} if log is None else _session_values(log.events)
    if not state.fills and not closes:
        if event_log is None:
            raise DataError(
                f"state file {state.path} holds no fills and no event log was given: there is "
                "nothing to compare; give the session's --log-file too"
            )
        raise DataError(
            f"state file {state.path} holds no fills and its log {event_log} records no "
            "session's portfolio value: there is nothing to compare"
        )
    days = sorted(closes) or state.days
    first, last = days[0], days[-1]
    index = backtest.frame.index
    compared = index[(index >= first) & (index <= last)]
    if compared.empty:
        raise DataError(
            f"the session ({first:%Y-%m-%d} to {last:%Y-%m-%d}) does not overlap the backtest "
            f"({index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}): run the backtest over the "
            "session's dates"
        )
    start, end = compared[0], compared[-1]

    def inside(fills: Iterable[Fill]) -> list[Fill]:
        return [fill for fill in fills if start <= fill.day <= end]

    ours = inside(_backtest_fill(raw) for raw in backtest.transactions)
    theirs = inside(state.fills)
    pairs, missed, extra = match_fills(ours, theirs, window=window)
    equity = pd.DataFrame(
        {
            "backtest": backtest.frame["portfolio_value"].loc[compared].astype("float64"),
            "session": pd.Series(closes, dtype="float64").reindex(compared),
        },
        index=compared,
    )
    return SessionComparison(
        equity=equity,
        pairs=pairs,
        missed=missed,
        extra=extra,
        backtest_fills=len(ours),
        session_fills=len(theirs),
        state_file=state.path,
        event_log=None if event_log is None else Path(event_log),
        backtest_source=backtest.source,
        mode=None if log is None else _mode(log.events),
    )


def match_fills(
    backtest: Sequence[Fill], session: Sequence[Fill], *, window: pd.Timedelta = MATCH_WINDOW
) -> tuple[tuple[FillPair, ...], tuple[Fill, ...], tuple[Fill, ...]]:
    """Pair ``session`` fills with ``backtest`` fills one to one: same symbol and side, at
    most ``window`` apart in days; the closest days first, then the closest times, then the
    closest amounts. Returns the pairs (in the session's order), the backtest's unpaired
    fills and the session's (each in time order)."""
    by_kind: dict[tuple[str, int], list[int]] = {}
    for b, ours in enumerate(backtest):
        by_kind.setdefault((ours.symbol, ours.side), []).append(b)
    for kind in by_kind.values():
        kind.sort(key=lambda b: backtest[b].day)
    candidates = []
    for s, theirs in enumerate(session):
        kind = by_kind.get((theirs.symbol, theirs.side), [])
        days = [backtest[b].day for b in kind]
        low = bisect.bisect_left(days, theirs.day - window)
        high = bisect.bisect_right(days, theirs.day + window)
        for b in kind[low:high]:
            ours = backtest[b]
            candidates.append(
                (
                    abs(theirs.day - ours.day),
                    abs(theirs.dt - ours.dt),
                    abs(theirs.amount - ours.amount),
                    b,
                    s,
                )
            )
    candidates.sort()
    paired_backtest: dict[int, int] = {}
    paired_session: set[int] = set()
    for *_, b, s in candidates:
        if b not in paired_backtest and s not in paired_session:
            paired_backtest[b] = s
            paired_session.add(s)
    pairs = sorted(
        (FillPair(backtest=backtest[b], session=session[s]) for b, s in paired_backtest.items()),
        key=lambda pair: (pair.session.dt, pair.session.symbol),
    )
    missed = [fill for b, fill in enumerate(backtest) if b not in paired_backtest]
    extra = [fill for s, fill in enumerate(session) if s not in paired_session]
    return tuple(pairs), tuple(sorted(missed, key=_when)), tuple(sorted(extra, key=_when))


def _when(fill: Fill) -> tuple[pd.Timestamp, str]:
    return fill.dt, fill.symbol


def write_comparison_report(
    results_file_or_results: str | Path | BacktestResults | BacktestResult,
    state_file: str | Path,
    output: str | Path,
    *,
    event_log: str | Path | None = None,
) -> Path:
    """Write the backtest-vs-session page of the backtest (its results file, as ``rustybt
    run -o`` writes it, its results read by :mod:`rustybt.report.load`, or a run's
    result) and the session of ``state_file`` and ``event_log`` (see
    :func:`compare_session`) to ``output``, atomically: on any error no file is left at
    ``output``. Returns ``output``.

    Raises:
        ConfigError: a file does not exist, ``state_file`` is not a state file,
            ``output``'s directory does not exist, or plotly is not installed.
        DataError: as :func:`compare_session` and
            :func:`rustybt.report.load.load_results` say.
    """
    given = results_file_or_results
    if isinstance(given, BacktestResults):
        results = given
    elif isinstance(given, str | Path):
        results = load_results(given)
    else:
        results = run_results(given)
    comparison = compare_session(results, state_file, event_log)
    return write_page(render_comparison(comparison), output)


def render_comparison(comparison: SessionComparison) -> str:
    """The whole page of ``comparison`` (see the module's docstring for its parts)."""
    who = comparison.mode or "paper or live"
    title = f"Backtest vs {who} session"
    index = comparison.equity.index
    sources = [f"state file {comparison.state_file}"]
    if comparison.event_log is not None:
        sources.append(f"log {comparison.event_log}")
    if comparison.backtest_source is not None:
        sources.insert(0, f"backtest {comparison.backtest_source}")
    subtitle = (
        f"{index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}, {len(index):,} sessions; "
        + ", ".join(sources)
    )
    sections = [
        '<section id="comparison">',
        "<h2>Summary</h2>",
        _summary_table(comparison.summary),
        "</section>",
        *(chart_section(chart) for chart in comparison_charts(comparison)),
        '<section id="matched-fills">',
        f"<h2>Matched fills ({len(comparison.pairs):,})</h2>",
        _pairs_table(comparison.pairs),
        "</section>",
        '<section id="missed-fills">',
        f"<h2>Missed fills: in the backtest, not in the session ({len(comparison.missed):,})</h2>",
        _fills_table("missed-fills-table", "rustybt-missed-fill", comparison.missed),
        "</section>",
        '<section id="extra-fills">',
        f"<h2>Extra fills: in the session, not in the backtest ({len(comparison.extra):,})</h2>",
        _fills_table("extra-fills-table", "rustybt-extra-fill", comparison.extra),
        "</section>",
    ]
    return render_page(title, subtitle, sections)


def comparison_charts(comparison: SessionComparison) -> list[Chart]:
    """The page's charts: the equity overlay and the fill-by-fill slippage."""
    return [
        Chart(
            id="chart-equity-overlay",
            title="Portfolio value at each session's close: backtest and session",
            figure=equity_overlay_figure(comparison),
        ),
        Chart(
            id="chart-fill-differences",
            title="Slippage of each session fill against its backtest fill (bps)",
            figure=fill_differences_figure(comparison),
        ),
    ]


def equity_overlay_figure(comparison: SessionComparison) -> Any:
    """The backtest's and the session's portfolio values, session by session, and the
    session's minus the backtest's on the right-hand axis."""
    go = plotly_module("plotly.graph_objects")
    equity = comparison.equity
    dates = [f"{day:%Y-%m-%d}" for day in equity.index]
    figure = go.Figure()
    for column, name in (("backtest", "Backtest"), ("session", "Session")):
        figure.add_trace(
            go.Scatter(x=dates, y=finite_values(equity[column]), name=name, mode="lines")
        )
    figure.add_trace(
        go.Scatter(
            x=dates,
            y=finite_values(equity["session"] - equity["backtest"]),
            name="Session - backtest",
            mode="lines",
            yaxis="y2",
            line={"dash": "dot", "color": "#7f8c8d"},
        )
    )
    figure.update_layout(
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ",.0f", "showgrid": False}
    )
    return _layout(figure, y_format=",.0f")


def fill_differences_figure(comparison: SessionComparison) -> Any:
    """A bar per matched fill: the session's slippage against the backtest in basis points
    (up: the session traded worse), labelled by date, symbol and side."""
    go = plotly_module("plotly.graph_objects")
    labels = [
        f"{pair.session.dt:%Y-%m-%d %H:%M} {pair.session.symbol} "
        f"{'buy' if pair.session.side > 0 else 'sell'}"
        for pair in comparison.pairs
    ]
    values = [pair.slippage_bps for pair in comparison.pairs]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            name="Slippage (bps)",
            marker={"color": ["#c0392b" if value > 0 else "#27ae60" for value in values]},
            customdata=[pair.price_difference for pair in comparison.pairs],
            hovertemplate="%{x}: %{y:.2f} bps (price %{customdata:+.6f})<extra></extra>",
        )
    )
    figure.update_xaxes(type="category")
    return _layout(figure, y_format=".1f")


# -- reading the session -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _State:
    path: Path
    fills: tuple[Fill, ...]
    days: tuple[pd.Timestamp, ...]
    """The session's first and last days by its checkpoints, or its fills' (none: neither)."""


def _read_state(path: Path) -> _State:
    if not path.is_file():
        raise ConfigError(
            f"state file {path} does not exist: give the --state file of the paper or live "
            "session to compare"
        )
    try:
        with read_only_state_file(path) as db:
            version = state_file_version(db)
            if not version:
                raise _not_a_state_file(path)
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"state file {path} was written by a newer RustyBT (schema {version}, this "
                    f"version reads up to {SCHEMA_VERSION}): upgrade RustyBT to compare it"
                )
            rows = db.execute(
                "SELECT symbol, amount, price, commission, dt, client_order_id FROM fills"
                " ORDER BY bar, rowid"
            ).fetchall()
            first = db.execute("SELECT value FROM meta WHERE key = 'first_bar_time'").fetchone()
            last = db.execute("SELECT max(bar_time) FROM checkpoints").fetchone()
    except sqlite3.OperationalError as exc:
        raise ConfigError(
            f"cannot read state file {path} ({exc}): make it readable, or give another file"
        ) from None
    except sqlite3.DatabaseError:
        raise _not_a_state_file(path) from None
    fills = tuple(
        _fill(symbol, amount, price, commission, dt, order_id)
        for symbol, amount, price, commission, dt, order_id in rows
    )
    bounds = [_day_of_bar(text) for text in (first and first[0], last[0]) if text]
    days = sorted(bounds or {fill.day for fill in fills})
    return _State(path=path, fills=fills, days=tuple(days[:1] + days[-1:]))


def _not_a_state_file(path: Path) -> ConfigError:
    return ConfigError(
        f"{path} is not a RustyBT state file: give the --state file that `rustybt paper-trade` "
        "or `rustybt live-trade` wrote"
    )


def _read_log(path: Path) -> Any:
    log = read_event_log([path])
    if not log.events:
        what = "none of its lines is a JSON event" if log.garbage_lines else "it holds no events"
        raise DataError(
            f"{path} is not a session's event log ({what}): give the --log-file of the "
            "paper or live session"
        )
    return log


def _session_values(events: Sequence[LogEvent]) -> dict[pd.Timestamp, float]:
    """Each session's closing portfolio value by its date: the ``session_closed`` and
    ``sessions_closed`` events'; in a log without them (RustyBT before they were logged),
    the last heartbeat of each bar's day."""
    closes = {day: value for e in events for day, value in _closes(e)}
    if closes:
        return closes
    return {
        _day_of_bar(str(e.fields["last_bar"])): float(e.fields["portfolio_value"])
        for e in events
        if e.event == "heartbeat" and e.fields.get("last_bar") and "portfolio_value" in e.fields
    }


def _closes(event: LogEvent) -> list[tuple[pd.Timestamp, float]]:
    """The date and closing portfolio value of each session ``event`` says closed (none
    for other events).

    Raises:
        DataError: a date or value that is not one, or a ``sessions_closed`` line whose
            lists differ in length.
    """
    fields = event.fields
    if event.event == "session_closed" and "session" in fields:
        pairs = [(fields["session"], fields.get("portfolio_value", ""))]
    elif event.event == "sessions_closed" and "sessions" in fields:
        days, values = fields["sessions"], fields.get("portfolio_values")
        if not isinstance(days, list) or not isinstance(values, list) or len(days) != len(values):
            raise DataError(
                f"{event.file}, line {event.line}: a sessions_closed event needs lists "
                "'sessions' and 'portfolio_values' of the same length; the log is damaged"
            )
        pairs = list(zip(days, values, strict=True))
    else:
        return []
    try:
        return [(pd.Timestamp(str(day), tz="UTC"), float(value)) for day, value in pairs]
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{event.file}, line {event.line}: {event.event} holds a session date or value "
            f"that is not one ({exc}); the log is damaged"
        ) from None


def _mode(events: Sequence[LogEvent]) -> str | None:
    modes = [e.fields.get("mode") for e in events if e.event == "engine_started"]
    return str(modes[-1]) if modes and modes[-1] else None


# -- fills -----------------------------------------------------------------------------------


def _backtest_fill(raw: Mapping[str, Any]) -> Fill:
    return _fill(
        raw.get("symbol", ""),
        raw.get("amount", 0),
        raw.get("price", 0),
        raw.get("commission") or 0,
        raw.get("dt", ""),
        raw.get("order_id", ""),
    )


def _fill(
    symbol: object, amount: object, price: object, commission: object, dt: object, order: object
) -> Fill:
    moment = pd.Timestamp(str(dt))
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return Fill(
        symbol=str(symbol),
        amount=float(str(amount)),
        price=float(str(price)),
        commission=float(str(commission)),
        dt=moment,
        day=_day_of_fill(moment),
        order_id=str(order),
    )


def _day_of_fill(moment: pd.Timestamp) -> pd.Timestamp:
    """The date labelling the session of a fill at ``moment`` (UTC): the instant before it
    falls on that date, as :func:`rustybt.report.load.results_from_frame` reads a close (a
    24/7 session closes at the next midnight)."""
    return (moment - ONE_NANOSECOND).normalize()


def _day_of_bar(text: str) -> pd.Timestamp:
    """The date of a bar's time as the journal and the log write it (a daily bar's is its
    session's UTC midnight)."""
    moment = pd.Timestamp(text)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return moment.normalize()


# -- the page's tables ---------------------------------------------------------------------

PAIR_COLUMNS = (
    "Backtest date",
    "Session date",
    "Symbol",
    "Side",
    "Backtest amount",
    "Session amount",
    "Backtest price",
    "Session price",
    "Difference",
    "Slippage",
    "Slippage (bps)",
    "Cost difference",
)
FILL_COLUMNS = ("Date", "Symbol", "Side", "Amount", "Price", "Commission", "Value", "Order")


def _summary_table(summary: ComparisonSummary) -> str:
    lines = ['<table id="comparison-summary">']
    for name, label, value, text in summary.rows():
        exact = "" if value is None else repr(value)
        lines.append(
            f'<tr data-metric="{escaped(name)}"><th>{escaped(label)}</th>'
            f'<td class="number" data-value="{escaped(exact)}">{escaped(text)}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def _pairs_table(pairs: Sequence[FillPair]) -> str:
    if not pairs:
        return _empty("matched-fills-table", "No fill of the session matches one of the backtest.")
    lines = ['<table id="matched-fills-table">', _header(PAIR_COLUMNS)]
    for pair in pairs:
        ours, theirs = pair.backtest, pair.session
        cells = [
            _date_cell(ours.dt),
            _date_cell(theirs.dt),
            cell(theirs.symbol),
            cell(_side(theirs)),
            _number_cell(ours.amount, "{:,.8g}"),
            _number_cell(theirs.amount, "{:,.8g}"),
            _number_cell(ours.price, "{:,.6f}"),
            _number_cell(theirs.price, "{:,.6f}"),
            _number_cell(pair.price_difference, "{:+,.6f}"),
            _number_cell(pair.slippage, "{:+,.6f}"),
            _number_cell(pair.slippage_bps, "{:+,.2f}"),
            _number_cell(pair.cost_difference, "{:+,.2f}"),
        ]
        lines.append(f'<tr class="rustybt-fill-pair">{"".join(cells)}</tr>')
    lines.append("</table>")
    return "\n".join(lines)


def _fills_table(table_id: str, row_class: str, fills: Sequence[Fill]) -> str:
    if not fills:
        return _empty(table_id, "None.")
    lines = [f'<table id="{table_id}">', _header(FILL_COLUMNS)]
    for fill in fills:
        cells = [
            _date_cell(fill.dt),
            cell(fill.symbol),
            cell(_side(fill)),
            _number_cell(fill.amount, "{:,.8g}"),
            _number_cell(fill.price, "{:,.6f}"),
            _number_cell(fill.commission, "{:,.2f}"),
            _number_cell(fill.amount * fill.price, "{:,.2f}"),
            cell(fill.order_id),
        ]
        lines.append(f'<tr class="{row_class}">{"".join(cells)}</tr>')
    lines.append("</table>")
    return "\n".join(lines)


def _empty(table_id: str, message: str) -> str:
    return f'<table id="{table_id}"><tr><td>{escaped(message)}</td></tr></table>'


def _header(columns: Sequence[str]) -> str:
    return "<tr>" + "".join(f"<th>{escaped(name)}</th>" for name in columns) + "</tr>"


def _date_cell(moment: pd.Timestamp) -> str:
    return f'<td style="white-space: nowrap">{moment:%Y-%m-%d %H:%M}</td>'


def _number_cell(value: float, pattern: str) -> str:
    return cell(pattern.format(value), number=True)


def _side(fill: Fill) -> str:
    return "buy" if fill.side > 0 else "sell"


# -- numbers -------------------------------------------------------------------------------


def _stat(function: Callable[[np.ndarray], Any], values: np.ndarray) -> float | None:
    return float(function(values)) if len(values) else None


def _last(values: pd.Series) -> float | None:
    return float(values.iloc[-1]) if len(values) else None


def _layout(figure: Any, *, y_format: str) -> Any:
    chart_layout(figure, y_format=y_format)
    # Wider margins than a backtest chart's: room for the overlay's right-hand axis.
    figure.update_layout(margin={"l": 70, "r": 70, "t": 20, "b": 60})
    return figure
