"""Round trips: the fills of a run paired first in, first out, per asset, into trades that
opened and closed a position, each with its profit or loss.

Splits carry open lots through (more shares at a lower price, the same cost); dividends
and the cash paid for a split's fraction of a share are no part of a round trip's P&L.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.engine.records import AppliedAction, AppliedSplit
from rustybt.finance.transaction import Transaction


@attrs.frozen(kw_only=True)
class RoundTrip:
    """A fill that reduced a position, paired with the fills that opened what it closed.

    ``amount`` is the amount closed, signed as the position was (positive for a long);
    ``opened`` is when the earliest of the opening fills it closes was made, ``closed``
    when the closing fill was. ``pnl`` is exact: the closed amount's price difference,
    less the commissions of the opening fills in proportion to the amount closed and the
    closing fill's commission in proportion to the part of it that closed.
    """

    asset: Asset
    opened: pd.Timestamp
    closed: pd.Timestamp
    amount: Decimal
    pnl: Decimal


@attrs.define
class _Lot:
    """What is still open of one opening fill: ``amount`` signed, its ``price``, and its
    commission per unit."""

    amount: Decimal
    price: Decimal
    commission_per_unit: Decimal
    dt: pd.Timestamp


def round_trips(
    transactions: Iterable[Transaction], actions: Iterable[AppliedAction] = ()
) -> list[RoundTrip]:
    """The round trips of a run's ``transactions`` and corporate ``actions`` (a
    :class:`~rustybt.engine.results.BacktestResult`'s): each fill that reduces an asset's
    position closes its oldest open lots first (FIFO) and is one round trip; what a fill
    adds, or leaves over after it flips a position, opens a new lot. A split, applied at
    the start of its ex-date before that day's fills, scales every open lot of its asset
    by the shares it gave per share held.
    """
    splits = [action for action in actions if isinstance(action, AppliedSplit)]
    events: list[tuple[pd.Timestamp, int, Transaction | AppliedSplit]] = [
        *((split.ex_date, 0, split) for split in splits),
        *((fill.dt, 1, fill) for fill in transactions),
    ]
    events.sort(key=lambda event: (event[0], event[1]))
    open_lots: dict[Asset, deque[_Lot]] = {}
    trips: list[RoundTrip] = []
    for _, _, event in events:
        lots = open_lots.setdefault(event.asset, deque())
        if isinstance(event, AppliedSplit):
            _split(lots, event)
        elif event.amount != 0:
            trip = _fill(lots, event)
            if trip is not None:
                trips.append(trip)
    return trips


def _split(lots: deque[_Lot], split: AppliedSplit) -> None:
    if split.shares == 0:
        return
    # The shares the position had after per share before: the split's ratio as applied,
    # the fraction of a share cut off included.
    factor = split.new_shares / split.shares
    for lot in lots:
        lot.amount *= factor
        lot.price /= factor
        lot.commission_per_unit /= factor


def _fill(lots: deque[_Lot], fill: Transaction) -> RoundTrip | None:
    """Book ``fill`` against ``lots``; the round trip it closes, if it closes any."""
    per_unit = fill.commission / abs(fill.amount)
    remaining = fill.amount
    closed = Decimal(0)
    pnl = Decimal(0)
    opened = None
    while lots and remaining != 0 and (lots[0].amount > 0) != (remaining > 0):
        lot = lots[0]
        matched = min(abs(lot.amount), abs(remaining))
        side = 1 if lot.amount > 0 else -1
        pnl += (fill.price - lot.price) * matched * side
        pnl -= (lot.commission_per_unit + per_unit) * matched
        closed += matched * side
        opened = lot.dt if opened is None else opened
        lot.amount -= matched * side
        remaining += matched * side
        if lot.amount == 0:
            lots.popleft()
    if remaining != 0:
        lots.append(_Lot(remaining, fill.price, per_unit, fill.dt))
    if opened is None:
        return None
    return RoundTrip(asset=fill.asset, opened=opened, closed=fill.dt, amount=closed, pnl=pnl)


def win_rate(trips: Sequence[RoundTrip]) -> float:
    """The share of ``trips`` with a positive P&L; NaN without any."""
    if not trips:
        return math.nan
    return sum(1 for trip in trips if trip.pnl > 0) / len(trips)
