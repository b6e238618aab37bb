"""`rustybt verify-config`: every problem with its key path and line; secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SEED_CONFIG = """\
broker:
  type: paper
  initial_capital: 100000.0
  commission:
    type: per_share
    cost: 0.001
  slippage:
    type: volume_share
    volume_limit: 0.025
    price_impact: 0.1

data:
  source: sample
  frequency: daily

logging:
  level: INFO
  structured: true
  heartbeat_interval: 3600  # Log heartbeat every hour
"""


def verify(rustybt, tmp_path: Path, text: str, *extra: str):
    path = tmp_path / "paper_trading.yaml"
    path.write_text(text)
    return rustybt("verify-config", "--config", str(path), *extra)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            SEED_CONFIG.replace("initial_capital: 100000.0", "initial_capital: lots"),
            "broker.initial_capital: expected a number, got 'lots' (line 3)",
        ),
        (
            SEED_CONFIG.replace("initial_capital: 100000.0", "initial_capital: -5"),
            "broker.initial_capital: must be > 0 and ≤ 1,000,000,000,000, got -5 (line 3)",
        ),
        (
            SEED_CONFIG.replace("structured: true", "structured: true\n  colour: red"),
            "logging.colour: unknown key; allowed: file, heartbeat_interval, level, structured"
            " (line 19)",
        ),
        (
            SEED_CONFIG.replace("source: sample", "source: quandl"),
            "data.source: no data source named 'quandl'",
        ),
        (SEED_CONFIG.replace("type: paper", "type: ib"), "broker.type: no broker named 'ib'"),
        (
            SEED_CONFIG + "state:\n  file: /no/such/dir/state.sqlite\n",
            "state.file: directory /no/such/dir is missing or not writable (line 21)",
        ),
        (
            SEED_CONFIG + "alerts:\n  channels:\n    - {type: webhook, url: 'http://127.0.0.1:9/',"
            " secret_env: RUSTYBT_NO_SUCH_SECRET}\n",
            "alerts.channels[0].secret_env: environment variable RUSTYBT_NO_SUCH_SECRET is not set",
        ),
        ("broker:\ndata:\n  source: sample\n", "broker: section is empty (line 1)"),
        (
            "data:\n  frequency: weekly\n",
            "data.frequency: must be one of daily, minute, 1d, 1m, got 'weekly' (line 2)",
        ),
    ],
    ids=[
        "wrong-type",
        "negative-capital",
        "unknown-key",
        "unregistered-source",
        "unregistered-broker",
        "unwritable-directory",
        "missing-alert-secret",
        "empty-section",
        "bad-choice",
    ],
)
def test_each_problem_is_reported_with_its_key_path(
    rustybt, tmp_path: Path, text: str, problem: str
) -> None:
    result = verify(rustybt, tmp_path, text)
    assert result.exit_code == 1
    assert problem in result.stdout


def test_a_config_with_several_problems_reports_all(rustybt, tmp_path: Path) -> None:
    text = SEED_CONFIG.replace("source: sample", "source: quandl").replace(
        "type: paper", "type: ib"
    )
    payload = json.loads(verify(rustybt, tmp_path, text, "--output", "json").stdout)
    assert payload["valid"] is False
    assert {p["key_path"] for p in payload["problems"]} == {"data.source", "broker.type"}


def test_secret_values_never_appear_in_the_output(rustybt, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RUSTYBT_KRAKEN_API_KEY", "key-value-do-not-print")
    monkeypatch.setenv("RUSTYBT_KRAKEN_SECRET", "secret-value-do-not-print")
    text = SEED_CONFIG.replace("type: paper", "type: ccxt\n  exchange: kraken") + (
        "alerts:\n  channels:\n"
        "    - {type: telegram, chat_id: '1', token: 'inline-token-do-not-print'}\n"
    )
    for extra in ((), ("--output", "json")):
        result = verify(rustybt, tmp_path, text, *extra)
        shown = result.stdout + result.stderr
        assert "do-not-print" not in shown
    assert "***" in shown


def test_invalid_yaml_is_one_line_error(rustybt, tmp_path: Path) -> None:
    result = verify(rustybt, tmp_path, "broker: [\n")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: ")
    assert "invalid YAML" in result.stderr


def test_verify_config_never_prints_the_credentials_of_an_alert_url(rustybt, tmp_path) -> None:
    config = tmp_path / "live.yaml"
    config.write_text(
        "broker: {type: paper}\n"
        "alerts:\n"
        "  channels:\n"
        "    - {type: webhook, url: 'https://user:pw@host.example/x?token=abc'}\n"
    )
    for output in ("table", "json"):
        result = rustybt("verify-config", "--config", str(config), "--output", output)
        shown = result.stdout + result.stderr
        assert "user:***@host.example/x?token=***" in shown
        assert ":pw@" not in shown and "abc" not in shown


def test_an_alert_channel_without_its_url_fails_verification_not_the_session(
    rustybt, tmp_path
) -> None:
    config = tmp_path / "live.yaml"
    config.write_text("broker: {type: paper}\nalerts:\n  channels:\n    - {type: webhook}\n")
    result = rustybt("verify-config", "--config", str(config))
    assert result.exit_code == 1
    assert "alerts.channels[0]: alert channel 'webhook' needs url" in result.stdout


def test_a_webhook_url_must_be_http(rustybt, tmp_path) -> None:
    config = tmp_path / "live.yaml"
    config.write_text(
        "broker: {type: paper}\nalerts:\n  channels:\n"
        "    - {type: webhook, url: 'ftp://u:p@host/x?token=t'}\n"
    )
    result = rustybt("verify-config", "--config", str(config))
    assert result.exit_code == 1
    assert "webhook url must start with https:// or http://, got 'ftp://u:***@host" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("initial_capital: .inf", "broker.initial_capital: expected a finite number, got inf"),
        ("initial_capital: .nan", "broker.initial_capital: expected a finite number, got nan"),
        ("initial_capital: 1e30", "broker.initial_capital: must be > 0 and ≤ 1,000,000,000,000"),
        ("initial_capital: 0", "broker.initial_capital: must be > 0 and ≤ 1,000,000,000,000"),
        ("initial_captial: 5", "did you mean 'initial_capital'?"),
    ],
)
def test_a_number_out_of_range_or_a_misspelt_key_is_the_one_stderr_line(
    rustybt, tmp_path: Path, line: str, problem: str
) -> None:
    result = verify(rustybt, tmp_path, SEED_CONFIG.replace("initial_capital: 100000.0", line))
    assert result.exit_code == 1
    (stderr_line,) = result.stderr.strip().splitlines()
    assert stderr_line.startswith("error: ") and problem in stderr_line
    assert "(line 3)" in stderr_line


def test_an_unknown_broker_lists_the_installed_ones(rustybt, tmp_path: Path) -> None:
    result = verify(rustybt, tmp_path, SEED_CONFIG.replace("type: paper", "type: nosuch"))
    assert result.exit_code == 1
    assert "broker.type: no broker named 'nosuch' (installed: " in result.stderr
