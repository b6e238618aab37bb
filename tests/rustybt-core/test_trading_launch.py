"""Starting trading sessions from the library: the live window, and settings laid over a
config file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rustybt.calendars import get_calendar
from rustybt.errors import ConfigError
from rustybt.live import TradingOverrides, live_session_window, trade, trading_settings


def test_a_short_live_session_started_on_a_saturday_still_holds_a_trading_session() -> None:
    saturday = pd.Timestamp("2026-12-05 09:38", tz="UTC")
    start, end = live_session_window(saturday, pd.Timedelta(seconds=10))
    assert start == pd.Timestamp("2026-12-05", tz="UTC")
    sessions = get_calendar("XNYS").sessions(start, end)
    assert sessions[0] == pd.Timestamp("2026-12-07", tz="UTC")


def test_a_live_session_without_a_duration_spans_thirty_days() -> None:
    start, end = live_session_window(pd.Timestamp("2026-12-07 14:00", tz="UTC"))
    assert end - start == pd.Timedelta(days=30)


def test_overrides_win_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "paper.yaml"
    config.write_text(
        "broker:\n  type: paper\ndata:\n  source: sample\nlogging:\n  heartbeat_interval: 60\n"
    )
    settings = trading_settings(
        "paper",
        config=config,
        overrides=TradingOverrides(source="files", data_dir=tmp_path, log_level="debug"),
    )
    assert (settings.data.source, settings.data.data_dir) == ("files", str(tmp_path))
    assert settings.logging.heartbeat_interval == 60
    assert settings.logging.level == "DEBUG"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"replay": True, "start": "2012-01-03"}, "--replay needs --start and --end"),
        ({"start": "2012-01-03", "end": "2012-02-01"}, "--start and --end go with --replay"),
        ({"log_file": None}, "--strategy and --log-file are required"),
    ],
)
def test_a_wrong_request_says_what_to_give(tmp_path: Path, request_: dict, message: str) -> None:
    arguments = {
        "strategy": tmp_path / "strategy.py",
        "log_file": tmp_path / "log",
        "settings": trading_settings("paper"),
        "state_file": tmp_path / "state.sqlite",
        **request_,
    }
    with pytest.raises(ConfigError, match=message):
        trade("paper", **arguments)
    assert not (tmp_path / "state.sqlite").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (TradingOverrides(heartbeat_interval=0), "--heartbeat-interval must be > 0"),
        (TradingOverrides(heartbeat_interval=float("nan")), "--heartbeat-interval must be > 0"),
        (TradingOverrides(log_level="chatty"), "--log-level must be one of DEBUG, INFO"),
    ],
)
def test_a_wrong_override_is_refused_naming_the_option(
    overrides: TradingOverrides, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        trading_settings("paper", overrides=overrides)


@pytest.mark.parametrize(
    ("speed", "duration"), [(float("inf"), None), (float("nan"), None), (0.0, "infd")]
)
def test_a_speed_or_duration_that_is_no_finite_number_is_refused(
    tmp_path: Path, speed: float, duration: str | None
) -> None:
    with pytest.raises(ConfigError, match=r"--speed must be|duration must look like"):
        trade(
            "paper",
            strategy=tmp_path / "strategy.py",
            log_file=tmp_path / "log",
            settings=trading_settings("paper"),
            state_file=tmp_path / "state.sqlite",
            replay=duration is None,
            start="2012-01-03" if duration is None else None,
            end="2012-02-01" if duration is None else None,
            speed=speed,
            duration=duration,
        )
    assert list(tmp_path.iterdir()) == []
