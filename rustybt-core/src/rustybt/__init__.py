"""RustyBT: one strategy API for backtests, paper trading and live trading.

Plugin authors import :data:`hookimpl` from here to implement the hooks in
:mod:`rustybt.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version

from rustybt.hookspecs import hookimpl, hookspec

try:
    __version__ = version("rustybt-core")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "hookimpl", "hookspec"]
