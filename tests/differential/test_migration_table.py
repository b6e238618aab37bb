"""The Zipline migration page is generated from this suite and says the truth about it."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from migration_table import PAGE, ZIPLINE_API, page, rows, unchecked


def test_the_committed_migration_page_is_the_generated_one() -> None:
    regenerate = "uv run python tests/differential/migration_table.py"
    assert PAGE.read_text() == page(), f"docs/zipline-migration.md is stale: run `{regenerate}`"


def test_every_zipline_api_name_imports_from_rustybt_api() -> None:
    import rustybt.api

    assert [name for name in ZIPLINE_API if not hasattr(rustybt.api, name)] == []


def test_every_supported_name_is_checked_by_a_corpus_strategy() -> None:
    assert unchecked() == []


def test_every_unsupported_name_says_so_and_points_to_the_migration_page() -> None:
    import rustybt.api
    from rustybt.errors import StrategyError

    unsupported = [name for name, status, _ in rows() if status == "not supported"]
    for name in unsupported:
        with pytest.raises(
            StrategyError, match=rf"{name} is not supported by RustyBT: .*; see docs/"
        ):
            getattr(rustybt.api, name)()


def test_the_name_list_is_zipline_api_all() -> None:
    python = os.environ.get("RUSTYBT_ZIPLINE_PYTHON")
    if not python:
        pytest.skip("no oracle: run `nox -s differential`")
    listed = subprocess.run(
        [python, "-c", "import json, zipline.api; print(json.dumps(sorted(zipline.api.__all__)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(ZIPLINE_API) == json.loads(listed.stdout)
