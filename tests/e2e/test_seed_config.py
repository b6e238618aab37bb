"""The seed's paper_trading.yaml, verbatim, is a valid configuration once rustybt-paper is in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "seed" / "000_592120bc3508c669.txt"


def seed_config() -> str:
    text = SEED.read_text()
    return text.split("cat > ~/.rustybt/paper_trading.yaml <<EOF\n")[1].split("\nEOF")[0] + "\n"


def test_the_seed_config_verifies(tmp_path: Path) -> None:
    config = tmp_path / "paper_trading.yaml"
    config.write_text(seed_config())
    result = subprocess.run(
        [sys.executable, "-m", "rustybt", "verify-config", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout
