"""The seed's 30-day paper-trading procedure, command for command: its config in
~/.rustybt/paper_trading.yaml, its strategy unchanged, its `paper-trade` command on a live
(polled) Yahoo feed — here the loopback fake — stopped with SIGTERM like an operator would."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rustybt_yfinance.testing import serve_fake_yahoo

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "seed" / "000_592120bc3508c669.txt"


def seed_config() -> str:
    return (
        SEED.read_text().split("cat > ~/.rustybt/paper_trading.yaml <<EOF\n")[1].split("\nEOF")[0]
    )


def test_the_seed_paper_trade_command_starts_trading_and_stops_cleanly(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / ".rustybt" / "logs" / "validation").mkdir(parents=True)
    (home / ".rustybt" / "paper_trading.yaml").write_text(seed_config() + "\n")
    shutil.copy(REPO / "examples" / "validation_strategy.py", tmp_path)
    log = home / ".rustybt" / "logs" / "validation" / "paper_trade_20261124.log"
    with serve_fake_yahoo(["SPY"]) as yahoo:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rustybt",
                "paper-trade",
                "--strategy",
                "validation_strategy.py",
                "--broker",
                "paper",
                "--duration",
                "30d",
                "--log-file",
                str(log),
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "RUSTYBT_YFINANCE_BASE_URL": yahoo.base_url},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and "engine_started" in log.read_text():
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "stopped" in stdout and "signal" in stdout
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events[0]["event"] == "engine_started"
    assert (events[-1]["event"], events[-1]["reason"]) == ("engine_stopped", "signal")
