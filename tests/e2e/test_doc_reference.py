"""Every hook spec, CLI command and public library name has its place in the reference docs."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
import typer
from rustybt import hookspecs
from rustybt.plugins import PluginRegistry
from rustybt_cli.main import build_app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def headings(page: str) -> set[str]:
    """The text of every ``## `` heading of a docs page."""
    text = (DOCS / page).read_text()
    return {match.strip() for match in re.findall(r"^## (.+)$", text, flags=re.MULTILINE)}


def test_every_hook_spec_has_a_section_in_the_hook_reference() -> None:
    specs = {
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("rustybt_")
    }
    assert specs, "no hook specs found"
    missing = sorted(specs - headings("hooks.md"))
    assert not missing, f"docs/hooks.md lacks a '## <name>' section for: {', '.join(missing)}"


def test_every_cli_command_has_a_section_in_the_cli_reference() -> None:
    app = build_app(PluginRegistry.from_environment())
    commands = set(typer.main.get_command(app).commands)
    assert "run" in commands
    documented = headings("cli.md")
    missing = sorted(name for name in commands if f"rustybt {name}" not in documented)
    assert not missing, f"docs/cli.md lacks a '## rustybt <name>' section for: {', '.join(missing)}"


@pytest.mark.parametrize("package", ["rustybt.backtest", "rustybt.engine", "rustybt.live"])
def test_every_public_name_of_the_library_is_in_the_python_api_reference(package: str) -> None:
    text = (DOCS / "reference" / "api.md").read_text()
    names = importlib.import_module(package).__all__
    missing = sorted(name for name in names if f"`{name}" not in text)
    assert not missing, f"docs/reference/api.md does not describe {package}: {', '.join(missing)}"


def test_the_architecture_page_is_in_the_site_and_its_diagram_is_a_mermaid_block() -> None:
    site = (DOCS.parent / "mkdocs.yml").read_text()
    assert "architecture.md" in site and "name: mermaid" in site
    page = (DOCS / "architecture.md").read_text()
    [diagram] = re.findall(r"```mermaid\n(.*?)```", page, flags=re.DOTALL)
    path = ["Clock", "BarFeed", "Execution", "Books.record_fill", "strategy", "SessionRecords"]
    assert diagram.startswith("flowchart") and all(part in diagram for part in path)
