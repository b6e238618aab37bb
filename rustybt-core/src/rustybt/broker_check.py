"""Checking a broker connection (``rustybt test-broker``): balances, latency, a test order.

A real broker gets a resting limit order far from the market, placed and cancelled (from its
optional ``test_order_request(symbol, client_order_id)``). A simulated broker (``paper``)
instead fills a one-lot market order against the latest bar of a data source, so the check
shows a whole order's life.
"""

from __future__ import annotations

import itertools
import time
from decimal import Decimal
from typing import Any

import attrs

from rustybt.broker import Balance, BarQuote, Broker, BrokerFill, BrokerOrder, OrderRequest
from rustybt.data.source import DataSource
from rustybt.engine.simulated_execution import SimulatedExecution
from rustybt.errors import BrokerError

_test_order_ids = itertools.count(1)


@attrs.frozen(kw_only=True)
class BrokerCheck:
    """What a broker check found: balances, one request's round trip, the test order."""

    broker: str
    balances: dict[str, Balance]
    latency_seconds: float
    placed: BrokerOrder | None = None
    final: BrokerOrder | None = None
    fills: tuple[BrokerFill, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals as strings)."""
        order = None
        if self.placed is not None and self.final is not None:
            limit = self.placed.limit_price
            order = {
                "id": self.placed.id,
                "client_order_id": self.placed.client_order_id,
                "symbol": self.placed.symbol,
                "amount": str(self.placed.amount),
                "limit_price": None if limit is None else str(limit),
                "status": str(self.final.status),
                "fills": [
                    {
                        "amount": str(f.amount),
                        "price": str(f.price),
                        "commission": str(f.commission),
                    }
                    for f in self.fills
                ],
            }
        return {
            "broker": self.broker,
            "connected": True,
            "latency_ms": round(self.latency_seconds * 1000, 3),
            "balances": {
                currency: {"total": str(b.total), "free": str(b.free)}
                for currency, b in self.balances.items()
            },
            "test_order": order,
        }


def check_broker(
    broker: Broker, *, test_order_symbol: str | None, quotes: DataSource | None = None
) -> BrokerCheck:
    """Time a balance request; with ``test_order_symbol``, run a test order (see module doc).

    A simulated broker needs ``quotes``, the source of the bar its order fills against.
    """
    began = time.perf_counter()
    balances = broker.balances()
    latency = time.perf_counter() - began
    if test_order_symbol is None:
        return BrokerCheck(broker=broker.name, balances=balances, latency_seconds=latency)
    client_order_id = f"rustybt-test-{int(time.time())}-{next(_test_order_ids)}"
    if isinstance(broker, SimulatedExecution):
        if quotes is None:
            raise BrokerError(f"broker '{broker.name}' needs a data source to fill a test order")
        placed, final, fills = _simulated_fill(broker, quotes, test_order_symbol, client_order_id)
    else:
        make_request = getattr(broker, "test_order_request", None)
        if make_request is None:
            raise BrokerError(f"broker '{broker.name}' cannot suggest a test order")
        placed = broker.submit_order(make_request(test_order_symbol, client_order_id))
        final, fills = broker.cancel_order(placed.id), ()
    return BrokerCheck(
        broker=broker.name,
        balances=broker.balances() if fills else balances,
        latency_seconds=latency,
        placed=placed,
        final=final,
        fills=tuple(fills),
    )


def _simulated_fill(
    broker: Any, quotes: DataSource, symbol: str, client_order_id: str
) -> tuple[BrokerOrder, BrokerOrder, list[BrokerFill]]:
    latest = quotes.latest_bars([symbol], "1d").iloc[0]
    bar = BarQuote(
        close=float(latest["close"]), volume=float(latest["volume"]), dt=latest["timestamp"]
    )
    broker.on_bar(0, {symbol: bar})
    placed = broker.submit_order(
        OrderRequest(client_order_id=client_order_id, symbol=symbol, amount=Decimal(1))
    )
    fills = broker.on_bar(1, {symbol: bar})
    return placed, broker.get_order(order_id=placed.id), fills
