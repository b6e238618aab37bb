"""The `rustybt` entry points, global options, exit codes and error lines."""

from __future__ import annotations

import json

SEED_COMMANDS_BUILT_SO_FAR = ("plugins", "test-data")


def test_python_dash_m_rustybt_help_lists_the_commands(rustybt_process) -> None:
    result = rustybt_process("--help")
    assert result.exit_code == 0
    for command in SEED_COMMANDS_BUILT_SO_FAR:
        assert command in result.stdout


def test_version_lists_every_installed_rustybt_package(rustybt) -> None:
    result = rustybt("--version")
    assert result.exit_code == 0
    assert "rustybt-core 0.1.0" in result.stdout
    assert "rustybt-cli 0.1.0" in result.stdout


def test_no_command_shows_help_and_is_a_usage_error(rustybt) -> None:
    result = rustybt()
    assert result.exit_code == 2
    assert "Usage" in result.stdout + result.stderr


def test_an_unknown_option_is_a_usage_error(rustybt) -> None:
    assert rustybt("plugins", "--bogus").exit_code == 2


def test_plugins_json_lists_core_builtins_as_ok(rustybt) -> None:
    result = rustybt("plugins", "--json")
    assert result.exit_code == 0
    plugins = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert plugins["sample"]["status"] == "ok"
    assert plugins["sample"]["distribution"] == "rustybt-core"
    assert plugins["sample"]["provides"] == {"data_sources": ["sample"]}
    assert plugins["files"]["status"] == "ok"


def test_plugins_table_is_the_default(rustybt) -> None:
    result = rustybt("plugins")
    assert result.exit_code == 0
    assert "sample" in result.stdout and "rustybt-core" in result.stdout


def test_binance_as_a_source_is_one_clear_line_and_exit_1(rustybt) -> None:
    result = rustybt("test-data", "--source", "binance", "--symbol", "BTC/USDT")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no data source named 'binance' (installed: ")
    assert "files" in lines[0] and "sample" in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_adds_the_traceback(rustybt) -> None:
    result = rustybt("--debug", "test-data", "--source", "binance", "--symbol", "BTC/USDT")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "PluginNotFoundError" in result.stderr
