"""docs/sweeps.md's Python block reads the table its first command wrote, as a reader
following the page does."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "sweeps.md"
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
assert _spec is not None and _spec.loader is not None
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)


def test_the_pages_python_block_reads_the_sweep_its_first_command_wrote(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "examples").symlink_to(REPO / "examples")
    first = doc_commands.commands_in(PAGE.read_text(), "docs/sweeps.md")[0]
    assert first.args[0] == "sweep" and "out/sweep.parquet" in first.args
    written = subprocess.run(
        [sys.executable, "-m", "rustybt", *first.args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RUSTYBT_DATA_DIR": str(tmp_path / "data")},
    )
    assert written.returncode == 0, written.stderr
    namespace = doc_commands.run_python_blocks(PAGE, tmp_path, REPO)
    best = namespace["best"]
    table = namespace["table"]
    assert best["sharpe"] == table["sharpe"].max()
    assert table.attrs["sweep"]["params"] == ["fast", "slow"]
