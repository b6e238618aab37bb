"""rustybt.testing as a plugin author installs it: pytest comes with the ``testing`` extra,
its absence is one clear error, and the contracts' registry holds only the built-ins and the
plugin under test, so an unrelated broken plugin installed beside it cannot fail them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from rustybt.errors import PluginNotFoundError
from rustybt.install_hint import install_command
from rustybt.plugins import Kind, PluginRegistry
from rustybt.testing import registry_providing

REPO = Path(__file__).resolve().parents[2]
WITHOUT_PYTEST = "import sys; sys.modules['pytest'] = None\n"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PYTEST + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_testing_extra_brings_pytest() -> None:
    pyproject = tomllib.loads((REPO / "rustybt-core" / "pyproject.toml").read_text())
    (requirement,) = pyproject["project"]["optional-dependencies"]["testing"]
    assert Requirement(requirement).name == "pytest"


def test_importing_rustybt_testing_without_pytest_names_the_extra_and_the_command() -> None:
    completed = run_python("import rustybt.testing")

    assert completed.returncode == 1
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line == (
        "ImportError: rustybt.testing needs pytest, which the testing extra of rustybt-core "
        "brings: " + install_command("rustybt-core", "testing")
    )


def test_without_pytest_the_plugins_and_their_pytest11_entry_point_do_no_harm() -> None:
    completed = run_python(
        """
        from importlib import metadata
        from rustybt.plugins import Kind, PluginRegistry

        (entry_point,) = [
            ep for ep in metadata.entry_points(group="pytest11") if ep.name == "rustybt"
        ]
        registry = PluginRegistry.from_environment()
        print(entry_point.value, "sample" in registry.names(Kind.DATA_SOURCE))
        print(sorted(m for m in sys.modules if m.startswith("rustybt.testing")))
        """
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["rustybt.testing.pytest_plugin True", "[]"]


def test_the_pytest_plugin_imports_nothing_heavy() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rustybt.testing.pytest_plugin; print('pandas' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "False"


# -- isolated registries ---------------------------------------------------------------------

TOY_HOOKS = """
    from rustybt.hookspecs import hookimpl


    class ToySource:
        name = "toy"


    @hookimpl
    def rustybt_register_data_sources(register):
        register("toy", ToySource)
"""


def install_fake_plugin(site: Path, distribution: str, entry_point: str, target: str) -> None:
    """An installed distribution as pip leaves one: a .dist-info with its entry point."""
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[rustybt]\n{entry_point} = {target}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path holding an installed ``toy`` plugin and a broken one."""
    (tmp_path / "toy_rustybt_hooks.py").write_text(textwrap.dedent(TOY_HOOKS))
    install_fake_plugin(tmp_path, "toy-rustybt", "toy", "toy_rustybt_hooks")
    install_fake_plugin(tmp_path, "broken-rustybt", "broken", "no_such_module_anywhere")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_an_unrelated_broken_plugin_breaks_a_registry_of_everything(site: Path) -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
        PluginRegistry(strict=True).load_entry_points()


def test_the_contracts_registry_holds_the_built_ins_and_the_plugin_under_test(
    site: Path,
) -> None:
    registry = registry_providing(Kind.DATA_SOURCE, "toy")

    assert {"files", "sample", "toy"} <= set(registry.names(Kind.DATA_SOURCE))
    assert "broken" not in {info.name for info in registry.plugins}
    assert registry.registration(Kind.DATA_SOURCE, "toy").plugin == "toy"


def test_a_built_in_name_needs_no_third_party_plugin(site: Path) -> None:
    registry = registry_providing(Kind.EXECUTOR, "local")
    assert not {"toy", "broken"} & {info.name for info in registry.plugins}


def test_a_name_no_plugin_registers_says_what_failed_to_load(site: Path) -> None:
    with pytest.raises(AssertionError) as raised:
        registry_providing(Kind.DATA_SOURCE, "mycsv")
    message = str(raised.value)
    assert message.startswith("no installed plugin registers the data source 'mycsv' ")
    assert "broken (broken-rustybt): ModuleNotFoundError" in message


def test_the_isolated_plugin_registry_fixture_takes_entry_points_and_modules(
    site: Path, isolated_plugin_registry
) -> None:
    import toy_rustybt_hooks

    by_entry_point = isolated_plugin_registry("toy")
    by_module = isolated_plugin_registry(toy_rustybt_hooks)

    assert "toy" in by_entry_point.names(Kind.DATA_SOURCE)
    assert by_module.registration(Kind.DATA_SOURCE, "toy").plugin == "toy_rustybt_hooks"
    with pytest.raises(PluginNotFoundError, match="no installed plugin named mycsv"):
        isolated_plugin_registry("mycsv")


def test_every_advertised_name_imports() -> None:
    import rustybt.testing

    assert all(getattr(rustybt.testing, name) for name in rustybt.testing.__all__)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchContract'"):
        rustybt.testing.NoSuchContract  # noqa: B018
