"""docs/pipeline.md runs as a notebook: its Python blocks, top to bottom, in one namespace
(the research example's ``run_pipeline`` on the sample source included), as a reader
pastes them into one. A block after ``<!-- docs-test: skip (why) -->`` is not run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "pipeline.md"
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)


PythonBlock, python_blocks = doc_commands.PythonBlock, doc_commands.python_blocks
BLOCKS = python_blocks(PAGE.read_text())
STOCKS = {"AAPL", "GOOG", "IBM", "MSFT"}


def test_the_page_has_a_research_example_that_runs() -> None:
    research = [b for b in BLOCKS if "run_pipeline(" in b.code and b.skip_reason is None]
    assert research, "docs/pipeline.md has no run_pipeline example left to run"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The namespace the page's blocks leave behind, run in a new directory."""
    return doc_commands.run_python_blocks(PAGE, tmp_path_factory.mktemp("pipeline-page"), REPO)


def test_the_research_example_gives_a_date_asset_frame_of_the_screened_stocks(page: dict) -> None:
    result = page["result"]
    assert isinstance(result, pd.DataFrame)
    assert result.index.nlevels == 2 and len(result) == 3 * 250
    assert {asset.symbol for asset in result.index.get_level_values(1)} <= STOCKS


def test_the_custom_dataset_example_reads_each_row_from_the_session_after_its_date(
    page: dict,
) -> None:
    pe_ratio = page["fundamentals"]["pe_ratio"]
    aapl = pe_ratio[[asset.symbol == "AAPL" for asset in pe_ratio.index.get_level_values(1)]]
    aapl = aapl.droplevel(1)
    assert aapl.index[0] == pd.Timestamp("2012-01-04")
    assert (aapl["2012-02-01"], aapl["2012-02-02"]) == (14.2, 15.8)


def test_the_pages_strategy_trades_the_stocks_its_pipeline_picks(page: dict) -> None:
    from rustybt.algorithm import TradingAlgorithm
    from rustybt.backtest import run_backtest

    algorithm = TradingAlgorithm(
        initialize=page["initialize"], before_trading_start=page["before_trading_start"]
    )
    result = run_backtest(
        algorithm,
        start=pd.Timestamp("2011-01-03"),
        end=pd.Timestamp("2011-12-30"),
        capital_base=100_000,
    )
    traded = {transaction.asset.symbol for transaction in result.transactions}
    assert traded and traded <= STOCKS


def test_the_block_reader_skips_what_is_marked_and_reads_only_python() -> None:
    text = (
        "```python\nx = 1\n```\n"
        "<!-- docs-test: skip (needs a broker) -->\n"
        "```python\ny = 2\n```\n"
        "```bash\nrustybt --help\n```\n"
        "```python\nz = 3\nw = 4\n```\n"
    )
    assert python_blocks(text) == [
        PythonBlock(2, "x = 1"),
        PythonBlock(6, "y = 2", "needs a broker"),
        PythonBlock(12, "z = 3\nw = 4"),
    ]
