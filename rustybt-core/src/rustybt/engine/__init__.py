"""One trading engine for backtests, paper and live sessions, composed from parts."""

from rustybt.engine.books import Books
from rustybt.engine.clock import ReplayClock, SimulatedClock, TimeSource, WallClock
from rustybt.engine.engine import BacktestConfig, Progress, TradingEngine
from rustybt.engine.feed import StoredBars
from rustybt.engine.parts import BarFeed, Clock, Execution, SessionObserver
from rustybt.engine.simulated_execution import SimulatedExecution

__all__ = [
    "BacktestConfig",
    "BarFeed",
    "Books",
    "Clock",
    "Execution",
    "Progress",
    "ReplayClock",
    "SessionObserver",
    "SimulatedClock",
    "SimulatedExecution",
    "StoredBars",
    "TimeSource",
    "TradingEngine",
    "WallClock",
]
