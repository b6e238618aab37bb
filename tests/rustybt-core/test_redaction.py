"""Credentials never show: secret-named values, and the password, secret query values and
bot tokens of every URL, in config echoes and log events alike."""

from __future__ import annotations

from rustybt.redaction import redact, redact_text, redact_url


def test_a_url_loses_its_password_and_secret_query_values() -> None:
    assert (
        redact_url("https://user:pw@host/x?token=abc&page=2&api_key=k&sig=s")
        == "https://user:***@host/x?token=***&page=2&api_key=***&sig=***"
    )


def test_a_telegram_bot_token_in_the_path_is_hidden() -> None:
    assert (
        redact_url("https://api.telegram.org/bot123456:ABC-def/sendMessage")
        == "https://api.telegram.org/bot***/sendMessage"
    )


def test_urls_inside_text_are_redacted_and_the_rest_kept() -> None:
    text = "POST https://u:secret@hooks.example/x?token=t failed: 500"
    assert redact_text(text) == "POST https://u:***@hooks.example/x?token=*** failed: 500"


def test_a_config_document_hides_secret_names_and_url_credentials_but_not_env_names() -> None:
    document = {
        "broker": {"api_key": "k", "api_secret_env": "BINANCE_SECRET", "type": "ccxt"},
        "alerts": {"channels": [{"type": "webhook", "url": "https://user:pw@host/x?token=abc"}]},
    }
    assert redact(document) == {
        "broker": {"api_key": "***", "api_secret_env": "BINANCE_SECRET", "type": "ccxt"},
        "alerts": {"channels": [{"type": "webhook", "url": "https://user:***@host/x?token=***"}]},
    }
