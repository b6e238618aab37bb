"""Paper sessions of a strategy file replayed at full speed on the sample data, in this
process: what the restart tests of this folder run, and run again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rustybt.engine.clock import ReplayClock
from rustybt.live import run_trading_session
from rustybt.live.config import TradingConfig


def replay_session(
    strategy: Path, name: str, start: str, end: str, **options: object
) -> dict[str, object]:
    """Replay ``strategy`` from ``start`` to ``end`` through the paper broker, journaled to
    ``name.sqlite`` beside it with its log ``name.log`` (resuming from the journal when it
    holds a checkpoint); ``options`` go to ``run_trading_session``. Returns its summary."""
    summary = run_trading_session(
        strategy,
        config=TradingConfig(),
        log_file=strategy.parent / f"{name}.log",
        state_file=strategy.parent / f"{name}.sqlite",
        start=start,
        end=end,
        clock=ReplayClock(pd.Timestamp(start, tz="UTC").value),
        **options,
    )
    return summary.to_dict()
