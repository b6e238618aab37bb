"""The environment of a reader's shell, for tests that run what the docs tell a reader to.

uv is the one running the suite (``uv run`` names it in ``UV``); it reads the packages from
the user's uv cache and never the network; this test run's own venv is not active.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

UV = os.environ.get("UV") or shutil.which("uv") or "uv"
"""The uv running the suite, standing in for the one the README installs."""

# Read now, before the tests' fixtures move HOME (and with it uv's default cache).
UV_CACHE = subprocess.run(
    [UV, "cache", "dir"], capture_output=True, text=True, check=True
).stdout.strip()

_NOT_A_READERS = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"}


def reader_environment(**extra: str) -> dict[str, str]:
    """This process's environment as a reader's shell would have it, plus ``extra``: uv on
    PATH, offline, with the user's cache; no venv of this test run active or on PATH."""
    path = [
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if Path(sys.prefix) not in Path(entry).parents
    ]
    environment = {k: v for k, v in os.environ.items() if k not in _NOT_A_READERS}
    environment.update(
        PATH=os.pathsep.join([str(Path(UV).parent), *path]),
        UV_OFFLINE="1",
        UV_CACHE_DIR=UV_CACHE,
    )
    environment.update(extra)
    return environment
