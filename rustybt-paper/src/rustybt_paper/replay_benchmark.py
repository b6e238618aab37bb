"""The ``paper-replay-w1-daily-1-asset-20y`` benchmark: a paper session replayed at
``--speed 0`` against the backtest of the same strategy on the same bars.

It runs what ``rustybt paper-trade --broker paper --replay --speed 0`` runs, in this
process: the user-style crossover of the W1 backtest row
(:mod:`rustybt.benchmarks.user_strategy`) over the same synthetic bars, through the
``paper`` broker, journaled to a new state file with its event log (each timed run starts
a new session, so none resumes another). The backtest of the same strategy file on the same
bars runs in the same measured run, so the ratio of the two, ``replay_over_backtest``
(the issue's target is at most 2), compares figures taken a moment apart.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import attrs
from rustybt.benchmarks.backtest_throughput import BacktestThroughput, w1_daily_single_asset
from rustybt.benchmarks.measurement import Metric
from rustybt.live.config import BrokerConfig, DataConfig, TradingConfig
from rustybt.live.launch import run_trading_session

CAPITAL = 1_000_000


@attrs.define
class PaperReplay:
    """Bars per second of a paper replay at speed 0, and its time over the backtest's."""

    backtest: BacktestThroughput
    description: str
    workdir: Path | None = attrs.field(default=None, init=False)
    runs: int = attrs.field(default=0, init=False)

    def setup(self, workdir: Path) -> None:
        """Write the backtest row's bars and strategy file, which the replay reads too."""
        self.backtest.setup(workdir)
        self.workdir = workdir

    def run(self) -> dict[str, Metric]:
        """Time one paper replay from a new state file, then the backtest on the same bars."""
        backtest, workdir = self.backtest, self.workdir
        assert workdir is not None and backtest.run_sessions is not None, "setup() comes first"
        self.runs += 1
        session_dir = workdir / f"session-{self.runs}"
        session_dir.mkdir()
        config = TradingConfig(
            broker=BrokerConfig(type="paper", initial_capital=Decimal(CAPITAL)),
            data=DataConfig(source="files", frequency="daily", data_dir=str(backtest.data_dir)),
        )
        began = time.perf_counter()
        run_trading_session(
            str(backtest.strategy_file),
            config=config,
            log_file=session_dir / "paper.log",
            state_file=session_dir / "state.sqlite",
            start=backtest.run_sessions[0],
            end=backtest.run_sessions[-1],
            speed=0.0,
            registry=backtest.registry,
        )
        replay_seconds = time.perf_counter() - began
        backtest_seconds = backtest.run()["seconds"].value
        return {
            "bars_per_second": Metric(
                value=backtest.bars / replay_seconds, unit="bars/s", higher_is_better=True
            ),
            "seconds": Metric(value=replay_seconds, unit="s", higher_is_better=False),
            "backtest_seconds": Metric(value=backtest_seconds, unit="s", higher_is_better=False),
            "replay_over_backtest": Metric(
                value=replay_seconds / backtest_seconds, unit="×", higher_is_better=False
            ),
        }


def paper_replay_w1(scale: float = 1.0) -> PaperReplay:
    """The W1 workload (one asset, 5,033 daily sessions) replayed as a paper session."""
    return PaperReplay(
        backtest=w1_daily_single_asset(scale),
        description=(
            "Paper replay at speed 0 of the W1 user-style strategy (1 asset, 20 years of "
            "daily bars), and its time over the backtest's"
        ),
    )
