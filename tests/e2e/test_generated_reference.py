"""The generated reference pages (docs/reference/) are committed as the code states them now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "generate_reference", REPO / "scripts" / "generate_reference.py"
)
generate_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_reference)

PAGES = generate_reference.generated_pages()


@pytest.mark.parametrize("page", sorted(PAGES), ids=lambda path: str(path.relative_to(REPO)))
def test_the_committed_page_is_what_the_generator_writes(page: Path) -> None:
    committed = page.read_text() if page.is_file() else ""
    assert committed == PAGES[page], (
        f"{page.relative_to(REPO)} is out of date: run "
        "`uv run python scripts/generate_reference.py` and commit the result"
    )


def test_every_command_and_config_section_has_a_section() -> None:
    cli = PAGES[REPO / "docs" / "reference" / "cli.md"]
    for heading in ("## rustybt run", "## rustybt benchmark compare", "## rustybt data clean"):
        assert f"\n{heading}\n" in cli
    config = PAGES[REPO / "docs" / "reference" / "config.md"]
    for heading in ("## broker", "### broker.commission", "### alerts.channels[]", "### email"):
        assert f"\n{heading}\n" in config
    assert "| `risk.kill_switch` | text | `<state file>.stop` |" in config
