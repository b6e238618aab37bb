"""What a backtest returns: the per-session results frame, the summary, the exact ledger.

In a notebook the result shows as its summary table and draws (``plot``) or writes
(``report``) its HTML report; the report's modules and plotly load only when asked.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

from rustybt.atomic_files import atomic_path
from rustybt.engine.perf_frame import DETAIL_COLUMNS
from rustybt.engine.records import AppliedAction
from rustybt.finance.transaction import Transaction
from rustybt.metrics import PerformanceSummary

OBJECT_COLUMNS = ("positions", "transactions", "orders", "actions")


@attrs.frozen(kw_only=True)
class RunTimings:
    """Where a run's wall-clock time went, in seconds (``time.perf_counter``).

    ``load`` is ``initialize`` plus reading, validating and preparing the bars; ``simulate``
    the bar loop (the strategy, orders, fills and per-session records); ``results`` each
    session's figures, the summary and ``analyze`` (the frame is built when first read,
    which is in ``analyze`` when the strategy has one).
    """

    load: float
    simulate: float
    results: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready: each phase in seconds."""
        return attrs.asdict(self)


class LazyFrame:
    """A run's results frame, built the first time it is read; and its figures alone.

    Zipline's ``positions``, ``transactions`` and ``orders`` hold a dict per session and
    held position, fill or order: on 100 assets over 10 years that is more than half the
    time a run spends on its results and about 25 MB. A run read only through its summary
    (``rustybt run`` without ``-o``) never makes them, and one read through its figures
    (a sweep's metrics: :meth:`figures`) makes the frame without them. Pickled, it is the
    frame itself.
    """

    __slots__ = ("_build", "_build_figures", "_figures", "_frame")

    def __init__(
        self,
        build: Callable[[], pd.DataFrame],
        figures: Callable[[], pd.DataFrame] | None = None,
    ) -> None:
        self._build: Callable[[], pd.DataFrame] | None = build
        self._build_figures = figures
        self._frame: pd.DataFrame | None = None
        self._figures: pd.DataFrame | None = None

    @property
    def built(self) -> bool:
        """True once the whole frame exists."""
        return self._frame is not None

    def get(self) -> pd.DataFrame:
        """The frame: built now when it has not been (once; what built it is let go)."""
        if self._frame is None:
            assert self._build is not None  # set until the frame is built
            self._frame, self._build = self._build(), None
        return self._frame

    def figures(self) -> pd.DataFrame:
        """The frame but for its lists of dicts (:data:`DETAIL_COLUMNS`), built once: from
        the run's figures alone while the whole frame has not been made."""
        if self._figures is None:
            if self._build_figures is not None and self._frame is None:
                self._figures = self._build_figures()
            else:
                frame = self.get()
                self._figures = frame.drop(columns=[c for c in DETAIL_COLUMNS if c in frame])
            self._build_figures = None
        return self._figures

    def __reduce__(self) -> tuple[Any, ...]:
        return (lazy_frame, (self.get(),))


def lazy_frame(frame: pd.DataFrame | LazyFrame) -> LazyFrame:
    """``frame`` as a :class:`LazyFrame` (already built when it is a DataFrame)."""
    if isinstance(frame, LazyFrame):
        return frame
    built = LazyFrame(lambda: frame)
    built.get()
    return built


@attrs.frozen(kw_only=True)
class BacktestResult:
    """A finished backtest.

    ``frame`` is zipline's perf frame (:func:`rustybt.engine.perf_frame.perf_frame`):
    indexed by each session's close (UTC), with zipline's columns (``portfolio_value``,
    ``returns``, ``pnl``, the exposures, the cumulative risk metrics, ``positions``,
    ``transactions``, ``orders``, …, then ``actions``: the splits and dividends applied at
    each session's start) and the recorded variables; its figures are floats for analysis.
    ``ending_cash`` and ``ending_value`` are the exact final figures, ``transactions`` every
    fill and ``actions`` every split applied and dividend paid, in order, exactly.
    ``timings`` says how long each phase of the run took (None for a result not made by
    ``TradingEngine.run``).

    ``params`` are the strategy's resolved parameters (also ``frame.attrs["params"]``).
    The frame is built the first time it is read (:class:`LazyFrame`).

    In a notebook it shows as its summary (``_repr_html_``); :meth:`plot` draws its equity
    curve and :meth:`report` writes its HTML report.
    """

    _frame: LazyFrame = attrs.field(alias="frame", converter=lazy_frame, eq=False)
    summary: PerformanceSummary
    starting_cash: Decimal
    ending_cash: Decimal
    ending_value: Decimal
    transactions: tuple[Transaction, ...]
    data_provenance: dict[str, Any]
    actions: tuple[AppliedAction, ...] = ()
    timings: RunTimings | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """Zipline's perf frame of the run (built when first read), with the strategy's
        parameters in ``attrs["params"]``."""
        frame = self._frame.get()
        frame.attrs["params"] = dict(self.params)
        return frame

    @property
    def figures(self) -> pd.DataFrame:
        """:attr:`frame` without its lists of positions, transactions, orders and actions
        (every other column, the same values): what analysing the returns, values and
        exposures needs, made in a fraction of the frame's time and memory."""
        figures = self._frame.figures()
        figures.attrs["params"] = dict(self.params)
        return figures

    def to_dict(self) -> dict[str, Any]:
        """The summary, exact final figures, the splits and dividends applied and phase
        timings, JSON-ready."""
        return {
            "summary": self.summary.to_dict(),
            "starting_cash": str(self.starting_cash),
            "ending_cash": str(self.ending_cash),
            "ending_portfolio_value": str(self.ending_value),
            "transactions": len(self.transactions),
            "actions": [action.to_dict() for action in self.actions],
            "data": self.data_provenance,
            "timings": None if self.timings is None else self.timings.to_dict(),
        }

    def write_parquet(self, path: str | Path) -> Path:
        """Write ``frame`` to ``path`` atomically (temp file in the same directory, then rename).

        The dict columns (``positions``, ``transactions``, ``orders``, ``actions``) are
        stored as JSON text with Decimals as strings, so nothing is rounded (an asset as its
        repr, ``Asset('AAA')``; a date in ISO form).
        """
        frame = self.frame.copy()
        for column in OBJECT_COLUMNS:
            frame[column] = frame[column].map(lambda value: json.dumps(value, default=str))
        frame.columns = [str(c) for c in frame.columns]
        with atomic_path(path) as temporary:
            frame.to_parquet(temporary)
        return Path(path)

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for notebooks: the period, every figure of
        :meth:`rustybt.metrics.PerformanceSummary.rows` as ``rustybt run`` prints it, then
        the strategy's parameters when it has any."""
        rows = self.summary.rows()
        rows += [(f"Parameter {name}", _param_text(value)) for name, value in self.params.items()]
        period = f"{self.summary.start:%Y-%m-%d} to {self.summary.end:%Y-%m-%d}"
        lines = [
            '<table class="rustybt-result">',
            f"<caption>Backtest, {html.escape(period)}</caption>",
        ]
        lines += [
            f"<tr><th>{html.escape(label)}</th>"
            f'<td style="text-align: right">{html.escape(value)}</td></tr>'
            for label, value in rows
        ]
        lines.append("</table>")
        return "\n".join(lines)

    def plot(self) -> Any:
        """The strategy's and the benchmark's cumulative returns, session by session, as a
        Plotly figure: the report's equity chart (:func:`rustybt.report.figures.equity_figure`).

        Raises:
            ConfigError: plotly is not installed; the message gives the command installing it.
        """
        from rustybt.report.figures import equity_figure
        from rustybt.report.load import run_results

        return equity_figure(run_results(self))

    def report(self, path: str | Path) -> Path:
        """Write this run's HTML report to ``path``, atomically: the page ``rustybt report``
        makes of the file :meth:`write_parquet` writes, but for the header naming that file.
        Returns ``path``.

        Raises:
            ConfigError: ``path``'s directory does not exist, or plotly is not installed.
        """
        from rustybt.report.html import write_results_report
        from rustybt.report.load import run_results

        return write_results_report(run_results(self), path)


def _param_text(value: object) -> str:
    """A parameter as given on a command line (``-D flag=true``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)
