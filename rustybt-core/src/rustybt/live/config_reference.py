"""The trading configuration's reference, generated from its attrs classes.

:func:`config_reference` walks :class:`~rustybt.live.config.TradingConfig` and every class
nested in it, and writes a Markdown section per section of the file (``broker``,
``broker.commission``, ..., ``alerts.channels[]``) with a table of its keys: full key path,
type (with the validator's constraint), default and meaning. Then, for each alert channel a
registry holds, the settings its attrs class takes.

Meanings come from each field's ``metadata``: ``doc`` (required: a field without it is an
error, so a new key cannot go undocumented), ``default`` when the default shown should not
be the field's own (computed from other keys, say), and ``key`` when the YAML key is not the
field's name.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Literal

import attrs

from rustybt.live.config import Bounds, TradingConfig
from rustybt.plugins import Kind, LazyFactory, PluginRegistry

__all__ = ["config_reference"]

_NAMES: Mapping[Any, str] = {
    Decimal: "decimal",
    float: "number",
    int: "integer",
    str: "text",
    bool: "`true` or `false`",
}


def config_reference(registry: PluginRegistry) -> str:
    """Markdown sections (``##``/``###`` headings) for every key of the trading config,
    then the settings of every alert channel in ``registry``."""
    parts = [_section(path, cls, field) for path, cls, field in _sections(TradingConfig, "")]
    parts.append(
        "## Alert channel settings\n\nThe keys each channel `type` takes besides `type` and "
        "`name`. Secrets are never written in the file: `*_env` keys name the environment "
        "variable that holds them.\n"
    )
    for name in registry.names(Kind.ALERT_CHANNEL):
        factory = registry.registration(Kind.ALERT_CHANNEL, name).factory
        if isinstance(factory, LazyFactory):
            factory = factory.resolve()
        table = _table(_rows(factory, "alerts.channels[]")) if attrs.has(factory) else None
        parts.append(f"### {name}\n\n" + (table or "Settings as its plugin documents them.\n"))
    return "\n".join(parts)


def _sections(cls: type, prefix: str) -> Iterator[tuple[str, type, attrs.Attribute]]:
    """``(key path, class, field)`` of every nested section, depth first in field order."""
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        nested, is_list = _nested_class(hints[field.name])
        if nested is None:
            continue
        path = f"{prefix}.{field.name}" if prefix else field.name
        path += "[]" if is_list else ""
        yield path, nested, field
        yield from _sections(nested, path)


def _nested_class(hint: Any) -> tuple[type | None, bool]:
    """The attrs class a field holds (directly, optionally, or as a tuple of them)."""
    members = _members(hint)
    if len(members) != 1:
        return None, False
    inner = members[0]
    if typing.get_origin(inner) is tuple and attrs.has(typing.get_args(inner)[0]):
        return typing.get_args(inner)[0], True
    return (inner, False) if isinstance(inner, type) and attrs.has(inner) else (None, False)


def _section(path: str, cls: type, field: attrs.Attribute) -> str:
    level = "#" * (2 + path.count("."))
    meaning = _doc(field)[0]
    intro = meaning[0].upper() + meaning[1:] + "."
    if path.endswith("[]"):
        intro = f"A list of mappings: {meaning}."
    elif "default" in field.metadata:
        intro += f" Default: {field.metadata['default']}."
    return f"{level} {path}\n\n{intro}\n\n{_table(_rows(cls, path))}"


def _rows(cls: type, prefix: str) -> list[tuple[str, str, str, str]]:
    hints = typing.get_type_hints(cls)
    rows = []
    for field in attrs.fields(cls):
        if not field.init or _nested_class(hints[field.name])[0] is not None:
            continue
        meaning, key = _doc(field)
        label = _type_name(hints[field.name])
        if isinstance(field.validator, Bounds):
            label += f" {field.validator}"
        rows.append((f"`{prefix}.{key}`", label, _default(field), meaning))
    return rows


def _doc(field: attrs.Attribute) -> tuple[str, str]:
    """The field's meaning and its YAML key."""
    if "doc" not in field.metadata:
        raise ValueError(
            f"config field {field.name!r} has no metadata 'doc' for the configuration reference"
        )
    return field.metadata["doc"], field.metadata.get("key", field.name)


def _type_name(hint: Any) -> str:
    members = _members(hint)
    if len(members) > 1:
        return " or ".join(_type_name(member) for member in members)
    inner = members[0]
    origin = typing.get_origin(inner)
    if origin is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in typing.get_args(inner))
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(inner)[0])}"
    if origin is not None and issubclass(origin, Mapping):
        return "any"
    return _NAMES[inner]


def _members(hint: Any) -> list[Any]:
    """The types a hint allows, ``None`` left out (``str | int | None``: ``[str, int]``)."""
    if typing.get_origin(hint) not in (UnionType, typing.Union):
        return [hint]
    return [arg for arg in typing.get_args(hint) if arg is not NoneType]


def _default(field: attrs.Attribute) -> str:
    if "default" in field.metadata:
        return field.metadata["default"]
    value = field.default
    if value is attrs.NOTHING:
        return "required"
    if value is None or isinstance(value, attrs.Factory):
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
