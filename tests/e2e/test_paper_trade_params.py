"""`rustybt paper-trade -D name=value --params file.yaml`: a paper session's strategy reads
the same context.params as a backtest's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rustybt.live.journal import Journal

SHARES_TRADER = """
from rustybt.api import order, symbol

PARAMS = {"shares": 10, "ticker": "AAPL"}


def initialize(context):
    context.asset = symbol(context.params.ticker)
    context.done = False


def handle_data(context, data):
    if not context.done:
        order(context.asset, context.params.shares)
        context.done = True
"""


def paper_trade(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    strategy = tmp_path / "shares.py"
    strategy.write_text(SHARES_TRADER)
    return subprocess.run(
        [
            sys.executable, "-m", "rustybt", "paper-trade", "--broker", "paper", "--replay",
            "--strategy", str(strategy), "--start", "2012-01-03", "--end", "2012-01-10",
            "--state", str(tmp_path / "paper.sqlite"), "--log-file", str(tmp_path / "paper.log"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip


def test_paper_trade_orders_the_shares_its_params_give(tmp_path: Path) -> None:
    params_file = tmp_path / "params.yaml"
    params_file.write_text("shares: 7\nticker: MSFT\n")
    result = paper_trade(tmp_path, "--params", str(params_file), "-D", "shares=3")
    assert result.returncode == 0, result.stderr
    assert (
        "parameters    │ shares=3, ticker=MSFT" in result.stdout
        or "shares=3, ticker=MSFT" in result.stdout
    )
    journal = Journal(tmp_path / "paper.sqlite")
    try:
        assert [(fill.symbol, fill.amount) for fill in journal.fills()] == [("MSFT", 3)]
    finally:
        journal.close()


def test_paper_trade_refuses_a_mistyped_param_before_trading(tmp_path: Path) -> None:
    result = paper_trade(tmp_path, "-D", "shares=many")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: parameter shares=many (from -D) is not an int; give a whole number such as 20"
    )
    assert not (tmp_path / "paper.sqlite").exists()


def test_a_paper_session_resumes_only_with_the_params_it_started_with(tmp_path: Path) -> None:
    first = paper_trade(tmp_path, "-D", "shares=3", "--end", "2012-01-05")
    assert first.returncode == 0, first.stderr

    changed = paper_trade(tmp_path, "-D", "shares=5")
    assert changed.returncode == 1
    state = tmp_path / "paper.sqlite"
    assert changed.stderr.strip() == (
        f"error: state file {state} was started with parameters shares=3, ticker=AAPL; this "
        "start gives shares=5, ticker=AAPL: resume it with the same -D and --params, or give "
        "--state a new file"
    )

    resumed = paper_trade(tmp_path, "-D", "shares=3", "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed_from"] is not None
    assert summary["params"] == {"shares": 3, "ticker": "AAPL"}
    journal = Journal(state)
    try:
        assert [(fill.symbol, fill.amount) for fill in journal.fills()] == [("AAPL", 3)]
    finally:
        journal.close()
