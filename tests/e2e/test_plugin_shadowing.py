"""A third-party package cannot take a built-in's name, whatever it registers.

A real separate package registers a data source named `sample` (a factory returning a dict,
which would break every backtest on the sample data) from an entry point also named
`sample`; two more packages both register `prices`; one more fails to import. Installed
from their own directories into a fresh environment beside this checkout's packages, they
leave the README's quick start running on the built-in sample data; `rustybt plugins`
shows every row and why each lost its name, and asking for a lost name says why.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "plugin_packages", Path(__file__).with_name("plugin_packages.py")
)
plugin_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin_packages)
reader_shell = plugin_packages.reader_shell

PYPROJECT = """\
[project]
name = "{distribution}"
version = "0.1.0"
dependencies = ["rustybt-core"]

[project.entry-points.rustybt]
{entry_point} = "{module}.hooks"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/{module}"]
"""

HOOKS = """\
from rustybt import hookimpl


@hookimpl
def rustybt_register_data_sources(register):
    for name in {names!r}:
        register(name, dict)
"""


def write_package(
    root: Path, distribution: str, entry_point: str, names: list[str], hooks: str = HOOKS
) -> Path:
    """A plugin package in ``root`` whose hooks register each of ``names`` as a data source
    built by ``dict`` (not a data source at all)."""
    module = distribution.replace("-", "_")
    package = root / distribution
    (package / "src" / module).mkdir(parents=True)
    (package / "pyproject.toml").write_text(
        PYPROJECT.format(distribution=distribution, entry_point=entry_point, module=module)
    )
    (package / "src" / module / "__init__.py").write_text("")
    (package / "src" / module / "hooks.py").write_text(hooks.format(names=names))
    return package


def quick_start_arguments() -> list[str]:
    """The README's quick-start `rustybt run ...`, as arguments after `rustybt`."""
    [line] = [
        line
        for line in (REPO / "README.md").read_text().splitlines()
        if "uv run rustybt run" in line
    ]
    return shlex.split(line.split("uv run rustybt ", 1)[1])


@pytest.fixture(scope="module")
def rustybt(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The `rustybt` of a fresh environment holding core, the CLI and the three plugins."""
    root = tmp_path_factory.mktemp("plugins")
    packages = [
        write_package(root, "evil-sample", "sample", ["sample", "evil"]),
        write_package(root, "prices-one", "one", ["prices", "one"]),
        write_package(root, "prices-two", "two", ["prices", "two"]),
        write_package(root, "mycsv-rustybt", "mycsv", [], "import mycsv_engine\n" + HOOKS),
    ]
    venv = root / "env"
    plugin_packages.new_venv(
        venv,
        "./rustybt-core",
        "./rustybt-cli",
        *map(str, packages),
        environment=reader_shell.reader_environment(),
    )
    return [str(venv / "bin" / "rustybt")]


def run(rustybt: list[str], *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = reader_shell.reader_environment(RUSTYBT_STRICT_PLUGINS="0", COLUMNS="500")
    return subprocess.run(
        [*rustybt, *arguments], cwd=REPO, env=environment, capture_output=True, text=True
    )


REFUSED = (
    "data source 'sample' of plugin sample (package evil-sample) is refused: the built-in "
    "plugin sample (package rustybt-core) provides it and cannot be shadowed; "
    "register it under another name"
)
CLASH = (
    "data source 'prices' is registered by both plugin one (package prices-one) and plugin "
    "two (package prices-two), so it is disabled; uninstall one, or block one with "
    "RUSTYBT_DISABLE_PLUGINS"
)


def test_the_readme_quick_start_still_runs_on_the_built_in_sample(rustybt: list[str]) -> None:
    finished = run(rustybt, *quick_start_arguments())
    assert finished.returncode == 0, finished.stderr
    assert "Ending portfolio value (exact): " in finished.stdout


def test_plugins_json_lists_both_sample_rows_and_the_refusal(rustybt: list[str]) -> None:
    listed = run(rustybt, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {(row["name"], row["distribution"]): row for row in json.loads(listed.stdout)}

    builtin, evil = rows[("sample", "rustybt-core")], rows[("sample", "evil-sample")]
    assert (builtin["status"], builtin["provides"]) == ("ok", {"data_sources": ["sample"]})
    assert (evil["status"], evil["builtin"]) == ("conflict", False)
    assert evil["provides"] == {"data_sources": ["evil"]}
    assert evil["conflicts"] == [REFUSED]
    for name in ("one", "two"):
        row = rows[(name, f"prices-{name}")]
        assert (row["status"], row["conflicts"]) == ("conflict", [CLASH])
        assert row["provides"] == {"data_sources": [name]}


def table_rows(table: str) -> list[list[str]]:
    """The rows of a printed table, each a list of cells with wrapped lines joined."""
    rows: list[list[str]] = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if not cells:
            continue
        if cells[0] or not rows:
            rows.append(cells)
        else:  # a continuation line of the row above
            rows[-1] = [" ".join(filter(None, pair)) for pair in zip(rows[-1], cells, strict=True)]
    return rows


def test_the_plugins_table_shows_both_rows_and_both_packages(rustybt: list[str]) -> None:
    table = run(rustybt, "plugins")
    assert table.returncode == 0, table.stderr
    rows = [row for row in table_rows(table.stdout) if row[0] == "sample"]
    assert [row[1:4] for row in rows] == [
        ["evil-sample", "0.1.0", "conflict"],
        ["rustybt-core", "0.1.0", "ok"],
    ]
    assert rows[0][5] == REFUSED


def test_asking_for_a_clashing_name_says_which_plugins_clash(rustybt: list[str]) -> None:
    asked = run(rustybt, "test-data", "--source", "prices", "--symbol", "AAPL")
    assert asked.returncode == 1
    assert asked.stderr.strip() == f"error: {CLASH}"
    assert "bug in RustyBT" not in asked.stderr


def test_a_name_of_a_plugin_that_failed_to_load_says_so(rustybt: list[str]) -> None:
    asked = run(rustybt, "test-data", "--source", "mycsv", "--symbol", "AAPL")
    assert asked.returncode == 1
    assert asked.stderr.strip() == (
        "error: no data source named 'mycsv' (installed: evil, files, one, sample, two); "
        "plugin mycsv (package mycsv-rustybt) failed to load: ModuleNotFoundError: "
        "No module named 'mycsv_engine'; it may provide it"
    )
