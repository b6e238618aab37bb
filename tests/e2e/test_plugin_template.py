"""`rustybt plugin new` writes, for every kind, a package that installs next to RustyBT and
passes its contract suite there. The packages are written by the `rustybt` of a venv
holding RustyBT's built wheels, so templates missing from the wheel fail here."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from rustybt.plugin_template import KINDS

_spec = importlib.util.spec_from_file_location(
    "plugin_packages", Path(__file__).with_name("plugin_packages.py")
)
plugin_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin_packages)


def package_name(kind: str) -> str:
    """The package the test writes for ``kind``."""
    return f"rustybt-new-{kind}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A venv holding RustyBT and a package of every kind written by its ``rustybt plugin
    new`` into one directory, installed: its python and that directory."""
    root = tmp_path_factory.mktemp("template")
    python = plugin_packages.make_venv(root)
    for kind in KINDS:
        subprocess.run(
            [str(python), "-m", "rustybt", "plugin", "new", package_name(kind), "--kind", kind],
            cwd=root,
            env=plugin_packages.author_environment(root),
            check=True,
            capture_output=True,
        )
    packages = [f"{root / package_name(kind)}[test]" for kind in KINDS]
    plugin_packages.install(python, *packages, root=root)
    return python, root


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_generated_package_installs_and_passes_its_contract_suite(
    kind: str, generated: tuple[Path, Path]
) -> None:
    python, root = generated
    result = plugin_packages.run_tests(python, root / package_name(kind), root)
    assert result.returncode == 0, f"{kind}'s tests failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout and "skipped" not in result.stdout


def test_the_installed_plugins_are_listed_as_ok(generated: tuple[Path, Path]) -> None:
    python, root = generated
    listed = subprocess.run(
        [str(python), "-m", "rustybt", "plugins", "--json"],
        env=plugin_packages.author_environment(root),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {row["name"]: row for row in json.loads(listed)}
    for kind, spec in KINDS.items():
        row = rows[package_name(kind)]
        registered = spec.registered.format(name=package_name(kind))
        assert row["status"] == "ok" and [registered] in row["provides"].values(), row
