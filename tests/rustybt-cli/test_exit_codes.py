"""Every exit code of `rustybt` is documented, and each comes with one line on stderr.

The "Exit codes" table of docs/cli.md must list exactly the members of ``ExitCode``; a real
`python -m rustybt` process produces each code, with the table's example as its only
stderr line.
"""

from __future__ import annotations

import importlib.util
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rustybt_cli.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[2]
CLI_PAGE = REPO / "docs" / "cli.md"
_spec = importlib.util.spec_from_file_location(
    "test_broken_plugins", Path(__file__).with_name("test_broken_plugins.py")
)
broken_plugins = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(broken_plugins)

STRATEGY_CALLING_EXIT = """\
import sys


def initialize(context):
    pass


def handle_data(context, data):
    sys.exit(3)
"""

# Loading this strategy takes a minute: time for a signal before anything trades.
STRATEGY_LOADING_SLOWLY = """\
import time
from pathlib import Path

Path(__file__).with_suffix(".loading").touch()
time.sleep(60)


def initialize(context):
    pass
"""

Ending = tuple[int, str]
"""What a `rustybt` process ended with: its exit code and its stderr."""


def documented_exit_codes() -> dict[int, str]:
    """The rows of docs/cli.md's "Exit codes" table: code -> its example message cell."""
    section = CLI_PAGE.read_text().split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            rows[int(cells[0])] = cells[-1]
    return rows


def example_pattern(cell: str) -> str | None:
    """The regular expression of an example message (``…`` stands for anything), or None
    for a code that prints nothing."""
    quoted = re.fullmatch(r"`(.+)`", cell)
    if quoted is None:
        return None
    return ".*".join(re.escape(piece) for piece in quoted.group(1).split("…"))


def run_process(*args: str) -> Ending:
    completed = subprocess.run(
        [sys.executable, "-m", "rustybt", *args], capture_output=True, text=True, timeout=120
    )
    return completed.returncode, completed.stderr


def paper_trade(tmp_path: Path, strategy_source: str) -> list[str]:
    """The arguments of a paper-trade replay of ``strategy_source``, its files in tmp_path."""
    strategy = tmp_path / "strategy.py"
    strategy.write_text(strategy_source)
    state, log = tmp_path / "paper.sqlite", tmp_path / "paper.log"
    return [
        *("paper-trade", "--strategy", str(strategy), "--broker", "paper", "--replay"),
        *("--start", "2012-01-03", "--end", "2012-01-10"),
        *("--state", str(state), "--log-file", str(log)),
    ]


def backtest_a_strategy_calling_exit(tmp_path: Path) -> Ending:
    strategy = tmp_path / "strategy.py"
    strategy.write_text(STRATEGY_CALLING_EXIT)
    return run_process("run", "-f", str(strategy), "--start", "2012-01-03", "--end", "2012-01-10")


def signalled_while_loading(signum: int) -> Callable[[Path], Ending]:
    """An invocation that receives ``signum`` while its strategy loads."""

    def run(tmp_path: Path) -> Ending:
        args = paper_trade(tmp_path, STRATEGY_LOADING_SLOWLY)
        process = subprocess.Popen(
            [sys.executable, "-m", "rustybt", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not (tmp_path / "strategy.loading").exists() and process.poll() is None:
            assert time.monotonic() < deadline, "the strategy never started loading"
            time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr

    return run


INVOCATIONS: dict[ExitCode, Callable[[Path], Ending]] = {
    ExitCode.OK: lambda tmp_path: run_process("plugins"),
    ExitCode.FAILED: lambda tmp_path: run_process(
        "test-data", "--source", "binance", "--symbol", "BTC/USDT"
    ),
    ExitCode.USAGE: lambda tmp_path: run_process("plugins", "--bogus"),
    ExitCode.CODE_EXITED: backtest_a_strategy_calling_exit,
    ExitCode.INTERRUPTED: signalled_while_loading(signal.SIGINT),
    ExitCode.TERMINATED: signalled_while_loading(signal.SIGTERM),
}


def test_the_docs_table_lists_exactly_the_codes_the_cli_can_return() -> None:
    assert sorted(documented_exit_codes()) == sorted(int(code) for code in ExitCode)


@pytest.mark.parametrize("code", list(ExitCode), ids=lambda code: f"{code.value}-{code.name}")
def test_each_exit_code_comes_with_the_documented_line_on_stderr(
    code: ExitCode, tmp_path: Path
) -> None:
    exit_code, stderr = INVOCATIONS[code](tmp_path)
    assert exit_code == code, stderr
    pattern = example_pattern(documented_exit_codes()[code])
    if pattern is None:
        assert stderr == ""
        return
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    assert re.fullmatch(pattern, line), f"{line!r} does not match the docs' example"


def test_a_strategy_calling_sys_exit_stops_the_run_saying_where(tmp_path: Path) -> None:
    exit_code, stderr = backtest_a_strategy_calling_exit(tmp_path)
    assert exit_code == 3
    assert f"error: sys.exit(3) at {tmp_path / 'strategy.py'}:9 in handle_data" in stderr


def test_debug_puts_the_traceback_above_the_one_line(rustybt, tmp_path: Path) -> None:
    strategy = tmp_path / "stop_early.py"
    strategy.write_text(STRATEGY_CALLING_EXIT)
    result = rustybt(
        "--debug", "run", "-f", str(strategy), "--start", "2012-01-03", "--end", "2012-01-10"
    )
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: sys.exit(3) at ")


def test_a_check_that_does_not_pass_says_so_in_one_line(rustybt, tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("broker:\n  type: nosuch\n")
    result = rustybt("verify-config", "--config", str(config), "--output", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["valid"] is False
    assert re.fullmatch(
        rf"error: {re.escape(str(config))} is not valid: broker.type: no broker named 'nosuch' "
        r"\(installed: [^)]*\) \(line 2\)\n",
        result.stderr,
    )


def test_stdout_closed_early_is_one_line_and_exit_1() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "rustybt", "plugins"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # before the process has imported anything, let alone written
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert stderr == "error: stdout was closed before the output was written (broken pipe)\n"


def test_a_plugin_command_ending_with_typer_exit_is_a_one_line_failure(
    tmp_path: Path, rustybt_process
) -> None:
    broken_plugins.install_throwaway_distribution(
        tmp_path,
        "quitter",
        "import typer\n"
        "from rustybt import hookimpl\n"
        "@hookimpl\n"
        "def rustybt_register_commands(app):\n"
        "    @app.command()\n"
        "    def quit():\n"
        "        raise typer.Exit(5)\n",
    )
    result = rustybt_process("quit", env={"PYTHONPATH": str(tmp_path)})
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the command ended with exit code 5 (a plugin command should raise a "
        "RustyBTError giving its reason, not typer.Exit)\n"
    )


def test_debug_works_anywhere_on_the_command_line(rustybt) -> None:
    result = rustybt(
        "run",
        "-f",
        "examples/sma_crossover.py",
        "--start",
        "2010-13-45",
        "--end",
        "2012-12-31",
        "--debug",
    )
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: start '2010-13-45' is not a date (month must be in 1..12); use YYYY-MM-DD"
    )
