"""Transactions: fills of orders, exact to the lot; and the float view of one that a
commission model written for zipline reads (:class:`TransactionView`)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.portfolio import position_amount


@attrs.frozen(kw_only=True)
class Transaction:
    """One fill. ``amount`` is signed (positive buys); ``price`` is the slippage model's,
    unrounded as zipline uses it. ``order_id`` is None for a position the engine closed
    itself, without an order (an ended asset's auto-close, as zipline's).

    ``commission`` is what the commission model charged for this fill (``Decimal(0)``
    until it has been computed). ``fill_id`` names the fill uniquely within its session
    (the venue's trade id for a real broker).
    """

    order_id: str | None
    asset: Asset
    amount: Decimal
    price: Decimal
    dt: pd.Timestamp
    commission: Decimal = Decimal(0)
    maker: bool = False
    fill_id: str = ""

    @property
    def notional(self) -> Decimal:
        """``|amount| × price``: the traded value before commission."""
        return abs(self.amount) * self.price

    @property
    def cash_flow(self) -> Decimal:
        """The change in cash this fill causes: ``-(amount × price) - commission``."""
        return -(self.amount * self.price) - self.commission

    def to_dict(self) -> dict[str, object]:
        """A dict as in a Zipline results ``transactions`` column (values exact Decimals)."""
        return {
            "order_id": self.order_id,
            "symbol": self.asset.symbol,
            "amount": self.amount,
            "price": self.price,
            "commission": self.commission,
            "dt": self.dt,
        }


@attrs.frozen(kw_only=True)
class TransactionView:
    """A fill as zipline shows it to a commission model written for zipline, taken by
    :meth:`of`: ``amount`` an int (a float for assets traded in fractions), ``price`` a
    float. ``transaction`` is the exact fill."""

    asset: Asset
    amount: int | float
    dt: pd.Timestamp
    price: float
    order_id: str | None
    transaction: Transaction = attrs.field(repr=False)

    @classmethod
    def of(cls, transaction: Transaction) -> TransactionView:
        """The view of ``transaction``."""
        asset = transaction.asset
        return cls(
            asset=asset,
            amount=position_amount(asset, transaction.amount),
            dt=transaction.dt,
            price=float(transaction.price),
            order_id=transaction.order_id,
            transaction=transaction,
        )


# The fields' slots, written directly: a frozen class's keyword __init__ sets each field
# through object.__setattr__ by name, which costs twice as much, once per fill.
(
    _set_order_id,
    _set_asset,
    _set_amount,
    _set_price,
    _set_dt,
    _set_commission,
    _set_maker,
    _set_fill_id,
) = (Transaction.__dict__[field.name].__set__ for field in attrs.fields(Transaction))
_new_transaction = object.__new__


def fill_transaction(
    order_id: str,
    asset: Asset,
    amount: Decimal,
    price: Decimal,
    dt: pd.Timestamp,
    commission: Decimal,
    maker: bool,
    fill_id: str,
) -> Transaction:
    """The same :class:`Transaction` as ``Transaction(order_id=order_id, ...)`` with these
    fields, made at half the cost (the fill loop makes one per fill)."""
    transaction = _new_transaction(Transaction)
    _set_order_id(transaction, order_id)
    _set_asset(transaction, asset)
    _set_amount(transaction, amount)
    _set_price(transaction, price)
    _set_dt(transaction, dt)
    _set_commission(transaction, commission)
    _set_maker(transaction, maker)
    _set_fill_id(transaction, fill_id)
    return transaction
