"""Paper and live trading: the same strategies as backtests, executed through a broker."""

from rustybt.live.launch import (
    kill_switch_path,
    live_session_window,
    parse_duration,
    run_trading_session,
)
from rustybt.live.session import (
    SessionParts,
    SessionSettings,
    SessionSummary,
    TradingSession,
    live_session,
    paper_session,
)

__all__ = [
    "SessionParts",
    "SessionSettings",
    "SessionSummary",
    "TradingSession",
    "kill_switch_path",
    "live_session",
    "live_session_window",
    "paper_session",
    "parse_duration",
    "run_trading_session",
]
