"""The benchmark strategy as a Zipline user writes it, as a strategy file.

An SMA(20)/SMA(50) crossover over every asset (its windows are the parameters ``fast`` and
``slow``, so ``rustybt sweep`` can vary them): one ``data.history`` of all the assets per
bar, turned into an array with ``np.asarray``, numpy means of the window, a
``context.portfolio.positions`` lookup per asset, and ``order_target_percent`` to enter
(1/N of 98 % of the portfolio) or leave. It pays $0.001 per share and no slippage. This is
the strategy of the peer comparison in ``docs/benchmarks.md``, so the ``backtest-w1``,
``backtest-w2`` and paper-replay rows measure what a user's strategy gets, not a strategy
written for the engine's fast paths.

:func:`bare_loop_seconds` times the same strategy's own work with no engine at all: what
any engine, however fast, would still spend running it.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np

SOURCE = '''"""SMA(fast)/SMA(slow) crossover over every asset, written as for zipline (20/50 unless
-D fast=... -D slow=... say otherwise)."""

import numpy as np

from rustybt.api import order_target_percent, set_commission, set_slippage, symbol
from rustybt.finance import commission, slippage

SYMBOLS = {symbols!r}
FREQUENCY = {frequency!r}
FRAC = 0.98
PARAMS = {{"fast": 20, "slow": 50}}


def initialize(context):
    context.fast, context.slow = context.params.fast, context.params.slow
    context.assets = [symbol(s) for s in SYMBOLS]
    context.bars = 0
    set_commission(commission.PerShare(cost=0.001, min_trade_cost=0))
    set_slippage(slippage.FixedSlippage(spread=0.0))


def handle_data(context, data):
    context.bars += 1
    if context.bars < context.slow:
        return
    window = data.history(context.assets, "close", context.slow, FREQUENCY)
    closes = np.asarray(window, dtype=float)
    fast = closes[-context.fast :].mean(axis=0)
    slow = closes.mean(axis=0)
    positions = context.portfolio.positions
    weight = FRAC / len(context.assets)
    for k, asset in enumerate(context.assets):
        held = asset in positions and positions[asset].amount != 0
        if fast[k] > slow[k]:
            if not held:
                order_target_percent(asset, weight)
        elif held:
            order_target_percent(asset, 0.0)
'''


def write_user_strategy(path: Path, symbols: Sequence[str], history_frequency: str) -> Path:
    """Write the user-style crossover over ``symbols`` to ``path``, reading its history at
    ``history_frequency`` (``"1d"`` or ``"1m"``); return ``path``."""
    path.write_text(SOURCE.format(symbols=list(symbols), frequency=history_frequency))
    return path


class _Held:
    """A position in the bare loop: only what the strategy reads of one."""

    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


def bare_loop_seconds(
    closes: np.ndarray, assets: Sequence[Hashable], first_bar: int, fast: int = 20, slow: int = 50
) -> float:
    """Seconds the strategy's own work takes over the bars of ``closes`` (bar × asset) from
    ``first_bar`` on, in a plain Python loop with no engine: per bar, the same counter and
    early return, the last ``slow`` closes as an array, its two means, and for each of
    ``assets`` the same position lookup and comparison; an order only notes the position
    it would leave. No engine runs the strategy in less."""
    context = SimpleNamespace(bars=0, assets=list(assets), fast=fast, slow=slow)
    positions: dict[Hashable, _Held] = {}
    weight = 0.98 / len(context.assets)
    began = time.perf_counter()
    for bar in range(first_bar, len(closes)):
        context.bars += 1
        if context.bars < context.slow:
            continue
        window = closes[bar - context.slow + 1 : bar + 1]
        closes_now = np.asarray(window, dtype=float)
        fast_mean = closes_now[-context.fast :].mean(axis=0)
        slow_mean = closes_now.mean(axis=0)
        for k, asset in enumerate(context.assets):
            held = asset in positions and positions[asset].amount != 0
            if fast_mean[k] > slow_mean[k]:
                if not held:
                    positions[asset] = _Held(int(weight * 1e6))
            elif held:
                del positions[asset]
    return time.perf_counter() - began
