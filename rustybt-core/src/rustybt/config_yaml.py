"""Reading a YAML configuration file safely: bounded in size and in what its aliases expand
to, so a malicious or mistaken file (a "billion laughs" anchor bomb) is refused at once
instead of exhausting memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
    """The document in the YAML file at ``path`` and its node tree (for line numbers).

    Raises :class:`OSError` when the file cannot be read, and :class:`yaml.YAMLError` for
    invalid YAML, a tag outside YAML's safe types, a file over :data:`MAX_CONFIG_BYTES`, or
    aliases expanding to more than :data:`MAX_EXPANDED_VALUES` values; the document is
    never built in those cases.
    """
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise yaml.YAMLError(
            f"the file is {size:,} bytes; a configuration is a few kilobytes "
            f"(at most {MAX_CONFIG_BYTES:,})"
        )
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
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
    finally:
        loader.dispose()
