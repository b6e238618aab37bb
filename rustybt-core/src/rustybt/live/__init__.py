"""Paper and live trading: the same strategies as backtests, executed through a broker."""

from rustybt.live.launch import (
    TradingOverrides,
    kill_switch_path,
    live_session_window,
    parse_duration,
    request_stop,
    run_trading_session,
    state_file_of,
    trade,
    trading_settings,
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
    "TradingOverrides",
    "TradingSession",
    "kill_switch_path",
    "live_session",
    "live_session_window",
    "paper_session",
    "parse_duration",
    "request_stop",
    "run_trading_session",
    "state_file_of",
    "trade",
    "trading_settings",
]
