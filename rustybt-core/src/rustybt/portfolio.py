"""What a strategy sees of its account: ``context.portfolio`` and its positions.

The ledger is exact (``Decimal``); what a strategy reads of it is ``float``, as in zipline,
so numpy, ``**``, ``json.dumps`` and float64 columns work on it. A position's ``amount`` is
an ``int`` for assets traded in whole units and a ``float`` for fractional ones (crypto).

As in zipline, what ``context.portfolio`` gives is live: the same portfolio, the same dict
of positions and the same position object for as long as a position stays open, brought up
to date with the ledger each time the strategy reads ``context.portfolio``
(:class:`HeldPositions`). A strategy may keep them and read them in later bars. A position
or portfolio built with its constructor, or unpickled, holds the figures it was given.

Reading costs only what is read: the dict and its positions change only where a fill
changed the ledger, so ``positions[asset].amount`` is a plain dict lookup and attribute,
and a figure such as ``portfolio_value`` or a position's last sale price is worked out
when read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset

if TYPE_CHECKING:  # the ledger's modules import this one
    from rustybt.finance.ledger import Holding, Ledger


class Quotes(Protocol):
    """Where a live position reads the price of its asset at the current bar."""

    def price(self, asset: Asset, column: int) -> float:
        """``asset``'s price at the current bar, as a float (its data's column ``column``)."""
        ...

    def sale_date(self, column: int) -> pd.Timestamp | None:
        """The time of the last bar of the asset in ``column`` up to the current one (None
        before its first)."""
        ...


class BarQuotes:
    """:class:`Quotes` read from a run's bar arrays (``arrays()``: ``ticks``, bar × asset
    prices in ticks, and ``last_bar``, each asset's last bar) at the bar ``current_bar()``
    (-1 before the first, read as the first), ``times_ns()`` being the bar times. Each is
    asked for at every read: a run replaces its arrays when assets are added."""

    def __init__(
        self,
        arrays: Callable[[], Any],
        times_ns: Callable[[], np.ndarray],
        current_bar: Callable[[], int],
    ) -> None:
        self._arrays = arrays
        self._times_ns = times_ns
        self._current_bar = current_bar

    def price(self, asset: Asset, column: int) -> float:
        """See :class:`Quotes`: ``ticks × tick size``, rounded once (integer true division
        rounds as ``float(Decimal)`` does)."""
        ticks = int(self._arrays().ticks[max(self._current_bar(), 0), column])
        exponent = asset.tick_exponent
        return float(ticks * 10**exponent) if exponent >= 0 else ticks / 10**-exponent

    def sale_date(self, column: int) -> pd.Timestamp | None:
        """See :class:`Quotes`."""
        last = min(max(self._current_bar(), 0), int(self._arrays().last_bar[column]))
        if last < 0:
            return None
        return pd.Timestamp(int(self._times_ns()[last]), tz="UTC")


class Position:
    """A holding: ``amount`` (negative when short), average ``cost_basis``, and the last
    price, each read-only.

    A position read from ``context.portfolio`` is live, as zipline's is (see the module):
    its ``amount`` and ``cost_basis`` are the ledger's when ``context.portfolio`` was last
    read (``amount`` 0 once the position closed), its ``last_sale_price`` and
    ``last_sale_date`` those of the current bar. One built with the constructor holds the
    figures given. Equality, hashing and ``repr`` are an attrs class's over the five
    figures; a pickled position is one built with its figures.
    """

    __slots__ = ("_asset", "_cost_basis", "_date", "_holding", "_price", "_quotes", "amount")

    amount: int | float
    """Units held (negative when short): an int for whole-unit assets, else a float. A plain
    attribute, read on every bar by many strategies."""
    _asset: Asset
    _cost_basis: float
    _date: pd.Timestamp | None
    _holding: Holding | None
    _price: float
    _quotes: Quotes | None

    def __init__(
        self,
        *,
        asset: Asset,
        amount: int | float = 0,
        cost_basis: float = 0.0,
        last_sale_price: float = 0.0,
        last_sale_date: pd.Timestamp | None = None,
    ) -> None:
        _set_asset(self, asset)
        _set_amount(self, amount)
        _set_cost_basis(self, cost_basis)
        _set_price(self, last_sale_price)
        _set_date(self, last_sale_date)
        _set_holding(self, None)
        _set_quotes(self, None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Position is read-only: {name!r} cannot be set")

    @property
    def asset(self) -> Asset:
        """The asset held."""
        return self._asset

    @property
    def cost_basis(self) -> float:
        """The average price paid per unit, commissions of opening fills included."""
        holding = self._holding
        return self._cost_basis if holding is None else float(holding[2])

    @property
    def last_sale_price(self) -> float:
        """The asset's price at the current bar (for a live position)."""
        quotes = self._quotes
        if quotes is None:
            return self._price  # type: ignore[no-any-return]
        return quotes.price(self._asset, self._holding[0])  # type: ignore[index]

    @property
    def last_sale_date(self) -> pd.Timestamp | None:
        """The time of the asset's last bar up to the current one (UTC)."""
        quotes = self._quotes
        if quotes is None:
            return self._date  # type: ignore[no-any-return]
        return quotes.sale_date(self._holding[0])  # type: ignore[index]

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


# The slots written directly: a Position refuses attribute assignment.
_slot = Position.__dict__
_set_asset = _slot["_asset"].__set__
_set_amount = _slot["amount"].__set__
_set_cost_basis = _slot["_cost_basis"].__set__
_set_price = _slot["_price"].__set__
_set_date = _slot["_date"].__set__
_set_holding = _slot["_holding"].__set__
_set_quotes = _slot["_quotes"].__set__
_new_position = Position.__new__


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


def _amount_of(asset: Asset, lots: int) -> int | float:
    """The amount a strategy reads of ``lots`` lots of ``asset``."""
    if asset.lot_exponent == 0:  # a lot of one unit: the lots are the amount
        return lots
    return position_amount(asset, Decimal(lots) * asset.lot_size)


class Positions(dict[Asset, Position]):
    """Held positions by asset, in asset order. Indexing an asset not held gives an empty
    position, as in Zipline; ``get`` and ``in`` see only what is held.

    ``context.portfolio.positions`` is kept up to date by the engine (see the module). A
    strategy that changes it keeps what it made of it; its next read of
    ``context.portfolio`` gives a new dict with every held position.
    """

    __slots__ = ("_edited", "_unordered")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._edited = False
        self._unordered = False

    @property
    def edited(self) -> bool:
        """True once the strategy changed this dict."""
        return self._edited

    def __missing__(self, asset: Asset) -> Position:
        return Position(asset=asset)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Positions, (dict(self),))

    def _put_in_order(self) -> None:
        """Sort the positions into asset order, when one was added out of it: done only
        when the dict is read in order, so a strategy that only looks positions up never
        pays for it."""
        if self._unordered:
            self._unordered = False
            ordered = sorted(dict.items(self), key=lambda item: _column_of(item[1]))
            dict.clear(self)
            dict.update(self, ordered)


def _dict_method(name: str, *, edits: bool) -> Callable[..., Any]:
    """``dict.<name>``, on the positions put in order first, marking them
    :attr:`Positions.edited` when the method ``edits`` them."""
    method = getattr(dict, name)

    def call(self: Positions, *args: Any, **kwargs: Any) -> Any:
        self._put_in_order()
        if edits:
            self._edited = True
        return method(self, *args, **kwargs)

    call.__name__ = name
    call.__doc__ = method.__doc__
    return call


# What reads the dict in order sorts it first; what changes it marks it edited.
for _name in (
    "__iter__",
    "__reversed__",
    "__repr__",
    "__or__",
    "__ror__",
    "keys",
    "values",
    "items",
    "copy",
):
    setattr(Positions, _name, _dict_method(_name, edits=False))
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
    setattr(Positions, _name, _dict_method(_name, edits=True))
del _name


class HeldPositions:
    """The positions a strategy reads, kept in step with a ledger: one :class:`Positions`
    dict, in asset order, and one live :class:`Position` per open position whose
    ``amount`` and ``cost_basis`` follow the ledger and whose prices come from ``quotes``.

    :meth:`update` changes only the positions the ledger changed since the last update: a
    bar without fills costs nothing. A position that closes leaves the dict with amount 0.
    The order is the ledger's asset order, not the order positions opened in (zipline's),
    so that a session restarted from its checkpoint iterates its positions as the session
    it continues did.
    """

    def __init__(self, quotes: Quotes) -> None:
        self._quotes = quotes
        self._positions = Positions()
        self._revision: int | None = None

    def update(self, ledger: Ledger) -> Positions:
        """The dict brought up to date with ``ledger``; a new one, with every held position,
        when the strategy changed the last."""
        if self._positions.edited:
            kept = self._positions
            self._positions = Positions()
            self._revision = None
            self._apply(ledger, ledger.changed_since(None), kept)
        elif self._revision != ledger.revision:
            self._apply(ledger, ledger.changed_since(self._revision), self._positions)
        return self._positions

    def _apply(self, ledger: Ledger, columns: Iterable[int], known: dict[Asset, Any]) -> None:
        """Bring the positions of ``columns`` up to date; a position still open in
        ``known`` (the dict before) is the same object."""
        positions, assets = self._positions, ledger.assets
        for column in columns:
            asset = assets[column]
            holding = ledger.holding(column)
            position = dict.get(known, asset)
            if position.__class__ is not Position or position._quotes is None:
                position = None
            if holding is None:
                if position is not None:
                    dict.pop(positions, asset, None)
                    _close(position, column)
                continue
            if position is None:
                position = self._new(asset)
            _set_holding(position, holding)
            _set_amount(position, _amount_of(asset, holding[1]))
            if dict.get(positions, asset) is not position:
                if positions and not positions._unordered:
                    last = next(dict.__reversed__(positions))
                    positions._unordered = _column_of(dict.__getitem__(positions, last)) > column
                dict.__setitem__(positions, asset, position)
        self._revision = ledger.revision

    def position(self, ledger: Ledger, asset: Asset) -> Position:
        """The live position in ``asset`` (one of ``ledger``'s): the dict's while it is
        held, else a closed one (amount 0) whose prices are the current bar's."""
        position = dict.get(self.update(ledger), asset)
        if position is None:
            position = self._new(asset)
            _close(position, ledger.index[asset])
        return position

    def _new(self, asset: Asset) -> Position:
        position = _new_position(Position)
        _set_asset(position, asset)
        _set_quotes(position, self._quotes)
        _set_cost_basis(position, 0.0)
        _set_price(position, 0.0)
        _set_date(position, None)
        return position


def _close(position: Position, column: int) -> None:
    """Leave a live position with nothing held: amount 0, no cost basis."""
    _set_amount(position, 0)
    _set_holding(position, (column, 0, Decimal(0)))


LiveViewToken = tuple[str, ...]
"""What a checkpoint keeps for a live view of the portfolio (see :func:`live_view_token`)."""


def live_view_token(view: object, portfolio: Portfolio) -> LiveViewToken | None:
    """The token a checkpoint keeps for ``view`` when it is one of ``portfolio``'s live
    views (the portfolio itself, its positions dict, a live position), else None. Restoring
    the checkpoint, :func:`live_view` gives the restored session's own view for it, so a
    strategy that kept one in ``context`` goes on as it would have without the restart."""
    if view is portfolio:
        return ("portfolio",)
    if view is portfolio._positions:
        return ("positions",)
    if view.__class__ is Position and view._quotes is not None:  # type: ignore[attr-defined]
        asset: Asset = view._asset  # type: ignore[attr-defined]
        return ("position", asset.symbol, asset.exchange)
    return None


def live_view(
    token: LiveViewToken, portfolio: Portfolio, held: HeldPositions, ledger: Ledger
) -> object:
    """The live view ``token`` stands for (see :func:`live_view_token`): ``portfolio`` or
    its positions, or the position ``held`` keeps for the asset of ``ledger`` named (a
    closed one when it is not held). Raises ``ValueError`` for a token of no view, or of
    an asset ``ledger`` does not have."""
    kind, *names = token
    if kind == "portfolio" and not names:
        return portfolio
    if kind == "positions" and not names:
        return portfolio._positions
    if kind == "position" and len(names) == 2:
        for asset in ledger.assets:
            if [asset.symbol, asset.exchange] == names:
                return held.position(ledger, asset)
        raise ValueError(f"no asset {names[0]!r} to keep the position of")
    raise ValueError(f"{token!r} names no live view of the portfolio")


def _column_of(position: Position) -> int:
    """The ledger column of a live position."""
    return position._holding[0]  # type: ignore[index]  # a live position holds one


_PORTFOLIO_FIGURES = (
    "cash",
    "positions",
    "positions_value",
    "portfolio_value",
    "starting_cash",
    "start_date",
)


class AccountSource(Protocol):
    """What a live :class:`Portfolio` reads: the engine's account at the current bar."""

    def portfolio_value(self) -> Decimal:
        """The exact portfolio value at the current bar."""
        ...

    def cash(self) -> Decimal:
        """The exact cash."""
        ...

    def held_positions(self) -> Positions:
        """The positions, up to date."""
        ...


class Portfolio:
    """The account: ``cash``, ``positions``, ``positions_value`` and ``portfolio_value``
    (each the ledger's exact figure, as a float), ``starting_cash`` and ``start_date``;
    read-only.

    Not an attrs class because the portfolio a strategy reads is live (see the module): the
    engine's one portfolio, whose figures are worked out when read from the account as it
    was when ``context.portfolio`` was last read (:meth:`refresh`). One built with the
    constructor, or unpickled, holds the figures given. Equality and ``repr`` are an attrs
    class's over the six figures; like a dict of positions, it is not hashable.
    """

    __slots__ = (
        "_cash",
        "_positions",
        "_positions_value",
        "_source",
        "_start_date",
        "_starting_cash",
        "_value",
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
        self._source: AccountSource | None = None
        self._cash: Any = cash
        self._positions: Any = positions
        self._value: Any = portfolio_value
        self._positions_value: Any = positions_value
        self._starting_cash = starting_cash
        self._start_date = start_date

    @classmethod
    def live(
        cls, source: AccountSource, *, starting_cash: float, start_date: pd.Timestamp | None
    ) -> Portfolio:
        """The portfolio of ``source``'s account, each figure read when first asked for
        after each :meth:`refresh`."""
        portfolio = _new_portfolio(cls)
        portfolio._source = source
        portfolio._starting_cash = starting_cash
        portfolio._start_date = start_date
        portfolio.refresh()
        return portfolio

    def refresh(self) -> None:
        """Forget the figures read: the account changed (a new bar, a fill). The positions
        are brought up to date now, as zipline's are when the portfolio is read."""
        source: AccountSource = self._source  # type: ignore[assignment]
        self._cash = self._value = self._positions_value = _UNREAD
        self._positions = source.held_positions()

    def forget_figures(self) -> None:
        """Forget the figures read, the positions kept: a new bar's prices, the ledger as
        it was at the last :meth:`refresh`."""
        self._cash = self._value = self._positions_value = _UNREAD

    @property
    def cash(self) -> float:
        """Cash in the account."""
        cash = self._cash
        if cash is _UNREAD:
            cash = self._cash = float(self._source.cash())  # type: ignore[union-attr]
        return cash  # type: ignore[no-any-return]

    @property
    def positions(self) -> Positions:
        """The held positions by asset."""
        return self._positions  # type: ignore[no-any-return]

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
        """Work out the exact value; keep it and the positions' value as floats."""
        source: AccountSource = self._source  # type: ignore[assignment]
        exact = source.portfolio_value()
        self._positions_value = float(exact - source.cash())
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
        return self._positions.edited  # type: ignore[no-any-return]

    def _figures(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _PORTFOLIO_FIGURES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Portfolio) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._figures() == other._figures()

    __hash__ = None  # type: ignore[assignment]

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


_UNREAD: Any = object()
"""A figure of the live portfolio not worked out since its last refresh."""


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
