"""Plugin packages as a third-party author ships them: built and installed from their own
directory into a fresh venv next to this checkout's packages, their tests run there.

Shared by the tests of the docs' plugin tutorials and of ``rustybt plugin new``. The venv is
made by the uv running the suite, offline from its cache (as in reader_shell.py); RustyBT's
packages are installed as wheels built from this checkout, so what the wheels lack (package
data, a dependency) fails here as it would for the author.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "reader_shell", Path(__file__).with_name("reader_shell.py")
)
reader_shell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reader_shell)
UV = reader_shell.UV

RUSTYBT_PACKAGES = ("rustybt-core[testing]", "rustybt-cli", "rustybt-paper")
"""What a plugin author has installed: core with its test support, the CLI, the paper broker."""


def _run(command: list[str], cwd: Path, environment: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


def author_environment(home: Path) -> dict[str, str]:
    """A reader's shell environment (reader_shell.py) with a data directory under ``home``
    and a strict plugin registry, so a plugin that fails to load fails loudly."""
    return reader_shell.reader_environment(
        RUSTYBT_DATA_DIR=str(home / "data"), RUSTYBT_STRICT_PLUGINS="1"
    )


def make_venv(root: Path, *plugins: Path) -> Path:
    """A venv under ``root`` holding RustyBT's packages and each of ``plugins`` (package
    directories, installed with their ``test`` extra); its python."""
    rustybt = (f"./{package}" for package in RUSTYBT_PACKAGES)
    python = new_venv(root / "venv", *rustybt, environment=author_environment(root))
    if plugins:
        install(python, *(f"{plugin}[test]" for plugin in plugins), root=root)
    return python


def new_venv(venv: Path, *requirements: str, environment: dict[str, str]) -> Path:
    """A fresh venv at ``venv`` made by the suite's uv, offline, with ``requirements``
    (paths relative to the repository, or absolute) installed in one go; its python."""
    _run([UV, "venv", "--quiet", str(venv)], REPO, environment)
    python = venv / "bin" / "python"
    _install(python, requirements, environment)
    return python


def install(python: Path, *requirements: str, root: Path) -> None:
    """Install ``requirements`` (paths relative to the repository, or absolute) into the
    venv of ``python``. A plugin's ``rustybt-core`` dependency is met by the checkout's,
    installed first."""
    _install(python, requirements, author_environment(root))


def _install(python: Path, requirements: tuple[str, ...], environment: dict[str, str]) -> None:
    command = [UV, "pip", "install", "--quiet", "--python", str(python), *requirements]
    _run(command, REPO, environment)


def run_tests(python: Path, package: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the tests of the plugin package at ``package`` with pytest, in its directory,
    under the venv of ``python``."""
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=package,
        env=author_environment(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
