"""Isolated test sessions: each package is tested with only itself and what it declares.

`nox` runs lint, every package's tests and the cross-package e2e tests; `nox -l` lists them.
Each session gets a fresh virtualenv (uv when available), so an import a package does not
declare in its pyproject fails here even though the workspace env would hide it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

CORE = "rustybt-core"
PACKAGES = (
    CORE,
    "rustybt-cli",
    "rustybt-yfinance",
    "rustybt-ccxt",
    "rustybt-paper",
    "rustybt-ray",
)
UV = os.environ.get("UV", "uv")
"""The uv that runs nox (``uv run nox`` says which in ``UV``: the README's is not on PATH)."""
TEST_TOOLS = ("pytest>=8", "hypothesis>=6.100", "aiosmtpd>=1.4", "optuna>=3.6")
SPREAD = ("-n", "2", "--dist", "loadscope", "--no-loadscope-reorder")
"""pytest-xdist's options for the long sessions: two workers (CI has two cores), each
scope's tests on one worker, one after another, the scopes taken in collection order. A
scope is a module (tests/e2e/conftest.py says which e2e tests differ)."""
XDIST = "pytest-xdist>=3.5"


def _editable(*packages: str) -> list[str]:
    args: list[str] = []
    for package in dict.fromkeys(packages):
        args += ["-e", package]
    return args


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: style and static checks over the whole tree; mypy: the engine's parts and the
    plugin registry's typed facade (the files listed under ``[tool.mypy]``)."""
    session.install(
        "ruff>=0.6", "mypy>=1.10", *_editable(CORE, "rustybt-paper", "rustybt-cli", "rustybt-ray")
    )
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
@nox.parametrize("package", PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """One package's tests, with only that package, rustybt-core and its declared deps."""
    _run_tests(session, f"tests/{package}", (CORE, package))


@nox.session
def e2e(session: nox.Session) -> None:
    """Tests that cross packages (and the docs' commands), with every package installed."""
    # The reports' browser test drives the machine's Chromium: no browser is downloaded.
    session.install("playwright>=1.40", XDIST)
    _install_chromium(session)
    _run_tests(session, "tests/e2e", PACKAGES, SPREAD)


def _install_chromium(session: nox.Session) -> None:
    """Install Debian's chromium for the browser test when it is missing and this user may
    (root with apt-get); otherwise leave it to the test, which skips saying what is missing."""
    if any(shutil.which(name) for name in ("chromium", "chromium-browser")):
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        session.log("no chromium, and no apt-get as root to install it: the browser test skips")
        return
    # apt-get's 100 (no network, a locked database) leaves the test to skip, saying why.
    apt = ("apt-get", "-qq")
    session.run(*apt, "update", external=True, success_codes=[0, 100])
    session.run(*apt, "install", "-y", "chromium", external=True, success_codes=[0, 100])


def _run_tests(
    session: nox.Session, test_dir: str, packages: tuple[str, ...], options: tuple[str, ...] = ()
) -> None:
    """pytest over ``test_dir`` with ``packages`` installed, given ``options`` before the
    session's own arguments (which so may override them: ``nox -s e2e -- -n 0``)."""
    if not Path(test_dir).is_dir():
        session.skip(f"{test_dir} holds no tests yet")
    session.install(*_editable(*packages), *TEST_TOOLS)
    session.run("pytest", test_dir, *options, *session.posargs)


ORACLE_REQUIREMENTS = "tests/differential/requirements-zipline.txt"


@nox.session
def differential(session: nox.Session) -> None:
    """The differential suite: each strategy of ``tests/differential/strategies`` under
    zipline-reloaded (the oracle, in its own environment: it pins pandas 2) and under
    RustyBT, on the same data; they must trade alike and agree to the cent."""
    oracle = Path(".nox") / "zipline-oracle"
    python = oracle / "bin" / "python"
    pins = Path(ORACLE_REQUIREMENTS).read_text()
    installed = oracle / "requirements.txt"
    if not installed.exists() or installed.read_text() != pins:
        session.run(UV, "venv", "--quiet", "--python", "3.11", str(oracle), external=True)
        session.run(
            *(UV, "pip", "install", "--quiet", "--python", str(python)),
            *("-r", ORACLE_REQUIREMENTS),
            external=True,
        )
        installed.write_text(pins)
    # What zipline's own examples need on our side: TA-Lib and matplotlib (rustybt-core[plot]);
    # filelock: the xdist workers share the oracle's cache (tests/differential/conftest.py).
    session.install(
        *_editable(*PACKAGES),
        *(*TEST_TOOLS, XDIST, "filelock>=3.12"),
        *("TA-Lib==0.8.2", "matplotlib>=3.8"),
    )
    session.run(
        "pytest",
        "tests/differential",
        *SPREAD,
        *session.posargs,
        # absolute(), not resolve(): the oracle is a venv, its python a link to keep.
        env={"RUSTYBT_ZIPLINE_PYTHON": str(python.absolute()), "MPLBACKEND": "Agg"},
    )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks and compare them with the committed baseline: fails when any
    metric of any row (or its peak memory) is more than 20 % worse; rows missing from the
    baseline are listed, not failed. Not part of the default run: timings need a quiet
    machine. Extra arguments go to ``compare`` (``-- --threshold 0.1``)."""
    session.install(*_editable(*PACKAGES))
    session.run(
        "rustybt", "benchmark", "--save", "benchmark-current.json", "--output", "json", silent=True
    )
    session.run(
        "rustybt",
        "benchmark",
        "compare",
        "benchmarks/baseline.json",
        "benchmark-current.json",
        "--threshold",
        "0.2",
        *session.posargs,
    )


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs-material; any warning fails the build.
    Not part of the default run: it needs mkdocs-material from the package index."""
    session.install("mkdocs-material")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
