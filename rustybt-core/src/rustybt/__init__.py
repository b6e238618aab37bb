"""RustyBT: one strategy API for backtests, paper trading and live trading.

``from rustybt import TradingAlgorithm`` for class-style strategies; plugin authors import
:data:`hookimpl` from here to implement the hooks in :mod:`rustybt.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from rustybt.hookspecs import hookimpl, hookspec

try:
    __version__ = version("rustybt-core")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

# Imported on first use: plugins and the pytest plugin import this package, and should not
# pay for pandas and the engine unless they use them.
_LAZY = {
    "TradingAlgorithm": "rustybt.algorithm",
    "run_algorithm": "rustybt.backtest",
    "run_backtest": "rustybt.backtest",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


__all__ = [
    "TradingAlgorithm",
    "__version__",
    "hookimpl",
    "hookspec",
    "run_algorithm",
    "run_backtest",
]
