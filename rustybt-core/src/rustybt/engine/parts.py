"""The parts an engine is composed of, as protocols: what differs between a backtest, a
paper session and a live session is which of these it is given, and nothing else.

- a :class:`Clock` says when each bar runs (at once in a backtest; at its real or replayed
  time in a session, which may also decide to stop);
- a :class:`BarFeed` loads the bars known before the run and brings each bar that arrives
  during it;
- an :class:`Execution` takes the orders the strategy places and reports their fills to the
  engine's books (:class:`rustybt.engine.books.Books`);
- :class:`SessionObserver` objects hear about orders, fills and session ends (a journal, an
  event log); a backtest has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.source import DataSource
from rustybt.finance.order import Order
from rustybt.finance.transaction import Transaction

if TYPE_CHECKING:
    from rustybt.engine.engine import TradingEngine


class Clock(Protocol):
    """When bars run."""

    def bars(self, first: int, stop: int, bar_times_ns: Sequence[int]) -> Iterable[int]:
        """The bars ``first`` to ``stop - 1`` of a session, each given when it is due (bar
        ``b`` ends at ``bar_times_ns[b]``, UTC nanoseconds); ending before ``stop - 1``
        stops the run."""
        ...


class BarFeed(Protocol):
    """Where bars come from."""

    source: DataSource
    """The data source the bars come from (it knows which symbols exist)."""
    grows: bool
    """True when bars arrive while the engine runs (:meth:`arrive` returns them)."""

    def load(
        self,
        assets: Sequence[Asset],
        timeline: pd.DatetimeIndex,
        first_run_bar: int,
        frequency: str,
    ) -> pd.DataFrame:
        """The bars of ``assets`` known before the run, over ``timeline`` (bar labels, the
        warm-up bars then the run's from row ``first_run_bar``) at ``frequency`` (``1d``,
        ``1m``), in the canonical schema."""
        ...

    def arrive(self, bar: int, label: pd.Timestamp) -> pd.DataFrame | None:
        """The bars labelled ``label`` (row ``bar``) once they exist, or None when nothing
        new arrives (every bar was loaded up front)."""
        ...


class Execution(Protocol):
    """Executes the strategy's orders and reports fills to the engine's books."""

    def bind(self, engine: TradingEngine) -> None:
        """Attach to the engine whose books (orders, ledger, cost models) and bars it uses;
        called once, before ``initialize``."""
        ...

    def submit(self, order: Order) -> None:
        """Execute ``order``, just added to the book; rejecting it goes through the book."""
        ...

    def cancel(self, order: Order) -> None:
        """Stop executing ``order``, which the book is about to cancel."""
        ...

    def execute_bar(self, bar: int) -> None:
        """Report the fills that happened by bar ``bar``, before the strategy sees it."""
        ...


class SessionObserver(Protocol):
    """Hears what happens in a session (for journals and event logs)."""

    def order_placed(self, order: Order) -> None:
        """``order`` was placed and handed to the execution (it may be rejected already)."""
        ...

    def order_filled(self, order: Order, transaction: Transaction) -> None:
        """``transaction`` filled ``order`` and is booked in the ledger."""
        ...

    def session_ended(self, bar: int) -> None:
        """The session whose last bar is ``bar`` is fully processed."""
        ...
