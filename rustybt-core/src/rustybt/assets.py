"""Assets: what can be traded, and the grid its prices and quantities live on."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

import attrs
import pandas as pd


class AssetClass(StrEnum):
    """The kind of instrument, which picks default cost models and calendar."""

    EQUITY = "equity"
    INDEX = "index"
    CRYPTO = "crypto"


def _power_of_ten(instance: object, attribute: attrs.Attribute, value: Decimal) -> None:
    if value <= 0 or value.normalize().as_tuple().digits != (1,):
        raise ValueError(f"{attribute.name} must be a power of ten (0.01, 1, 1E-8), got {value}")


def _exponent(power_of_ten: Decimal) -> int:
    return int(power_of_ten.normalize().as_tuple().exponent)


DEFAULT_EQUITY_TICK = Decimal("0.0001")
"""Backtests price equities on a 0.0001 grid: split-adjusted history is routinely sub-cent,
and rounding it to cents would distort early fills by up to several percent."""


@attrs.frozen(kw_only=True)
class Asset:
    """A tradable instrument, identified by symbol and exchange.

    ``tick_size`` and ``lot_size`` (powers of ten) are the grids prices and quantities are
    quantized to when they enter the ledger: prices round half-to-even to the tick,
    order quantities round toward zero to the lot. Two assets are equal when symbol and
    exchange are.
    """

    symbol: str
    exchange: str = ""
    asset_class: AssetClass = attrs.field(default=AssetClass.EQUITY, eq=False, converter=AssetClass)
    tick_size: Decimal = attrs.field(
        default=DEFAULT_EQUITY_TICK, eq=False, converter=Decimal, validator=_power_of_ten
    )
    lot_size: Decimal = attrs.field(
        default=Decimal(1), eq=False, converter=Decimal, validator=_power_of_ten
    )
    calendar: str = attrs.field(default="XNYS", eq=False)
    sid: int | None = attrs.field(default=None, eq=False)
    """Zipline's integer asset id, when the run gave one (:meth:`TradingAlgorithm.sid`)."""
    asset_name: str = attrs.field(default="", eq=False)
    start_date: pd.Timestamp | None = attrs.field(default=None, eq=False)
    """The session of the asset's first bar in the run's data (set when the bars load)."""
    end_date: pd.Timestamp | None = attrs.field(default=None, eq=False)
    """The session of the asset's last bar in the run's data (set when the bars load)."""
    tick_exponent: int = attrs.field(init=False, eq=False, repr=False)
    """The decimal exponent of the tick size (-4 for 0.0001)."""
    lot_exponent: int = attrs.field(init=False, eq=False, repr=False)
    """The decimal exponent of the lot size (0 for whole shares, -8 for satoshis)."""
    _hash_of: Callable[[], int] = attrs.field(init=False, eq=False, repr=False)
    """Returns ``hash(self)``, worked out once (see :func:`_read_hash_from_slot`)."""

    def __attrs_post_init__(self) -> None:
        # Derived once: the ledger and the fill loop read them for every fill and position.
        object.__setattr__(self, "tick_exponent", _exponent(self.tick_size))
        object.__setattr__(self, "lot_exponent", _exponent(self.lot_size))
        self._set_hash()

    def _set_hash(self) -> None:
        # Of the fields equality compares; a method of the int, so calling it runs no Python.
        object.__setattr__(self, "_hash_of", hash((self.symbol, self.exchange)).__int__)

    def __repr__(self) -> str:
        return (
            f"Asset({self.symbol!r})"
            if not self.exchange
            else (f"Asset({self.symbol!r}, exchange={self.exchange!r})")
        )

    def __int__(self) -> int:
        if self.sid is None:
            raise TypeError(f"{self!r} has no sid: it was not looked up in a run")
        return self.sid

    def _order_key(self) -> tuple[int, str, str]:
        # Zipline orders assets by sid; assets without one follow, by symbol.
        return (self.sid if self.sid is not None else 2**63, self.symbol, self.exchange)

    def __lt__(self, other: Asset) -> bool:
        return self._order_key() < other._order_key()

    def __le__(self, other: Asset) -> bool:
        return self._order_key() <= other._order_key()

    def __gt__(self, other: Asset) -> bool:
        return self._order_key() > other._order_key()

    def __ge__(self, other: Asset) -> bool:
        return self._order_key() >= other._order_key()

    def to_dict(self) -> dict[str, Any]:
        """The asset's fields under Zipline's ``Asset.to_dict()`` names."""
        return {
            "sid": self.sid,
            "symbol": self.symbol,
            "asset_name": self.asset_name,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "exchange": self.exchange,
            "tick_size": float(self.tick_size),
            "multiplier": 1.0,
        }

    def record_trading_dates(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> None:
        """Set :attr:`start_date` and :attr:`end_date` once the run's bars are loaded: the
        engine learns them after the strategy already holds the asset, so the same object
        is filled in (neither takes part in equality or hashing)."""
        object.__setattr__(self, "start_date", start)
        object.__setattr__(self, "end_date", end)

    @property
    def whole_units(self) -> bool:
        """True when quantities are whole numbers (lot size 1 or larger)."""
        return self.lot_exponent >= 0

    def round_price(self, price: Decimal) -> Decimal:
        """``price`` rounded half-to-even to the tick size."""
        return price.quantize(self.tick_size, rounding=ROUND_HALF_EVEN)

    def round_amount(self, amount: Decimal) -> Decimal:
        """``amount`` rounded toward zero to the lot size (never more than asked)."""
        return amount.quantize(self.lot_size, rounding=ROUND_DOWN)

    def price_from_float(self, price: float) -> Decimal:
        """A float price (as read from bar data) as an exact Decimal on the tick grid.

        ``price / tick`` is rounded to the nearest whole tick (half-to-even), exactly as the
        backtest's bar arrays do, so 25.1234 stays 25.1234 and a backtest and a paper
        session see the same Decimal for the same bar.
        """
        return self.price_from_ticks(round(float(price) / float(self.tick_size)))

    def price_from_ticks(self, ticks: int) -> Decimal:
        """A whole number of ticks (as bar arrays hold prices) as the exact Decimal price."""
        return Decimal(int(ticks)).scaleb(self.tick_exponent)


def _read_hash_from_slot(cls: type[Asset]) -> None:
    """Make ``hash(asset)`` read the ``_hash_of`` slot and call what it holds.

    Strategies look assets up in dicts on every bar (``asset in context.portfolio.positions``
    for each asset), and so does the engine for every order and fill. Python finds
    ``__hash__`` on the class; as the slot's descriptor it yields the int's own ``__int__``,
    which Python calls without running Python code: half the cost of a ``__hash__`` written
    in Python, cached or not. A pickled asset leaves its hash out and works it out anew when
    loaded (string hashes differ between processes).
    """
    cls.__hash__ = cls.__dict__["_hash_of"]  # type: ignore[assignment]
    dump_fields, load_fields = cls.__getstate__, cls.__setstate__

    def __getstate__(self: Asset) -> dict[str, Any]:
        state = dump_fields(self)
        del state["_hash_of"]
        return state  # type: ignore[no-any-return]

    def __setstate__(self: Asset, state: Any) -> None:
        load_fields(self, state)
        self._set_hash()

    cls.__getstate__ = __getstate__  # type: ignore[method-assign]
    cls.__setstate__ = __setstate__  # type: ignore[method-assign]


_read_hash_from_slot(Asset)
