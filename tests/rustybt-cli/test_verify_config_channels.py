"""`rustybt verify-config` checks each alert channel's keys against the channel's own
settings, and reports each problem at the line it is on."""

from __future__ import annotations

import json
from pathlib import Path

# Only the alert problems are looked at: the default broker, paper, may not be installed.
HEAD = "data: {source: sample}\nlogging: {level: INFO}\nalerts:\n  channels:\n"


def verify(rustybt, tmp_path: Path, channels: str, *extra: str):
    """Run verify-config on a config whose first channel item is on line 5."""
    config = tmp_path / "live.yaml"
    config.write_text(HEAD + channels)
    return rustybt("verify-config", "--config", str(config), *extra)


def channel_problems(result) -> list[dict]:
    """The problems of ``--output json`` that concern alert channels."""
    problems = json.loads(result.stdout)["problems"]
    return [p for p in problems if p["key_path"].startswith("alerts.")]


def test_a_misspelt_webhook_url_fails_at_its_own_line(rustybt, tmp_path: Path) -> None:
    result = verify(
        rustybt,
        tmp_path,
        "    - type: webhook\n      urll: https://ops.example.com/rustybt\n",
    )
    assert result.exit_code == 1
    assert (
        "alerts.channels[0].urll: unknown setting of alert channel 'webhook'; "
        "did you mean 'url'? allowed: secret_env, timeout, url (line 6)" in result.stdout
    )
    assert "alerts.channels[0]: alert channel 'webhook' needs url (line 5)" in result.stdout


def test_a_wrong_type_is_reported_at_the_keys_line(rustybt, tmp_path: Path) -> None:
    result = verify(
        rustybt,
        tmp_path,
        "    - type: webhook\n      url: https://ops.example.com/rustybt\n      timeout: soon\n",
        "--output",
        "json",
    )
    assert result.exit_code == 1
    assert channel_problems(result) == [
        {
            "key_path": "alerts.channels[0].timeout",
            "line": 7,
            "message": "expected a number for alert channel 'webhook', got text",
        }
    ]


def test_a_missing_required_setting_is_reported_at_the_items_line(rustybt, tmp_path: Path) -> None:
    result = verify(
        rustybt,
        tmp_path,
        "    - type: webhook\n      url: https://ops.example.com/rustybt\n"
        "    - type: telegram\n      name: ops-chat\n      chat_id: 42\n",
        "--output",
        "json",
    )
    assert channel_problems(result) == [
        {
            "key_path": "alerts.channels[1]",
            "line": 7,
            "message": "alert channel 'telegram' needs token_env",
        }
    ]


def test_a_bad_item_is_reported_at_its_own_line_not_at_channels(
    rustybt, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("RUSTYBT_TEST_SLACK_URL", "https://hooks.example.com/x")
    result = verify(
        rustybt,
        tmp_path,
        "    - type: slack\n      url_env: RUSTYBT_TEST_SLACK_URL\n"
        "    - [webhook]\n"
        "    - {name: pager}\n",
        "--output",
        "json",
    )
    assert [(p["key_path"], p["line"]) for p in channel_problems(result)] == [
        ("alerts.channels[1]", 7),
        ("alerts.channels[2].type", 8),
    ]


def test_named_channels_with_valid_settings_pass(rustybt, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RUSTYBT_TEST_BOT_TOKEN", "123:abc")
    result = verify(
        rustybt,
        tmp_path,
        "    - {type: webhook, name: ops, url: 'https://ops.example.com/rustybt', timeout: 5}\n"
        "    - {type: telegram, name: chat, token_env: RUSTYBT_TEST_BOT_TOKEN, chat_id: 42}\n"
        "    - {type: email, host: smtp.example.com, sender: bot@example.com,"
        " recipients: ops@example.com}\n",
        "--output",
        "json",
    )
    assert channel_problems(result) == []
