"""Every plugin tutorial of docs/plugins.md, one per hook kind, works as written: its files,
taken from the page, build a separate package that installs next to RustyBT and passes its
contract suite there, and its plugin code is 15 lines or fewer."""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "plugins.md"
_spec = importlib.util.spec_from_file_location(
    "plugin_packages", Path(__file__).with_name("plugin_packages.py")
)
plugin_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin_packages)

FILE_BLOCK = re.compile(
    r"^<!-- docs-test: file (?P<path>\S+) -->\n```[a-z]*\n(?P<text>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)


def tutorial_packages(text: str) -> dict[str, dict[PurePosixPath, str]]:
    """The files of each tutorial package of a page, by package directory then path in it:
    every fenced block right after ``<!-- docs-test: file <package>/<path> -->``. Each
    package under ``src/`` gets an empty ``__init__.py`` unless the page gives one."""
    packages: dict[str, dict[PurePosixPath, str]] = defaultdict(dict)
    for match in FILE_BLOCK.finditer(text):
        package, *inner = PurePosixPath(match["path"]).parts
        packages[package][PurePosixPath(*inner)] = match["text"]
    for files in packages.values():
        for module in {path.parents[-3] for path in files if path.parts[0] == "src"}:
            files.setdefault(module / "__init__.py", "")
    return dict(packages)


PACKAGES = tutorial_packages(PAGE.read_text())
KINDS = {
    "rustybt_register_data_sources": "rustybt-constant",
    "rustybt_register_brokers": "rustybt-flatfee",
    "rustybt_register_alert_channels": "rustybt-jsonl",
    "rustybt_register_benchmarks": "rustybt-sumsq",
    "rustybt_register_commands": "rustybt-hello",
    "rustybt_register_executors": "rustybt-inline",
}
"""The tutorial of each registering hook."""


def plugin_code_lines(files: dict[PurePosixPath, str]) -> int:
    """The lines of a package's plugin code: its modules under ``src/`` but the hooks module
    (when there is another), blank lines and imports left out."""
    modules = [path for path in files if path.parts[0] == "src" and path.name != "__init__.py"]
    if len(modules) > 1:
        modules = [path for path in modules if path.name != "hooks.py"]
    return sum(
        1
        for path in modules
        for line in files[path].splitlines()
        if line.strip() and not re.match(r"(from \S+ )?import ", line)
    )


def test_every_hook_kind_has_a_tutorial_registering_it() -> None:
    assert set(KINDS.values()) == set(PACKAGES)
    for hook, package in KINDS.items():
        hooks = PACKAGES[package][PurePosixPath("src", package.replace("-", "_"), "hooks.py")]
        assert f"def {hook}(" in hooks, f"{package} does not implement {hook}"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_a_tutorials_plugin_code_is_15_lines_or_fewer(package: str) -> None:
    assert plugin_code_lines(PACKAGES[package]) <= 15


@pytest.fixture(scope="module")
def tutorial_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every tutorial package written out from the page, and one venv holding RustyBT and
    all of them: its python and the directory holding the packages."""
    root = tmp_path_factory.mktemp("tutorials")
    for package, files in PACKAGES.items():
        for path, text in files.items():
            destination = root / package / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text)
    python = plugin_packages.make_venv(root, *(root / package for package in sorted(PACKAGES)))
    return python, root


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_a_tutorial_package_installs_and_passes_its_tests(
    package: str, tutorial_venv: tuple[Path, Path]
) -> None:
    python, root = tutorial_venv
    result = plugin_packages.run_tests(python, root / package, root)
    assert result.returncode == 0, f"{package}'s tests failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout and "skipped" not in result.stdout
