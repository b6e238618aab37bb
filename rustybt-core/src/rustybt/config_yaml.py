"""Reading a YAML configuration file safely: bounded in size and in what its aliases expand
to, so a malicious or mistaken file (a "billion laughs" anchor bomb) is refused at once
instead of exhausting memory; and the one way configuration files name a key that is not
theirs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from rustybt.errors import ConfigError

MAX_CONFIG_BYTES = 1_000_000
"""A trading configuration is a few kilobytes; a megabyte is the wrong file."""
MAX_EXPANDED_VALUES = 100_000
"""How many values a document may hold once its aliases (``*name``) are expanded."""


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` stands for with every alias expanded. An alias is the same
    node object met again, so each node is sized once and reuse multiplies cheaply."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a self-referencing node counts once rather than forever
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(
            _expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value
        )
    sizes[id(node)] = total
    return total


def read_config_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document in the YAML file at ``path`` and its node tree (for line numbers);
    ``(None, None)`` for an empty file.

    Everything that stops the file being read is a one-line :class:`ConfigError` naming
    it: a missing or unreadable file or a directory, bytes that are not UTF-8, invalid
    YAML (with its line), a date-shaped value that is no date (``2006-13-01``), a tag
    outside YAML's safe types (``!!python/object``), a file over
    :data:`MAX_CONFIG_BYTES`, or aliases expanding to more than :data:`MAX_EXPANDED_VALUES`
    values; the document is never built in those cases.
    """
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise yaml.YAMLError(
                f"the file is {size:,} bytes; a configuration is a few kilobytes "
                f"(at most {MAX_CONFIG_BYTES:,})"
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid YAML: byte {exc.start} is not UTF-8 text; "
            "a configuration is a UTF-8 text file"
        ) from None
    except yaml.YAMLError as exc:
        raise _invalid(path, exc) from None
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # a control character the reader refuses up front
        raise _invalid(path, exc) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if _expanded_size(node, {}) > MAX_EXPANDED_VALUES:
            raise yaml.YAMLError(
                f"its aliases (*name) expand to more than {MAX_EXPANDED_VALUES:,} values; "
                "write the values out instead of repeating anchors"
            )
        return loader.construct_document(node), node
    except yaml.YAMLError as exc:
        raise _invalid(path, exc) from None
    except ValueError as exc:  # a date-shaped value that is no date: 2006-13-01
        raise ConfigError(f"{path}: invalid YAML: {exc}; a date is YYYY-MM-DD") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: invalid YAML: nested too deeply; a configuration is a few levels deep"
        ) from None
    finally:
        loader.dispose()


def _invalid(path: Path, error: yaml.YAMLError) -> ConfigError:
    mark = getattr(error, "problem_mark", None)
    where = f"{path}: line {mark.line + 1}" if mark else str(path)
    problem = getattr(error, "problem", None) or (str(error).splitlines() or ["unreadable"])[0]
    if isinstance(error, yaml.constructor.ConstructorError):
        problem += "; a configuration holds plain values only, no !!tags"
    return ConfigError(f"{where}: invalid YAML: {problem}")


def unknown_key(key: object, allowed: Iterable[str]) -> str:
    """What to say of a key a configuration does not take: the closest allowed key when
    one is near (a misspelling), and every allowed key."""
    names = sorted(allowed)
    close = difflib.get_close_matches(str(key), names, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {guess}allowed: {', '.join(names)}"
