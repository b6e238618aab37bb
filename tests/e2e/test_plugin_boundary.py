"""A real third-party package whose data sources break their protocol: `rustybt run` stops with
one line naming the plugin and its package, exit 1, no traceback, no "bug in RustyBT".

The package is built from its own directory and installed into a fresh venv beside this
checkout's packages (plugin_packages.py). It registers `badframe`, whose bars lack the
`symbol` column, and `notasource`, whose factory returns a dict.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "plugin_packages", Path(__file__).with_name("plugin_packages.py")
)
plugin_packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin_packages)

PYPROJECT = """\
[project]
name = "badbars-rustybt"
version = "0.1.0"
dependencies = ["rustybt-core"]

[project.entry-points.rustybt]
badbars = "badbars.hooks"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/badbars"]
"""

HOOKS = """\
import pandas as pd
from rustybt import hookimpl
from rustybt.data.source import SourceCapabilities


class BadFrames:
    name = "badframe"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",))

    def fetch_bars(self, symbols, start, end, frequency):
        days = pd.date_range(start, end, freq="D", tz="UTC")
        return pd.DataFrame(
            {"timestamp": days, "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0}
        )

    def latest_bars(self, symbols, frequency):
        now = pd.Timestamp.now(tz="UTC")
        return self.fetch_bars(symbols, now, now, frequency)


@hookimpl
def rustybt_register_data_sources(register):
    register("badframe", BadFrames)
    register("notasource", dict)
"""

QUICK_START = ["run", "-f", "examples/sma_crossover.py", "--start", "2005-01-03"]
QUICK_START += ["--end", "2005-03-31"]


@pytest.fixture(scope="module")
def rustybt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The `rustybt` of a fresh venv holding RustyBT and the badbars package; its home."""
    root = tmp_path_factory.mktemp("boundary")
    package = root / "badbars-rustybt"
    (package / "src" / "badbars").mkdir(parents=True)
    (package / "pyproject.toml").write_text(PYPROJECT)
    (package / "src" / "badbars" / "__init__.py").write_text("")
    (package / "src" / "badbars" / "hooks.py").write_text(HOOKS)
    python = plugin_packages.make_venv(root)
    plugin_packages.install(python, str(package), root=root)
    return python.parent / "rustybt", root


def run_source(rustybt: tuple[Path, Path], source: str) -> subprocess.CompletedProcess[str]:
    executable, home = rustybt
    return subprocess.run(
        [str(executable), *QUICK_START, "--source", source],
        cwd=plugin_packages.REPO,
        env=plugin_packages.author_environment(home),
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_line_naming_the_plugin(finished: subprocess.CompletedProcess[str]) -> str:
    assert finished.returncode == 1, finished.stderr
    assert "Traceback" not in finished.stderr
    assert "bug in RustyBT" not in finished.stderr
    [line] = finished.stderr.strip().splitlines()
    assert line.startswith("error: plugin badbars (package badbars-rustybt): data source '")
    return line


def test_a_frame_missing_a_column_stops_the_run_in_one_line(rustybt: tuple[Path, Path]) -> None:
    line = assert_one_line_naming_the_plugin(run_source(rustybt, "badframe"))
    assert line.endswith(
        "'badframe' fetch_bars returned a frame that breaks the bar schema (in the header: "
        "missing column(s) symbol); see docs/hooks.md#data-sources"
    )


def test_a_factory_returning_no_source_stops_the_run_in_one_line(
    rustybt: tuple[Path, Path],
) -> None:
    line = assert_one_line_naming_the_plugin(run_source(rustybt, "notasource"))
    assert line.endswith(
        "'notasource' is a dict, not a data source: it lacks name, capabilities, fetch_bars, "
        "latest_bars; see docs/hooks.md#data-sources"
    )
