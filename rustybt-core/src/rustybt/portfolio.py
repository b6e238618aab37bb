"""What a strategy sees of its account: ``context.portfolio`` and its positions.

These are read-only snapshots built from the ledger. The ledger is exact (``Decimal``); what
a strategy reads of it is ``float``, as in zipline, so numpy, ``**``, ``json.dumps`` and
float64 columns work on it. A position's ``amount`` is an ``int`` for assets traded in
whole units and a ``float`` for fractional ones (crypto).
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pandas as pd

from rustybt.assets import Asset


@attrs.frozen(kw_only=True)
class Position:
    """A holding: ``amount`` (negative when short), average ``cost_basis``, and the last price."""

    asset: Asset
    amount: int | float = 0
    cost_basis: float = 0.0
    last_sale_price: float = 0.0
    last_sale_date: pd.Timestamp | None = None

    @property
    def sid(self) -> Asset:
        """Zipline's name for the asset a position is in."""
        return self.asset

    @property
    def value(self) -> float:
        """``amount × last_sale_price``."""
        return self.amount * self.last_sale_price


def position_amount(asset: Asset, amount: Decimal) -> int | float:
    """``amount`` as strategies see it: an int for whole-unit assets, else a float."""
    return int(amount) if asset.whole_units else float(amount)


class Positions(dict[Asset, Position]):
    """Held positions by asset. Indexing an asset not held gives an empty position, as in
    Zipline; ``get`` and ``in`` see only what is held."""

    def __missing__(self, asset: Asset) -> Position:
        return Position(asset=asset)


@attrs.frozen(kw_only=True)
class Portfolio:
    """The account at the current bar (each figure the ledger's exact one, as a float)."""

    cash: float
    positions: Positions
    positions_value: float
    portfolio_value: float
    starting_cash: float
    start_date: pd.Timestamp | None

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
