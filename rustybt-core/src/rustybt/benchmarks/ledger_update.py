"""Built-in benchmark: what the ledger costs per fill booked and per bar valued.

The universe is 100 synthetic assets priced on the default 0.0001 tick grid along seeded
random walks over 10 years of daily bars. Setup prepares 20,000 fills (a random asset,
1 to 500 shares bought or sold, at that asset's price on a random bar, $0.005 a share of
commission). The timed part books them on a new :class:`~rustybt.finance.ledger.Ledger`
with :meth:`~rustybt.finance.ledger.Ledger.apply`, then values the resulting positions at
every bar with :meth:`~rustybt.finance.ledger.Ledger.portfolio_value`, as the backtest
does after each bar. Both figures are mean microseconds per call.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.benchmarks.measurement import Metric
from rustybt.benchmarks.synthetic_bars import synthetic_symbols
from rustybt.finance.ledger import Ledger
from rustybt.finance.transaction import Transaction

ASSETS = 100
STARTING_CASH = Decimal(10_000_000)
COMMISSION_PER_SHARE = Decimal("0.005")


@attrs.define
class LedgerUpdate:
    """Microseconds per :meth:`Ledger.apply` and per :meth:`Ledger.portfolio_value`."""

    fills: int
    bars: int
    description: str = (
        "Ledger: book 20,000 fills over 100 assets, value the positions at 2,520 bars"
    )
    assets: list[Asset] = attrs.field(factory=list, init=False)
    ticks: np.ndarray | None = attrs.field(default=None, init=False)
    transactions: list[Transaction] = attrs.field(factory=list, init=False)

    def setup(self, workdir: Path) -> None:
        """Price the assets and prepare the fills (in memory: ``workdir`` is not used)."""
        rng = np.random.default_rng(20)
        self.assets = [Asset(symbol=symbol) for symbol in synthetic_symbols(ASSETS)]
        steps = rng.normal(0.0002, 0.02, (self.bars, ASSETS))
        closes = 50.0 * np.exp(np.cumsum(steps, axis=0))
        self.ticks = np.rint(closes / float(self.assets[0].tick_size)).astype(np.int64)
        dt = pd.Timestamp("2014-01-02", tz="UTC")
        self.transactions = []
        for k in range(self.fills):
            column, bar = int(rng.integers(ASSETS)), int(rng.integers(self.bars))
            asset = self.assets[column]
            amount = Decimal(int(rng.integers(1, 501)) * (1 if rng.random() < 0.55 else -1))
            self.transactions.append(
                Transaction(
                    order_id=f"bench-{k}",
                    asset=asset,
                    amount=amount,
                    price=asset.price_from_ticks(self.ticks[bar, column]),
                    dt=dt,
                    commission=abs(amount) * COMMISSION_PER_SHARE,
                )
            )

    def run(self) -> dict[str, Metric]:
        """Time booking every fill, then valuing the account at every bar."""
        ledger = Ledger(self.assets, STARTING_CASH)
        units = ledger.value_units(self.ticks)
        began = time.perf_counter()
        for transaction in self.transactions:
            ledger.apply(transaction)
        booked = time.perf_counter()
        for bar in range(self.bars):
            ledger.portfolio_value(units[bar])
        valued = time.perf_counter()
        return {
            "fill_us": Metric(
                value=(booked - began) / self.fills * 1e6, unit="µs", higher_is_better=False
            ),
            "valuation_us": Metric(
                value=(valued - booked) / self.bars * 1e6, unit="µs", higher_is_better=False
            ),
        }


def ledger_update(scale: float = 1.0) -> LedgerUpdate:
    """20,000 fills and 2,520 bar valuations over 100 assets (fewer of both with ``scale``)."""
    return LedgerUpdate(fills=max(200, int(20_000 * scale)), bars=max(100, int(2520 * scale)))
