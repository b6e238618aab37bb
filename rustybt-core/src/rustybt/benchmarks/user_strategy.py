"""The benchmark strategy as a Zipline user writes it, as a strategy file.

An SMA(20)/SMA(50) crossover (its windows are the parameters ``fast`` and ``slow``, so
``rustybt sweep`` can vary them) that pays $0.001 per share and no slippage, written the
ways Zipline users write it, each with one ``data.history`` per bar, a
``context.portfolio.positions`` lookup per asset, and ``order_target_percent`` to enter
(1/N of 98 % of the portfolio) or leave:

- ``"pandas"``, the main benchmark rows: pandas reductions on the window, as Zipline's own
  examples do. Over one asset, the asset's Series (``prices[-fast:].mean()``, as Zipline's
  dual moving average example); over several, the frame's per-asset means
  (``prices.iloc[-fast:].mean()``) read asset by asset (``fast[asset] > slow[asset]``).
- ``"numpy"``: the window turned into an array with ``np.asarray`` and its numpy means
  compared by position, as the peer comparison's RustyBT script in ``docs/benchmarks.md``
  writes it.

:func:`bare_loop_seconds` times the numpy form's own work with no engine at all: what any
engine, however fast, would still spend running it.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import numpy as np

Form = Literal["pandas", "numpy"]

_HEADER = '''"""SMA(fast)/SMA(slow) crossover {over}, written as for zipline (20/50 unless
-D fast=... -D slow=... say otherwise)."""
{numpy}
from rustybt.api import order_target_percent, set_commission, set_slippage, symbol
from rustybt.finance import commission, slippage

SYMBOLS = {symbols!r}
FREQUENCY = {frequency!r}
FRAC = 0.98
PARAMS = {{"fast": 20, "slow": 50}}


def initialize(context):
    context.fast, context.slow = context.params.fast, context.params.slow
    {assets}
    context.bars = 0
    set_commission(commission.PerShare(cost=0.001, min_trade_cost=0))
    set_slippage(slippage.FixedSlippage(spread=0.0))


def handle_data(context, data):
    context.bars += 1
    if context.bars < context.slow:
        return
'''

_PANDAS_ONE = """    prices = data.history(context.asset, "close", context.slow, FREQUENCY)
    fast = prices[-context.fast :].mean()
    slow = prices.mean()
    positions = context.portfolio.positions
    held = context.asset in positions and positions[context.asset].amount != 0
    if fast > slow:
        if not held:
            order_target_percent(context.asset, FRAC)
    elif held:
        order_target_percent(context.asset, 0.0)
"""

_ORDERS = """    positions = context.portfolio.positions
    weight = FRAC / len(context.assets)
    for {each}:
        held = asset in positions and positions[asset].amount != 0
        if {above}:
            if not held:
                order_target_percent(asset, weight)
        elif held:
            order_target_percent(asset, 0.0)
"""

_PANDAS_MANY = """    prices = data.history(context.assets, "close", context.slow, FREQUENCY)
    fast = prices.iloc[-context.fast :].mean()
    slow = prices.mean()
""" + _ORDERS.format(each="asset in context.assets", above="fast[asset] > slow[asset]")

_NUMPY = """    window = data.history(context.assets, "close", context.slow, FREQUENCY)
    closes = np.asarray(window, dtype=float)
    fast = closes[-context.fast :].mean(axis=0)
    slow = closes.mean(axis=0)
""" + _ORDERS.format(each="k, asset in enumerate(context.assets)", above="fast[k] > slow[k]")


def user_strategy_source(symbols: Sequence[str], history_frequency: str, form: Form) -> str:
    """The crossover over ``symbols`` in ``form``, reading its history at
    ``history_frequency`` (``"1d"`` or ``"1m"``), as the text of a strategy file."""
    one = form == "pandas" and len(symbols) == 1
    header = _HEADER.format(
        over="of one asset" if one else "over every asset",
        numpy="\nimport numpy as np\n" if form == "numpy" else "",
        symbols=list(symbols),
        frequency=history_frequency,
        assets="context.asset = symbol(SYMBOLS[0])"
        if one
        else "context.assets = [symbol(s) for s in SYMBOLS]",
    )
    if form == "numpy":
        return header + _NUMPY
    return header + (_PANDAS_ONE if one else _PANDAS_MANY)


def write_user_strategy(
    path: Path, symbols: Sequence[str], history_frequency: str, form: Form = "pandas"
) -> Path:
    """Write the crossover over ``symbols`` in ``form`` to ``path`` (see
    :func:`user_strategy_source`); return ``path``."""
    path.write_text(user_strategy_source(symbols, history_frequency, form))
    return path


class _Held:
    """A position in the bare loop: only what the strategy reads of one."""

    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


def bare_loop_seconds(
    closes: np.ndarray, assets: Sequence[Hashable], first_bar: int, fast: int = 20, slow: int = 50
) -> float:
    """Seconds the numpy form's own work takes over the bars of ``closes`` (bar × asset) from
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
