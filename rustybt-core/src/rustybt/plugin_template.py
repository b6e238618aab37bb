"""A new plugin package, ready to install and test: what ``rustybt plugin new`` writes.

The package holds a ``pyproject.toml`` whose ``rustybt`` entry point names its hooks module,
``src/<module>/hooks.py`` registering one thing of the chosen kind, the thing itself (a
working example to replace with the author's own code) and a test subclassing RustyBT's
contract suite for that kind. The files are rendered from the templates under
``rustybt/plugin_templates/`` (package data, shipped in the wheel).
"""

from __future__ import annotations

import keyword
import re
import string
from importlib import resources
from pathlib import Path, PurePosixPath

import attrs

from rustybt.errors import ConfigError

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


@attrs.frozen(kw_only=True)
class TemplateKind:
    """One kind of plugin the template can write: its label, the module holding the thing,
    and the name the thing is registered under (``{name}`` is the package's name)."""

    label: str
    module: str
    registered: str = "{name}"


KINDS: dict[str, TemplateKind] = {
    "data-source": TemplateKind(label="data source", module="source"),
    "broker": TemplateKind(label="broker", module="broker"),
    "alert-channel": TemplateKind(label="alert channel", module="channel"),
    "benchmark": TemplateKind(
        label="benchmark", module="benchmark", registered="{name}-sum-of-squares"
    ),
    "executor": TemplateKind(label="executor", module="executor"),
}
"""The kinds ``rustybt plugin new --kind`` takes, by their option value."""


def check_name(name: str) -> None:
    """Accept ``name`` as the new package's name, or raise a :class:`ConfigError` saying why
    not: lowercase letters, digits, single ``-`` or ``_`` between them, starting with a
    letter (so it is a valid distribution name, and with ``_`` for ``-`` a module name)."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(module_name(name)):
        raise ConfigError(
            f"plugin name {name!r} is not a valid package name: use lowercase letters, digits "
            "and single - or _ between them, starting with a letter (e.g. rustybt-mycsv)"
        )


def module_name(name: str) -> str:
    """The import name of the package ``name``: ``rustybt-mycsv`` is ``rustybt_mycsv``."""
    return name.replace("-", "_")


def class_prefix(name: str) -> str:
    """The CamelCase prefix of the package's class names, a leading ``rustybt`` left out:
    ``rustybt-my-csv`` gives ``MyCsv`` (``MyCsvSource``), ``rustybt`` alone ``Rustybt``."""
    parts = re.split(r"[-_]", name)
    if parts[0] == "rustybt" and len(parts) > 1:
        parts = parts[1:]
    return "".join(part.capitalize() for part in parts)


def render(name: str, kind: str) -> dict[PurePosixPath, str]:
    """The files of the plugin package ``name`` of ``kind``, by path inside the package.

    Raises:
        ConfigError: ``name`` is not a valid package name, or ``kind`` is not one of KINDS.
    """
    check_name(name)
    try:
        spec = KINDS[kind]
    except KeyError:
        raise ConfigError(
            f"no plugin template of kind {kind!r}; choose one of {', '.join(KINDS)}"
        ) from None
    module = module_name(name)
    values = {
        "name": name,
        "module": module,
        "cls": class_prefix(name),
        "label": spec.label,
        "impl": spec.module,
        "registered": spec.registered.format(name=name),
    }
    templates = resources.files("rustybt") / "plugin_templates"
    sources = {
        "pyproject.toml": templates / "pyproject.toml.tmpl",
        "README.md": templates / "README.md.tmpl",
        f"src/{module}/__init__.py": templates / "__init__.py.tmpl",
        f"src/{module}/hooks.py": templates / kind / "hooks.py.tmpl",
        f"src/{module}/{spec.module}.py": templates / kind / f"{spec.module}.py.tmpl",
        f"tests/test_{spec.module}.py": templates / kind / "test.py.tmpl",
    }
    return {
        PurePosixPath(path): string.Template(source.read_text(encoding="utf-8")).substitute(values)
        for path, source in sources.items()
    }


def write_plugin(name: str, kind: str, directory: Path) -> Path:
    """Write the plugin package ``name`` of ``kind`` as ``directory/name`` and return that
    path. Never overwrites: an existing ``directory/name`` is a :class:`ConfigError`.

    Raises:
        ConfigError: as :func:`render`, or the target exists, or ``directory`` is not a
            directory.
    """
    files = render(name, kind)
    target = directory / name
    if target.exists():
        raise ConfigError(f"{target} already exists; choose another name or --dir")
    if not directory.is_dir():
        raise ConfigError(f"--dir {directory} is not a directory; create it first")
    for path, text in files.items():
        destination = target.joinpath(*path.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
    return target
