"""`rustybt test-data`, `run` and `test-broker` with ccxt, against the fake Binance."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from rustybt_ccxt.testing import FakeExchange
from rustybt_cli.main import main

# Warnings are errors ("coroutine was never awaited", "Unclosed client session"), except
# exchange-calendars' pandas deprecation, which the project ignores everywhere.
pytestmark = pytest.mark.filterwarnings(
    "error", "ignore:Series.values returning", "ignore::Warning:exchange_calendars"
)

API_KEY = "cli-key-a94a8fe5ccb19ba61c4c"
SECRET = "cli-secret-0beec7b5ea3f0fdbc95d"

STRATEGY = """
from rustybt.api import order_target_percent, record, symbol


def initialize(context):
    context.asset = symbol("BTC/USDT")


def handle_data(context, data):
    order_target_percent(context.asset, 0.5)
    record(price=data.current(context.asset, "price"))
"""


@attrs.frozen
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def rustybt(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``rustybt ARGS`` in this process and return its exit code and output."""

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def fake_exchange(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExchange]:
    with FakeExchange(api_key=API_KEY, secret=SECRET) as fake:
        monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", fake.base_url)
        monkeypatch.setenv("RUSTYBT_BINANCE_API_KEY", API_KEY)
        monkeypatch.setenv("RUSTYBT_BINANCE_SECRET", SECRET)
        yield fake


def test_the_seeds_test_data_command_now_fetches_bitcoin(rustybt, fake_exchange) -> None:
    result = rustybt("test-data", "--source", "ccxt", "--symbol", "BTC/USDT")
    assert result.exit_code == 0, result.stderr
    assert "✓ Data fetched successfully" in result.stdout
    assert "can't be used in 'await' expression" not in result.stderr
    assert fake_exchange.requests_to("GET", "/api/v3/klines")


def test_test_data_takes_an_exchange_and_a_range(rustybt, fake_exchange) -> None:
    result = rustybt(
        "test-data",
        "--source",
        "ccxt",
        "--exchange",
        "binance",
        "--symbol",
        "ETH/USDT",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["rows"], payload["first"]) == (31, "2024-01-01T00:00:00+00:00")


def test_a_backtest_runs_on_ccxt_bars_with_the_24_7_calendar(
    rustybt, fake_exchange, tmp_path: Path
) -> None:
    strategy = tmp_path / "hold_bitcoin.py"
    strategy.write_text(STRATEGY)
    result = rustybt(
        "run",
        "-f",
        str(strategy),
        "--source",
        "ccxt",
        "--exchange",
        "binance",
        "--calendar",
        "24/7",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"]["trades"] >= 1


def test_test_broker_places_and_cancels_a_test_order_and_never_shows_secrets(
    rustybt, fake_exchange, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = rustybt(
        "test-broker",
        "--broker",
        "ccxt",
        "--exchange",
        "binance",
        "--testnet",
        "--place-test-order",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["balances"]["USDT"] == {"total": "10000.0", "free": "10000.0"}
    assert payload["latency_ms"] > 0
    assert payload["test_order"]["status"] == "cancelled"
    [order] = fake_exchange.orders
    assert order.status == "CANCELED" and order.price == 25000
    for secret in (API_KEY, SECRET):
        for text in (result.stdout, result.stderr, caplog.text):
            assert secret not in text


def test_test_broker_prints_balances_and_latency_for_people(rustybt, fake_exchange) -> None:
    result = rustybt("test-broker", "--broker", "ccxt", "--testnet")
    assert result.exit_code == 0, result.stderr
    assert "✓ Connected to broker 'ccxt'" in result.stdout
    assert "USDT" in result.stdout and "Latency:" in result.stdout


def test_missing_credentials_exit_1_naming_the_variables(
    rustybt, fake_exchange, monkeypatch
) -> None:
    monkeypatch.delenv("RUSTYBT_BINANCE_API_KEY")
    result = rustybt("test-broker", "--broker", "ccxt", "--testnet")
    assert result.exit_code == 1
    assert "set RUSTYBT_BINANCE_API_KEY and RUSTYBT_BINANCE_SECRET" in result.stderr


def test_rejected_credentials_exit_1_without_echoing_them(
    rustybt, fake_exchange, monkeypatch
) -> None:
    monkeypatch.setenv("RUSTYBT_BINANCE_SECRET", "not-the-secret-31337")
    result = rustybt("test-broker", "--broker", "ccxt", "--testnet", "--output", "json")
    assert result.exit_code == 1
    assert "rejected the API credentials" in result.stderr
    assert result.stdout == ""
    assert "not-the-secret-31337" not in result.stderr and API_KEY not in result.stderr


def test_an_unreachable_exchange_exits_1_saying_so(rustybt, monkeypatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("RUSTYBT_CCXT_BASE_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("RUSTYBT_BINANCE_API_KEY", API_KEY)
    monkeypatch.setenv("RUSTYBT_BINANCE_SECRET", SECRET)
    result = rustybt("test-broker", "--broker", "ccxt", "--testnet")
    assert result.exit_code == 1
    assert "binance unreachable while loading markets after 4 attempts" in result.stderr


def test_an_exchange_typed_as_a_source_points_to_the_ccxt_plugin(rustybt) -> None:
    result = rustybt("test-data", "--source", "binance", "--symbol", "BTC/USDT")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: no data source named 'binance' (installed: ")
    assert line.endswith("; Binance data is available through --source ccxt --exchange binance")


def test_verify_config_names_the_credentials_the_ccxt_plugin_reads(
    rustybt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUSTYBT_KRAKEN_API_KEY", raising=False)
    monkeypatch.setenv("RUSTYBT_KRAKEN_SECRET", "set-but-never-shown")
    config = tmp_path / "live.yaml"
    config.write_text("broker:\n  type: ccxt\n  exchange: kraken\ndata:\n  source: sample\n")
    result = rustybt("verify-config", "--config", str(config))
    assert result.exit_code == 1
    assert (
        "broker.exchange: credential RUSTYBT_KRAKEN_API_KEY is not set in the environment"
        in result.stdout + result.stderr
    )
    assert "RUSTYBT_KRAKEN_SECRET is not set" not in result.stdout + result.stderr
    assert "set-but-never-shown" not in result.stdout + result.stderr
