"""`rustybt plugin new NAME --kind KIND` writes a plugin package, and never over anything."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from rustybt.plugin_template import KINDS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_package_holds_its_entry_point_hooks_code_and_contract_test(
    kind: str, rustybt, tmp_path: Path
) -> None:
    result = rustybt("plugin", "new", "rustybt-mine", "--kind", kind, "--dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr

    package = tmp_path / "rustybt-mine"
    module = KINDS[kind].module
    written = {str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()}
    assert written == {
        "README.md",
        "pyproject.toml",
        "src/rustybt_mine/__init__.py",
        f"src/rustybt_mine/{module}.py",
        "src/rustybt_mine/hooks.py",
        f"tests/test_{module}.py",
    }
    project = tomllib.loads((package / "pyproject.toml").read_text())
    assert project["project"]["name"] == "rustybt-mine"
    assert project["project"]["entry-points"]["rustybt"] == {"rustybt-mine": "rustybt_mine.hooks"}
    for path in package.rglob("*.py"):
        ast.parse(path.read_text(), str(path))  # every template rendered to valid Python
    hooks = (package / "src" / "rustybt_mine" / "hooks.py").read_text()
    assert f'"{KINDS[kind].registered.format(name="rustybt-mine")}"' in hooks
    contract = (package / "tests" / f"test_{module}.py").read_text()
    assert "Contract):" in contract
    assert f"wrote {package}/" in result.stdout


def test_the_package_goes_in_the_current_directory_by_default(
    rustybt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert rustybt("plugin", "new", "mycsv", "--kind", "data-source").exit_code == 0
    source = (tmp_path / "mycsv" / "src" / "mycsv" / "source.py").read_text()
    assert "class MycsvSource:" in source and 'name = "mycsv"' in source


def test_an_existing_directory_is_never_overwritten(rustybt, tmp_path: Path) -> None:
    (tmp_path / "mycsv").mkdir()
    (tmp_path / "mycsv" / "notes.txt").write_text("mine")

    result = rustybt("plugin", "new", "mycsv", "--kind", "broker", "--dir", str(tmp_path))

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 'mycsv'} already exists; choose another name or --dir\n"
    )
    assert [p.name for p in (tmp_path / "mycsv").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("name", ["9lives", "My-Plugin", "my plugin", "my--plugin", "class", "x-"])
def test_a_name_that_is_not_a_package_name_is_refused(name: str, rustybt, tmp_path: Path) -> None:
    result = rustybt("plugin", "new", name, "--kind", "broker", "--dir", str(tmp_path))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: plugin name {name!r} is not a valid package name")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_target_directory_is_an_error(rustybt, tmp_path: Path) -> None:
    result = rustybt("plugin", "new", "mycsv", "--kind", "broker", "--dir", str(tmp_path / "no"))

    assert result.exit_code == 1
    assert "is not a directory; create it first" in result.stderr


def test_an_unknown_kind_is_a_usage_error_listing_the_kinds(rustybt, tmp_path: Path) -> None:
    result = rustybt("plugin", "new", "mycsv", "--kind", "strategy")

    assert result.exit_code == 2
    assert "'data-source', 'broker', 'alert-channel', 'benchmark', 'executor'" in result.stderr


def test_the_cli_offers_exactly_the_library_s_kinds() -> None:
    from rustybt_cli.commands.plugin import PluginKind

    assert [kind.value for kind in PluginKind] == list(KINDS)
