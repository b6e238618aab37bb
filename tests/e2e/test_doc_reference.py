"""Every hook spec and every CLI command has its section in the reference docs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

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
