"""The ``broker-paper-round-trip`` benchmark: one order's life through the paper broker.

Each order of 100 shares (buys and sells alternating, so the position stays small) is
submitted with :meth:`PaperBroker.submit_order`, then the next bar is passed to
:meth:`PaperBroker.on_bar`, which fills it with the backtest's default cost models and
returns the fill: that round trip is timed, order by order, and reported as its median
(p50) and 99th percentile (p99) in microseconds. Bars are one minute apart, with a close
along a seeded random walk and a volume of 1,000,000 shares, so every order fills at once.
A new broker takes the 5,000 orders, so the order book grows as in a long session.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
from rustybt.benchmarks.measurement import Metric
from rustybt.broker import BarQuote, OrderRequest
from rustybt.errors import RustyBTError

from rustybt_paper.broker import PaperBroker

SYMBOL = "SYN0001"
ORDER_SHARES = 100


@attrs.define
class OrderRoundTrip:
    """p50 and p99 of submit-to-fill latency over ``orders`` market orders."""

    orders: int
    description: str = (
        "Paper broker: 5,000 market orders, each submitted and filled on the next bar"
    )
    bars: list[dict[str, BarQuote]] = attrs.field(factory=list, init=False)
    requests: list[OrderRequest] = attrs.field(factory=list, init=False)

    def setup(self, workdir: Path) -> None:
        """Prepare the bars and the order requests (in memory: ``workdir`` is not used)."""
        rng = np.random.default_rng(5)
        closes = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.001, self.orders + 1)))
        stamps = pd.date_range("2024-01-02 14:30", periods=self.orders + 1, freq="min", tz="UTC")
        self.bars = [
            {SYMBOL: BarQuote(close=round(float(close), 2), volume=1_000_000.0, dt=dt)}
            for close, dt in zip(closes, stamps, strict=True)
        ]
        self.requests = [
            OrderRequest(
                client_order_id=f"bench-{k}",
                symbol=SYMBOL,
                amount=Decimal(ORDER_SHARES if k % 2 == 0 else -ORDER_SHARES),
            )
            for k in range(self.orders)
        ]

    def run(self) -> dict[str, Metric]:
        """Time each order from submission to its fill, on a new broker."""
        broker = PaperBroker(initial_capital=1_000_000)
        broker.on_bar(0, self.bars[0])
        latencies = np.empty(self.orders, dtype=np.int64)
        for k, request in enumerate(self.requests):
            began = time.perf_counter_ns()
            broker.submit_order(request)
            fills = broker.on_bar(k + 1, self.bars[k + 1])
            latencies[k] = time.perf_counter_ns() - began
            if len(fills) != 1 or fills[0].amount != request.amount:
                raise RustyBTError(
                    f"paper order {request.client_order_id} did not fill in one piece on the "
                    f"next bar ({fills}); the round-trip latency would mean something else"
                )
        p50, p99 = np.percentile(latencies, [50, 99]) / 1000
        return {
            "p50_us": Metric(value=float(p50), unit="µs", higher_is_better=False),
            "p99_us": Metric(value=float(p99), unit="µs", higher_is_better=False),
        }


def order_round_trip(scale: float = 1.0) -> OrderRoundTrip:
    """5,000 orders (fewer with ``scale``, never under 200 so p99 means something)."""
    return OrderRoundTrip(orders=max(200, int(5000 * scale)))
