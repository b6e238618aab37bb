"""An install hint, pasted as shown, installs what was missing.

A user who installed only some packages from a clone, into an environment made by uv (which
has no pip), asks for the paper broker; the error names the command, and that command works.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "plugin_packages", Path(__file__).with_name("plugin_packages.py")
)
plugin_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin_packages)
reader_shell = plugin_packages.reader_shell


def test_the_hint_for_a_missing_package_installs_it_from_the_clone(tmp_path: Path) -> None:
    environment = reader_shell.reader_environment()
    venv = tmp_path / "env"
    plugin_packages.new_venv(venv, "./rustybt-core", "./rustybt-cli", environment=environment)
    rustybt = [str(venv / "bin" / "rustybt"), "test-broker", "--broker", "paper"]

    missing = subprocess.run(rustybt, capture_output=True, text=True, env=environment)
    hint = missing.stderr.strip().split("; install it with: ", 1)[1]

    assert missing.returncode == 1
    assert hint == f"uv pip install --python {venv / 'bin' / 'python'} {REPO / 'rustybt-paper'}"
    subprocess.run(hint, shell=True, cwd=tmp_path, env=environment, check=True)
    assert subprocess.run(rustybt, capture_output=True, env=environment).returncode == 0
