"""The command that installs a package into the running environment, as it really is.

RustyBT's packages are installed from a clone, not from an index, so ``pip install
rustybt-ccxt`` fails for most users. The right command depends on where ``rustybt-core``
came from (a clone's directory, recorded by the installer in ``direct_url.json``, PEP 610)
and on what installs into this environment (environments made by uv have no pip).
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse


def install_command(package: str, extra: str | None = None) -> str:
    """A shell command that installs ``package`` (with its ``extra``) into this environment.

    A RustyBT package is named by its directory in the clone ``rustybt-core`` was installed
    from, when there is one; otherwise, and for other packages, by its name. The installer
    is this environment's pip, or ``uv pip install --python <this python>`` where there is
    no pip.
    """
    target = _clone_directory(package) or package
    requirement = f"{target}[{extra}]" if extra else target
    if importlib.util.find_spec("pip") is not None:
        installer = "pip install"
    else:
        installer = f"uv pip install --python {shlex.quote(sys.executable)}"
    return f"{installer} {shlex.quote(requirement)}"


def _clone_directory(package: str) -> str | None:
    if not package.startswith("rustybt-"):
        return None
    try:
        recorded = metadata.distribution("rustybt-core").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not recorded:
        return None
    url = urlparse(json.loads(recorded).get("url", ""))
    if url.scheme != "file":
        return None
    directory = Path(unquote(url.path)).parent / package
    return str(directory) if (directory / "pyproject.toml").is_file() else None
