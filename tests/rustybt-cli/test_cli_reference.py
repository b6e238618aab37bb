"""The CLI reference is generated from the commands' own declarations."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rustybt_cli.reference import cli_reference


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def _app() -> typer.Typer:
    app = typer.Typer(name="tool", add_completion=False)

    @app.callback()
    def root(
        verbose: Annotated[bool, typer.Option("--verbose", help="Say more.")] = False,
    ) -> None:
        """A tool.

        Examples:

          tool paint --colour red

          tool paint --speed 2
        """

    @app.command("paint")
    def paint(
        target: Annotated[Path, typer.Argument(help="What to paint.")],
        colour: Annotated[Colour, typer.Option(help="Paint colour.")] = Colour.BLUE,
        speed: Annotated[float, typer.Option(min=0, help="Coats a second.")] = 1.5,
        layer: Annotated[list[str] | None, typer.Option(help="A layer.")] = None,
        dry: Annotated[bool, typer.Option(help="Only pretend.")] = False,
        name: Annotated[str, typer.Option("--name", "-n", help="Who paints.")] = "ann",
    ) -> None:
        """Paint a target."""

    group = typer.Typer(name="brush", help="Brush care.")

    @group.command("clean")
    def clean() -> None:
        """Clean the brushes."""

    app.add_typer(group)
    return app


def test_every_command_group_and_sub_command_gets_a_section_in_help_order() -> None:
    text = cli_reference(_app(), prog_name="tool")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## tool", "## tool paint", "## tool brush", "## tool brush clean"]


def test_options_state_names_type_default_and_help() -> None:
    text = cli_reference(_app(), prog_name="tool")
    assert "| `--colour` | one of `red`, `blue` | `blue` | Paint colour. |" in text
    assert "| `--speed` | float ≥ 0 | `1.5` | Coats a second. |" in text
    assert "| `--layer` | text, repeatable |  | A layer. |" in text
    assert "| `--dry` / `--no-dry` | flag | off | Only pretend. |" in text
    assert "| `--name`, `-n` | text | `ann` | Who paints. |" in text
    assert "| `TARGET` | path | What to paint. |" in text
    assert "--help" not in text


def test_indented_help_examples_become_one_preformatted_block() -> None:
    text = cli_reference(_app(), prog_name="tool")
    assert "```text\ntool paint --colour red\n\ntool paint --speed 2\n```" in text
