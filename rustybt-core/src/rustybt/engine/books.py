"""A session's books: its one order book, its one exact ledger and the cost models in force.

An execution reports each fill here once (:meth:`Books.record_fill`); the order and the
ledger are updated together and the listeners (the engine's results, a journal) hear of it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rustybt.finance.execution import CostModels
from rustybt.finance.ledger import Ledger
from rustybt.finance.order import Order
from rustybt.finance.order_book import OrderBook
from rustybt.finance.transaction import Transaction

FillListener = Callable[[Order, Transaction], None]


class Books:
    """Orders, money and costs of one account."""

    def __init__(self, starting_cash: Decimal, *, id_prefix: str = "o") -> None:
        self.orders = OrderBook(id_prefix)
        self.ledger = Ledger([], starting_cash)
        self.costs = CostModels()
        self.fills: list[Transaction] = []
        """Every fill booked, in order."""
        self.listeners: list[FillListener] = []

    def record_fill(self, order: Order, transaction: Transaction) -> None:
        """Book one fill of ``order``: its progress, then cash and position, then tell the
        listeners. Finished orders leave the open set when the bar's fills are done
        (:meth:`rustybt.finance.order_book.OrderBook.prune`)."""
        order.record_fill(transaction.amount, transaction.commission)
        self.ledger.apply(transaction)
        self.orders.touched[order.id] = order
        self.fills.append(transaction)
        for listener in self.listeners:
            listener(order, transaction)
