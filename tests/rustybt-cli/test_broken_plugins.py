"""A broken third-party plugin never takes the CLI down (unless strict mode asks it to)."""

from __future__ import annotations

import json
from pathlib import Path


def install_throwaway_distribution(site: Path, name: str, hooks_source: str) -> None:
    """Install a one-module distribution with a `rustybt` entry point into ``site``."""
    module = f"{name}_hooks"
    (site / f"{module}.py").write_text(hooks_source)
    dist_info = site / f"{name}-0.0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
    (dist_info / "entry_points.txt").write_text(f"[rustybt]\n{name} = {module}\n")
    (dist_info / "RECORD").write_text("")


def test_a_plugin_that_raises_on_import_is_reported_and_the_rest_works(
    tmp_path: Path, rustybt_process
) -> None:
    install_throwaway_distribution(tmp_path, "brokenplug", "raise ImportError('missing libfoo')\n")
    env = {"PYTHONPATH": str(tmp_path), "RUSTYBT_STRICT_PLUGINS": "0"}

    listing = rustybt_process("plugins", "--json", env=env)
    assert listing.exit_code == 0, listing.stderr
    plugins = {entry["name"]: entry for entry in json.loads(listing.stdout)}
    assert plugins["brokenplug"]["status"] == "error"
    assert plugins["brokenplug"]["error"] == "ImportError: missing libfoo"
    assert plugins["brokenplug"]["distribution"] == "brokenplug"
    assert plugins["sample"]["status"] == "ok"

    fetched = rustybt_process("test-data", "--source", "sample", "--symbol", "IBM", env=env)
    assert fetched.exit_code == 0, fetched.stderr


def test_strict_mode_makes_the_plugin_error_fatal(tmp_path: Path, rustybt_process) -> None:
    install_throwaway_distribution(tmp_path, "brokenplug", "raise ImportError('missing libfoo')\n")
    result = rustybt_process(
        "plugins", env={"PYTHONPATH": str(tmp_path), "RUSTYBT_STRICT_PLUGINS": "1"}
    )
    assert result.exit_code == 1
    assert "ImportError: missing libfoo" in result.stderr


def test_a_third_party_plugin_can_add_a_command(tmp_path: Path, rustybt_process) -> None:
    install_throwaway_distribution(
        tmp_path,
        "greeter",
        "from rustybt import hookimpl\n"
        "@hookimpl\n"
        "def rustybt_register_commands(app):\n"
        "    @app.command()\n"
        "    def greet(name: str = 'world'):\n"
        "        print(f'hello {name}')\n",
    )
    env = {"PYTHONPATH": str(tmp_path)}
    assert rustybt_process("greet", "--name", "quant", env=env).stdout.strip() == "hello quant"
    listing = json.loads(rustybt_process("plugins", "--json", env=env).stdout)
    greeter = next(entry for entry in listing if entry["name"] == "greeter")
    assert greeter["provides"] == {"commands": ["greet"]}
