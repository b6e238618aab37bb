"""Core's four alert channels pass the alert channel contract: the HTTP ones against
rustybt.testing's loopback receiver, email against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from rustybt.plugins import PluginRegistry
from rustybt.testing import AlertChannelContract, LoopbackHttp

WEBHOOK_SECRET = "contract-webhook-signing-secret"
SLACK_TOKEN = "T0CONTRACT/B0CONTRACT/contract-slack-url-token"
BOT_TOKEN = "424242:contract-telegram-bot-token"
SMTP_PASSWORD = "contract-smtp-password"
WRONG_SMTP_PASSWORD = "contract-wrong-smtp-password"


def built(name: str, **settings: Any) -> Any:
    """The channel as the registry builds it from a config file's settings."""
    return PluginRegistry.isolated().alert_channel(name, **settings)


class TestWebhook(AlertChannelContract):
    channel_name = "webhook"
    secrets = (WEBHOOK_SECRET,)

    @pytest.fixture(autouse=True)
    def signing_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CONTRACT_WEBHOOK_SECRET", WEBHOOK_SECRET)

    @pytest.fixture
    def alert_channel(self, loopback_http: LoopbackHttp) -> Any:
        return built(
            "webhook", url=f"{loopback_http.url}/hook", secret_env="CONTRACT_WEBHOOK_SECRET"
        )

    @pytest.fixture
    def received_alerts(self, loopback_http: LoopbackHttp) -> Callable[[], list[bytes]]:
        return lambda: loopback_http.bodies

    @pytest.fixture
    def failing_alert_channel(self, loopback_http: LoopbackHttp) -> Any:
        return built(
            "webhook", url=f"{loopback_http.url}/fail", secret_env="CONTRACT_WEBHOOK_SECRET"
        )


class TestSlack(AlertChannelContract):
    channel_name = "slack"
    secrets = (SLACK_TOKEN,)

    @pytest.fixture
    def alert_channel(self, loopback_http: LoopbackHttp, monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.setenv("CONTRACT_SLACK_URL", f"{loopback_http.url}/services/{SLACK_TOKEN}")
        return built("slack", url_env="CONTRACT_SLACK_URL")

    @pytest.fixture
    def received_alerts(self, loopback_http: LoopbackHttp) -> Callable[[], list[bytes]]:
        return lambda: loopback_http.bodies

    @pytest.fixture
    def failing_alert_channel(
        self, loopback_http: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
    ) -> Any:
        failing_url = f"{loopback_http.url}/fail/services/{SLACK_TOKEN}"
        monkeypatch.setenv("CONTRACT_FAILING_SLACK_URL", failing_url)
        return built("slack", url_env="CONTRACT_FAILING_SLACK_URL")


class TestTelegram(AlertChannelContract):
    channel_name = "telegram"
    secrets = (BOT_TOKEN,)

    @pytest.fixture(autouse=True)
    def bot_token(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CONTRACT_TELEGRAM_TOKEN", BOT_TOKEN)

    @pytest.fixture
    def alert_channel(self, loopback_http: LoopbackHttp) -> Any:
        return built(
            "telegram", token_env="CONTRACT_TELEGRAM_TOKEN", chat_id=7, base_url=loopback_http.url
        )

    @pytest.fixture
    def received_alerts(self, loopback_http: LoopbackHttp) -> Callable[[], list[bytes]]:
        return lambda: loopback_http.bodies

    @pytest.fixture
    def failing_alert_channel(self, loopback_http: LoopbackHttp) -> Any:
        return built(
            "telegram",
            token_env="CONTRACT_TELEGRAM_TOKEN",
            chat_id=7,
            base_url=f"{loopback_http.url}/fail",
        )


@attrs.define
class Mailbox:
    """What a real SMTP server on 127.0.0.1 accepted, as mail texts."""

    port: int
    mails: list[str] = attrs.field(factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(message_from_bytes(envelope.original_content).as_string())
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox(port=port)
    # Plain-text AUTH, allowed on loopback only: the password is what the contract watches.
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=box.authenticate, auth_require_tls=False
    )
    controller.start()
    yield box
    controller.stop()


class TestEmail(AlertChannelContract):
    channel_name = "email"
    secrets = (SMTP_PASSWORD, WRONG_SMTP_PASSWORD)

    @pytest.fixture(autouse=True)
    def passwords(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CONTRACT_SMTP_PASSWORD", SMTP_PASSWORD)
        monkeypatch.setenv("CONTRACT_WRONG_SMTP_PASSWORD", WRONG_SMTP_PASSWORD)

    def mail_channel(self, mailbox: Mailbox, password_env: str) -> Any:
        return built(
            "email",
            host="127.0.0.1",
            port=mailbox.port,
            security="none",
            username="bot@example.com",
            password_env=password_env,
            sender="bot@example.com",
            recipients=["ops@example.com"],
        )

    @pytest.fixture
    def alert_channel(self, mailbox: Mailbox) -> Any:
        return self.mail_channel(mailbox, "CONTRACT_SMTP_PASSWORD")

    @pytest.fixture
    def received_alerts(self, mailbox: Mailbox) -> Callable[[], list[str]]:
        return lambda: mailbox.mails

    @pytest.fixture
    def failing_alert_channel(self, mailbox: Mailbox) -> Any:
        return self.mail_channel(mailbox, "CONTRACT_WRONG_SMTP_PASSWORD")
