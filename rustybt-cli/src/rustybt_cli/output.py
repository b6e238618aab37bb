"""How commands print: tables and messages for people, pure JSON on stdout for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    """The value of ``--output``."""

    TABLE = "table"
    JSON = "json"


OutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-O", help="table for people, json for scripts (JSON only on stdout)."
    ),
]

# Tables keep their rows on one line when written to a file or pipe (no terminal width).
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, soft_wrap=True)


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout, and nothing else."""
    typer.echo(json.dumps(payload, indent=2, default=str))


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a table on stdout."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    stdout.print(table)


def success(message: str) -> None:
    """Print a success line (a check mark and ``message``) on stdout."""
    stdout.print(f"[green]✓[/green] {message}", highlight=False)
