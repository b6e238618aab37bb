"""What a strategy sees of its account: ``context.portfolio`` and its positions.

These are read-only snapshots of the ledger at one bar. The ledger is exact (``Decimal``);
what a strategy reads of it is ``float``, as in zipline, so numpy, ``**``, ``json.dumps`` and
float64 columns work on it. A position's ``amount`` is an ``int`` for assets traded in
whole units and a ``float`` for fractional ones (crypto).

A snapshot costs only what is read of it: the positions are a view of the ledger's holdings
at the bar's prices (:class:`HoldingsAtBar`), so reading one position costs the same with
one asset held or a thousand, and each figure of a position is worked out when first read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset

if TYPE_CHECKING:  # the ledger's modules import this one
    from rustybt.finance.ledger import Holding


_UNREAD: Any = object()
"""A figure of a position from the ledger not worked out yet."""


class Position:
    """A holding: ``amount`` (negative when short), average ``cost_basis``, and the last
    price, each read-only.

    Not an attrs class because a position read from ``context.portfolio`` is a view: it
    keeps the ledger's holding and the bar it was read at (:class:`HoldingsAtBar`), and
    works out each figure the first time it is read, so a strategy pays only for what it
    reads. Equality, hashing and ``repr`` are an attrs class's over the five figures.
    """

    __slots__ = ("_amount", "_asset", "_at", "_cost_basis", "_date", "_holding", "_price")

    def __init__(
        self,
        *,
        asset: Asset,
        amount: int | float = 0,
        cost_basis: float = 0.0,
        last_sale_price: float = 0.0,
        last_sale_date: pd.Timestamp | None = None,
    ) -> None:
        self._asset = asset
        self._amount = amount
        self._cost_basis = cost_basis
        self._price = last_sale_price
        self._date = last_sale_date
        self._holding: Holding | None = None
        self._at: HoldingsAtBar | None = None

    @property
    def asset(self) -> Asset:
        """The asset held."""
        return self._asset

    @property
    def amount(self) -> int | float:
        """Units held (negative when short): an int for whole-unit assets, else a float."""
        amount = self._amount
        if amount is _UNREAD:
            lots = self._holding[1]  # type: ignore[index]
            asset = self._asset
            if asset.lot_exponent == 0:  # a lot of one unit: the lots are the amount
                amount = lots
            else:
                amount = position_amount(asset, Decimal(lots) * asset.lot_size)
            self._amount = amount
        return amount

    @property
    def cost_basis(self) -> float:
        """The average price paid per unit, commissions of opening fills included."""
        cost_basis = self._cost_basis
        if cost_basis is _UNREAD:
            cost_basis = self._cost_basis = float(self._holding[2])  # type: ignore[index]
        return cost_basis

    @property
    def last_sale_price(self) -> float:
        """The asset's price at the bar the position was read."""
        price = self._price
        if price is _UNREAD:
            at: HoldingsAtBar = self._at  # type: ignore[assignment]
            price = self._price = at.price(self._asset, self._holding[0])  # type: ignore[index]
        return price

    @property
    def last_sale_date(self) -> pd.Timestamp | None:
        """The time of the asset's last bar up to the bar the position was read (UTC)."""
        date = self._date
        if date is _UNREAD:
            at: HoldingsAtBar = self._at  # type: ignore[assignment]
            date = self._date = at.sale_date(self._holding[0])  # type: ignore[index]
        return date

    @property
    def sid(self) -> Asset:
        """Zipline's name for the asset a position is in."""
        return self._asset

    @property
    def value(self) -> float:
        """``amount × last_sale_price``."""
        return self.amount * self.last_sale_price

    def _figures(self) -> tuple[Asset, int | float, float, float, pd.Timestamp | None]:
        return (
            self._asset,
            self.amount,
            self.cost_basis,
            self.last_sale_price,
            self.last_sale_date,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Position) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._figures() == other._figures()

    def __hash__(self) -> int:
        return hash(self._figures())

    def __repr__(self) -> str:
        asset, amount, cost_basis, price, date = self._figures()
        return (
            f"Position(asset={asset!r}, amount={amount!r}, cost_basis={cost_basis!r}, "
            f"last_sale_price={price!r}, last_sale_date={date!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_position, self._figures())


def _position(
    asset: Asset,
    amount: int | float,
    cost_basis: float,
    last_sale_price: float,
    last_sale_date: pd.Timestamp | None,
) -> Position:
    """A Position from its figures in order (what a pickled one is rebuilt with)."""
    return Position(
        asset=asset,
        amount=amount,
        cost_basis=cost_basis,
        last_sale_price=last_sale_price,
        last_sale_date=last_sale_date,
    )


def position_amount(asset: Asset, amount: Decimal) -> int | float:
    """``amount`` as strategies see it: an int for whole-unit assets, else a float."""
    return int(amount) if asset.whole_units else float(amount)


_new_position = Position.__new__


class HoldingsAtBar:
    """The ledger's cash and held positions (:meth:`rustybt.finance.ledger.Ledger.holdings`,
    fixed for one revision) at the prices of one bar: what ``context.portfolio`` reads.

    ``ticks`` is the bar's row of prices in ticks and ``last_bars`` each asset's last bar,
    by column; ``times_ns`` the bar times. These arrays are not changed for a bar once it
    has run, so a position read later gives the figures of its bar. Each position is made
    the first time it is read, and the same object is given each time after.
    """

    __slots__ = (
        "_dates",
        "_last_bars",
        "_positions",
        "_ticks",
        "_times_ns",
        "bar",
        "cash",
        "held",
        "revision",
    )

    def __init__(
        self,
        held: Mapping[Asset, Holding],
        *,
        bar: int,
        ticks: np.ndarray,
        last_bars: np.ndarray,
        times_ns: np.ndarray,
        cash: Decimal = Decimal(0),
        revision: int = 0,
    ) -> None:
        self.held = held
        self.bar = bar
        self.cash = cash
        self.revision = revision
        self._ticks = ticks
        self._last_bars = last_bars
        self._times_ns = times_ns
        self._dates: dict[int, pd.Timestamp] | None = None

    def make(self, asset: Asset, holding: Holding) -> Position:
        """The position of ``holding`` (the one of ``asset`` in :attr:`held`), its figures
        worked out when first read."""
        position = _new_position(Position)
        position._asset = asset
        position._holding = holding
        position._at = self
        position._cost_basis = position._price = position._date = _UNREAD
        # Whole lots of one unit are the amount itself: nothing to work out on reading.
        position._amount = holding[1] if asset.lot_exponent == 0 else _UNREAD
        return position

    def every_position(self, made: Mapping[Asset, Any]) -> dict[Asset, Position]:
        """Every held position, in asset order: those in ``made`` as they are, the others
        made now."""
        return {
            asset: position
            if (position := made.get(asset)).__class__ is Position
            else self.make(asset, holding)
            for asset, holding in sorted(self.held.items(), key=itemgetter(1))
        }

    def price(self, asset: Asset, column: int) -> float:
        """``asset``'s price at the bar as a float: ``ticks × tick size``, rounded once
        (integer true division rounds as ``float(Decimal)`` does)."""
        ticks = int(self._ticks[column])
        exponent = asset.tick_exponent
        return float(ticks * 10**exponent) if exponent >= 0 else ticks / 10**-exponent

    def sale_date(self, column: int) -> pd.Timestamp | None:
        """The time of the last bar of the asset in ``column`` up to this one (None before
        its first)."""
        last = min(self.bar, int(self._last_bars[column]))
        if last < 0:
            return None
        dates = self._dates
        if dates is None:
            dates = self._dates = {}
        date = dates.get(last)
        if date is None:
            date = dates[last] = pd.Timestamp(int(self._times_ns[last]), tz="UTC")
        return date


class Positions(dict[Asset, Position]):
    """Held positions by asset. Indexing an asset not held gives an empty position, as in
    Zipline; ``get`` and ``in`` see only what is held.

    The portfolio's positions are a view of one bar's holdings (:meth:`of`): the dict holds
    each held asset's :data:`~rustybt.finance.ledger.Holding` until the position is read,
    so ``in`` and ``len`` are a dict's own, and indexing or ``get`` make only the position
    asked for; anything else (iterating, the items, a change) first makes every position,
    in asset order, and from then on it is a plain dict.
    """

    __slots__ = ("_edited", "_holdings")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holdings: HoldingsAtBar | None = None
        self._edited = False

    @property
    def edited(self) -> bool:
        """True once the strategy changed this dict: the portfolio read next is a new
        snapshot, which the change does not touch."""
        return self._edited

    @classmethod
    def of(cls, holdings: HoldingsAtBar) -> Positions:
        """The positions of ``holdings``, each made when first read."""
        positions = _new_positions(cls)  # what __init__ does, without its call
        positions._edited = False
        positions._holdings = holdings
        dict.update(positions, holdings.held)  # type: ignore[misc]  # holdings until read
        return positions

    def _fill(self) -> None:
        """Make every held position, in asset order; the view becomes a plain dict."""
        holdings = self._holdings
        if holdings is not None:
            self._holdings = None
            every = holdings.every_position(dict.copy(self))
            dict.clear(self)
            dict.update(self, every)

    def __missing__(self, asset: Asset) -> Position:
        return Position(asset=asset)

    def __getitem__(self, asset: Asset) -> Position:
        position: Any = _dict_getitem(self, asset)  # a Position, or a Holding until read
        if position.__class__ is Position or self._holdings is None:
            return position  # type: ignore[no-any-return]
        # HoldingsAtBar.make written out (a call less): strategies index positions every bar.
        holding = position
        made: Position = _new_position(Position)
        made._asset = asset
        made._holding = holding
        made._at = self._holdings
        made._cost_basis = made._price = made._date = _UNREAD
        made._amount = holding[1] if asset.lot_exponent == 0 else _UNREAD
        _dict_setitem(self, asset, made)
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        self._fill()
        return (Positions, (dict(self),))

    def get(self, asset: Asset, default: Any = None) -> Any:  # type: ignore[override]
        """The position in ``asset`` when held, else ``default``."""
        if asset in self:
            return self[asset]
        return default


_new_positions = dict.__new__
_dict_getitem = dict.__getitem__
_dict_setitem = dict.__setitem__


def _filling_first(name: str, *, edits: bool) -> Callable[..., Any]:
    """``dict.<name>``, called on a view once it holds every position (marking the
    positions :attr:`Positions.edited` when the method ``edits`` them)."""
    method = getattr(dict, name)

    def filled(self: Positions, *args: Any, **kwargs: Any) -> Any:
        self._fill()
        if edits:
            self._edited = True
        return method(self, *args, **kwargs)

    filled.__name__ = name
    filled.__doc__ = method.__doc__
    return filled


# What reads or changes the dict as a whole works on the filled dict.
for _name in (
    "__iter__",
    "__reversed__",
    "__repr__",
    "__eq__",
    "__ne__",
    "__or__",
    "__ror__",
    "keys",
    "values",
    "items",
    "copy",
):
    setattr(Positions, _name, _filling_first(_name, edits=False))
for _name in (
    "__setitem__",
    "__delitem__",
    "__ior__",
    "clear",
    "pop",
    "popitem",
    "setdefault",
    "update",
):
    setattr(Positions, _name, _filling_first(_name, edits=True))
del _name


_PORTFOLIO_FIGURES = (
    "cash",
    "positions",
    "positions_value",
    "portfolio_value",
    "starting_cash",
    "start_date",
)


class Portfolio:
    """The account at one bar: ``cash``, ``positions``, ``positions_value`` and
    ``portfolio_value`` (each the ledger's exact figure, as a float), ``starting_cash`` and
    ``start_date``; read-only.

    Not an attrs class because the portfolio a strategy reads is a snapshot of the ledger
    at one bar (:meth:`at_bar`) whose figures are worked out when first read: a strategy
    that reads only the positions pays only for them, and a snapshot read later still
    gives the figures of its bar. Equality and ``repr`` are an attrs class's over the six
    figures; like a dict of positions, it is not hashable.
    """

    __slots__ = (
        "_at",
        "_cash",
        "_positions",
        "_positions_value",
        "_start_date",
        "_starting_cash",
        "_value",
        "_value_of",
    )

    def __init__(
        self,
        *,
        cash: float,
        positions: Positions,
        positions_value: float,
        portfolio_value: float,
        starting_cash: float,
        start_date: pd.Timestamp | None,
    ) -> None:
        self._at: HoldingsAtBar | None = None
        self._value_of: Callable[[HoldingsAtBar], Decimal] | None = None
        self._cash: Any = cash
        self._positions: Any = positions
        self._value: Any = portfolio_value
        self._positions_value: Any = positions_value
        self._starting_cash = starting_cash
        self._start_date = start_date

    @classmethod
    def at_bar(
        cls,
        at: HoldingsAtBar,
        value_of: Callable[[HoldingsAtBar], Decimal],
        *,
        starting_cash: float,
        start_date: pd.Timestamp | None,
    ) -> Portfolio:
        """The snapshot of ``at`` (the ledger's cash and holdings at one bar): its value is
        ``value_of(at)``, exact, asked for when first read."""
        portfolio = _new_portfolio(cls)
        portfolio._at = at
        portfolio._value_of = value_of
        portfolio._cash = portfolio._positions = _UNREAD
        portfolio._value = portfolio._positions_value = _UNREAD
        portfolio._starting_cash = starting_cash
        portfolio._start_date = start_date
        return portfolio

    @property
    def cash(self) -> float:
        """Cash in the account."""
        cash = self._cash
        if cash is _UNREAD:
            cash = self._cash = float(self._at.cash)  # type: ignore[union-attr]
        return cash  # type: ignore[no-any-return]

    @property
    def positions(self) -> Positions:
        """The held positions by asset (a view: each position made when first read)."""
        positions = self._positions
        if positions is _UNREAD:
            at: HoldingsAtBar = self._at  # type: ignore[assignment]
            positions = self._positions = Positions.of(at) if at.held else Positions()
        return positions  # type: ignore[no-any-return]

    @property
    def portfolio_value(self) -> float:
        """Cash plus the value of the positions at the bar's prices."""
        value = self._value
        if value is _UNREAD:
            value = self._value_once()
        return value  # type: ignore[no-any-return]

    @property
    def positions_value(self) -> float:
        """The value of the positions at the bar's prices (negative when net short)."""
        if self._positions_value is _UNREAD:
            self._value_once()
        return self._positions_value  # type: ignore[no-any-return]

    def _value_once(self) -> float:
        """Work out the snapshot's exact value; keep it and the positions' value as floats."""
        at: HoldingsAtBar = self._at  # type: ignore[assignment]
        exact = self._value_of(at)  # type: ignore[misc]
        self._positions_value = float(exact - at.cash)
        value = self._value = float(exact)
        return value

    @property
    def starting_cash(self) -> float:
        """The cash the run started with."""
        return self._starting_cash

    @property
    def start_date(self) -> pd.Timestamp | None:
        """The first session of the run."""
        return self._start_date

    @property
    def positions_edited(self) -> bool:
        """True once the strategy changed the positions it read (see
        :attr:`Positions.edited`)."""
        positions = self._positions
        return positions is not _UNREAD and positions.edited  # type: ignore[no-any-return]

    def _figures(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _PORTFOLIO_FIGURES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Portfolio) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._figures() == other._figures()

    def __hash__(self) -> int:
        return hash(self._figures())

    def __repr__(self) -> str:
        figures = ", ".join(
            f"{name}={value!r}"
            for name, value in zip(_PORTFOLIO_FIGURES, self._figures(), strict=True)
        )
        return f"Portfolio({figures})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_portfolio, self._figures())

    @property
    def pnl(self) -> float:
        """Profit and loss since the start: ``portfolio_value - starting_cash``."""
        return self.portfolio_value - self.starting_cash

    @property
    def returns(self) -> float:
        """Cumulative return since the start, as a float (analytics)."""
        if not self.starting_cash:
            return 0.0
        return self.portfolio_value / self.starting_cash - 1.0

    @property
    def cash_flow(self) -> float:
        """Cash in from trades since the start, less commissions: negative after buying,
        as in Zipline (``cash - starting_cash``)."""
        return self.cash - self.starting_cash

    @property
    def capital_used(self) -> float:
        """Zipline's name for :attr:`cash_flow` (negative when cash went into positions)."""
        return self.cash_flow

    @property
    def positions_exposure(self) -> float:
        """Signed value of all positions (same as ``positions_value``)."""
        return self.positions_value

    @property
    def current_portfolio_weights(self) -> pd.Series:
        """Each position's value as a fraction of the portfolio value (floats)."""
        value = self.portfolio_value
        return pd.Series(
            {asset: p.value / value if value else 0.0 for asset, p in self.positions.items()},
            dtype="float64",
        )


def _portfolio(
    cash: float,
    positions: Positions,
    positions_value: float,
    portfolio_value: float,
    starting_cash: float,
    start_date: pd.Timestamp | None,
) -> Portfolio:
    """A Portfolio from its figures in order (what a pickled one is rebuilt with)."""
    return Portfolio(
        cash=cash,
        positions=positions,
        positions_value=positions_value,
        portfolio_value=portfolio_value,
        starting_cash=starting_cash,
        start_date=start_date,
    )


_new_portfolio = Portfolio.__new__


@attrs.frozen(kw_only=True)
class Account:
    """Zipline's ``context.account``, with Zipline's backtest figures: the cash is settled at
    once and no margin is simulated, so buying power, RegT margin and day trades left are
    unlimited (``inf``)."""

    settled_cash: float
    net_liquidation: float
    gross_leverage: float
    net_leverage: float
    total_positions_value: float
    total_positions_exposure: float
    buying_power: float = float("inf")
    accrued_interest: float = 0.0
    regt_margin: float = float("inf")
    initial_margin_requirement: float = 0.0
    maintenance_margin_requirement: float = 0.0
    day_trades_remaining: float = float("inf")

    @property
    def leverage(self) -> float:
        """Gross leverage: ``Σ |position value| / net liquidation``."""
        return self.gross_leverage

    @property
    def equity_with_loan(self) -> float:
        """The portfolio value."""
        return self.net_liquidation

    @property
    def regt_equity(self) -> float:
        """The cash."""
        return self.settled_cash

    @property
    def available_funds(self) -> float:
        """The cash."""
        return self.settled_cash

    @property
    def excess_liquidity(self) -> float:
        """The cash."""
        return self.settled_cash

    @property
    def cushion(self) -> float:
        """Cash as a fraction of the portfolio value (NaN when that is 0)."""
        value = self.net_liquidation
        return self.settled_cash / value if value else float("nan")
