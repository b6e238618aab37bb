"""Settings shared by every test: plugins fail loudly, and nothing touches the user's dirs."""

from __future__ import annotations

import os

import pytest

os.environ["RUSTYBT_STRICT_PLUGINS"] = "1"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("RUSTYBT_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("RUSTYBT_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("RUSTYBT_CONFIG", raising=False)
