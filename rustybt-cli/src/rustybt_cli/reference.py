"""The CLI reference, generated from the command objects Typer builds for ``rustybt``.

:func:`cli_reference` walks every command, group and sub-command in the order ``--help``
lists them and writes one Markdown section each (``## rustybt benchmark compare``): the
usage line, the help text, then a table of arguments and a table of options with their
names, type (choices, range), default and help. It states only what the commands declare,
so the page cannot drift from them. Help options are left out (every command has one).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer
from typer.core import TyperGroup

__all__ = ["cli_reference"]


def cli_reference(app: typer.Typer, prog_name: str = "rustybt") -> str:
    """Markdown sections (``##`` headings) for every command of ``app``, root first."""
    command = typer.main.get_command(app)
    return "\n".join(_sections(command, [prog_name], None))


def _sections(command: Any, path: list[str], parent: typer.Context | None) -> Iterator[str]:
    ctx = typer.Context(command, info_name=path[-1], parent=parent, **command.context_settings)
    yield _section(command, ctx, " ".join(path))
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            yield from _sections(command.get_command(ctx, name), [*path, name], ctx)


def _section(command: Any, ctx: typer.Context, name: str) -> str:
    usage = " ".join([name, *command.collect_usage_pieces(ctx)])
    parts = [f"## {name}", f"```text\n{usage}\n```", *_help_blocks(command.help or "")]
    helper = command.get_help_option(ctx)
    params = [p for p in command.get_params(ctx) if p is not helper and not p.hidden]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name == "option"]
    if arguments:
        rows = [(f"`{p.name.upper()}`", _type(p, ctx), p.help or "") for p in arguments]
        parts.append(_table(("argument", "type", "description"), rows))
    if options:
        rows = [(_names(p), _type(p, ctx), _default(p, ctx), p.help or "") for p in options]
        parts.append(_table(("option", "type", "default", "description"), rows))
    return "\n\n".join(parts) + "\n"


def _help_blocks(text: str) -> list[str]:
    """Help text as Markdown: prose paragraphs as they are, runs of indented paragraphs
    (examples) as one preformatted block."""
    blocks: list[str] = []
    indented: list[str] = []
    for paragraph in [*inspect.cleandoc(text).split("\n\n"), ""]:
        lines = paragraph.splitlines()
        if lines and all(line.startswith(" ") for line in lines):
            indented.append(inspect.cleandoc(paragraph))
            continue
        if indented:
            blocks.append("```text\n" + "\n\n".join(indented) + "\n```")
            indented = []
        if paragraph.strip():
            blocks.append(paragraph.strip())
    return blocks


def _names(param: Any) -> str:
    names = ", ".join(f"`{opt}`" for opt in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(f"`{opt}`" for opt in param.secondary_opts)
    return names


def _type(param: Any, ctx: typer.Context) -> str:
    """``text``, ``path``, ``float ≥ 0``, ``one of `table`, `json` ``, ``flag``..."""
    if getattr(param, "is_flag", False):
        return "flag"
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "one of " + ", ".join(f"`{_plain(choice)}`" for choice in descriptor.choices)
    label = param.display_type(ctx).strip("<>").removesuffix(" range")
    if label.startswith("list[") and label.endswith("]"):
        label = label[len("list[") : -1].lower()
    label = {"str": "text"}.get(label, label)
    bounds = _bounds(param.min, param.max)
    if bounds:
        label += f" {bounds}"
    if param.multiple:
        label += ", repeatable"
    return label


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"≥ {low}"
    if high is not None:
        return f"≤ {high}"
    return ""


def _default(param: Any, ctx: typer.Context) -> str:
    if param.required:
        return "required"
    value = param.get_default(ctx, call=False)
    if getattr(param, "is_flag", False):
        return "on" if value else "off"
    if value is None:
        return ""
    return f"`{_plain(value)}`"


def _plain(value: object) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = (cell.replace("|", "\\|").replace("\n", " ") for cell in row)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
