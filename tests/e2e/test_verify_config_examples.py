"""The configurations the examples and the docs show pass `rustybt verify-config`, their
alert channels checked against each channel's settings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shown_configs() -> dict[str, str]:
    """Every complete trading configuration in the examples and the trading docs."""
    configs = {
        "examples/paper_trading.yaml": (REPO / "examples" / "paper_trading.yaml").read_text()
    }
    paper = (REPO / "docs" / "paper-trading.md").read_text()
    for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", paper, flags=re.DOTALL)):
        if "alerts:" in block and "broker:" in block:
            configs[f"docs/paper-trading.md#{index}"] = block
    operations = (REPO / "docs" / "operations.md").read_text()
    configs["docs/operations.md"] = operations.split("<<EOF\n")[1].split("\nEOF")[0] + "\n"
    return configs


CONFIGS = shown_configs()


def test_the_docs_show_configs_with_alert_channels() -> None:
    assert sum("channels:" in text for text in CONFIGS.values()) >= 2


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_shown_config_verifies(name: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIGS[name])
    result = subprocess.run(
        [sys.executable, "-m", "rustybt", "verify-config", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
