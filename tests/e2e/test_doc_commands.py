"""Every `rustybt` command in docs/ runs, exactly as written (README.md's run in
test_readme.py, as a whole, in a fresh copy of the repository)."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "doc_commands", Path(__file__).with_name("doc_commands.py")
)
doc_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_commands)

COMMANDS = doc_commands.documented_commands(REPO)


@pytest.fixture(scope="module")
def fake_services() -> Iterator[dict[str, str]]:
    """The loopback fake Yahoo and fake exchange, as the environment pointing plugins at them
    (the fake exchange accepts any API key)."""
    from rustybt_ccxt.testing import serve_fake_exchange
    from rustybt_yfinance.testing import serve_fake_yahoo

    with serve_fake_yahoo(["AAPL", "MSFT", "SPY"]) as yahoo, serve_fake_exchange() as exchange:
        yield {
            "RUSTYBT_YFINANCE_BASE_URL": yahoo.base_url,
            "RUSTYBT_CCXT_BASE_URL": exchange,
            "RUSTYBT_BINANCE_API_KEY": "docs-test-key",
            "RUSTYBT_BINANCE_SECRET": "docs-test-secret",
        }


def run_documented(
    args: tuple[str, ...], workdir: Path, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``rustybt ARGS`` in ``workdir``, where ``examples/`` is the repository's and
    ``out/`` is made (as getting-started.md has the reader do), with a data directory of its
    own and ``environment`` added."""
    (workdir / "out").mkdir(exist_ok=True)
    return doc_commands.run_rustybt(args, workdir, REPO, environment)


def test_the_docs_show_commands() -> None:
    skipped = [c for c in COMMANDS if c.skip_reason]
    print(f"{len(COMMANDS)} documented commands, {len(skipped)} opted out")
    assert len(COMMANDS) >= 5


DOCUMENTS = sorted({command.source for command in COMMANDS} - {"README.md"})


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_command_of_a_document_runs_in_order(
    document: str, tmp_path: Path, fake_services: dict[str, str]
) -> None:
    """A reader follows a page top to bottom in one directory, so later commands may use
    the files earlier ones wrote (a paper session's log, say)."""
    failures = []
    for command in (c for c in COMMANDS if c.source == document and not c.skip_reason):
        result = run_documented(command.args, tmp_path, fake_services)
        if result.returncode != 0:
            failures.append(f"{command}\n{result.stderr.strip()}")
    assert not failures, "\n\n".join(failures)


def test_a_broken_documented_command_is_caught(tmp_path: Path) -> None:
    broken = "# Guide\n\n```bash\nrustybt fetch-everything --symbols AAPL\n```\n"
    [command] = doc_commands.commands_in(broken, "guide.md")
    assert command.args == ("fetch-everything", "--symbols", "AAPL")
    assert run_documented(command.args, tmp_path).returncode != 0


def test_the_collector_reads_prefixes_continuations_and_skip_markers() -> None:
    text = (
        "```bash\npip install uv && uv run rustybt run -f x.py \\\n  --start 2020-01-02 # c\n```\n"
        "<!-- docs-test: skip (needs real exchange credentials) -->\n"
        "```sh\npython3 -m rustybt test-broker --broker ccxt\n```\n"
        "```python\nrustybt = 1\n```\n"
    )
    first, second = doc_commands.commands_in(text, "x.md")
    assert first.args == ("run", "-f", "x.py", "--start", "2020-01-02")
    assert (second.args, second.skip_reason) == (
        ("test-broker", "--broker", "ccxt"),
        "needs real exchange credentials",
    )
