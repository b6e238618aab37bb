"""Alert channels against real servers: a loopback HTTP server and an aiosmtpd SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from rustybt.alerts import Alert, Severity
from rustybt.alerts.config import (
    AlertsConfig,
    ChannelConfig,
    alerts_config_from_dict,
    load_alerts_config,
)
from rustybt.alerts.dispatch import AlertDispatcher, create_channel
from rustybt.alerts.probe import send_test_alert
from rustybt.alerts.webhook import SIGNATURE_HEADER
from rustybt.engine.clock import ReplayClock
from rustybt.errors import ConfigError
from rustybt.plugins import ENTRY_POINT_GROUP, Kind, PluginRegistry

ALERT = Alert(
    severity=Severity.CRITICAL,
    title="Engine stopped",
    body="The engine stopped with an error: BrokerError.",
    dedupe_key="engine-stopped",
)
SECRET = "webhook-signing-secret-42"
SECOND = 1_000_000_000
BOT_TOKEN = "123456:telegram-bot-token"


# -- real servers --------------------------------------------------------------------------


@attrs.frozen
class Received:
    path: str
    headers: Message  # looked up case-insensitively, as HTTP headers are
    body: bytes


@attrs.define
class LoopbackHttp:
    """A real HTTP server on 127.0.0.1: answers 200 ``{"ok": true}``, except under ``/fail``
    (500) and ``/refuse`` (200 ``{"ok": false, ...}``, as the Telegram Bot API refuses)."""

    url: str
    received: list[Received] = attrs.field(factory=list)


@pytest.fixture
def http_server() -> Iterator[LoopbackHttp]:
    server_info = LoopbackHttp(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            server_info.received.append(Received(self.path, self.headers, body))
            if self.path.startswith("/fail"):
                status, answer = 500, {"error": "boom"}
            elif self.path.startswith("/refuse"):
                status, answer = 200, {"ok": False, "description": "Bad Request: chat not found"}
            else:
                status, answer = 200, {"ok": True}
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            """Keep the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_info.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server_info
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@attrs.define
class Mailbox:
    """What a real SMTP server on 127.0.0.1 received, and as whom."""

    port: int
    messages: list = attrs.field(factory=list)
    logins: list[str] = attrs.field(factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"smtp-pass"
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 235 or 535


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def start_smtp(mailbox: Mailbox, **options) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, **options)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = start_smtp(mailbox)
    yield mailbox
    controller.stop()


@pytest.fixture
def alert_registry(empty_plugin_registry: PluginRegistry) -> PluginRegistry:
    """A registry holding the alert channels rustybt-core declares as entry points."""
    core_entry_points = [
        ep
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if ep.dist is not None and ep.dist.name == "rustybt-core"
    ]
    empty_plugin_registry.load_entry_points(core_entry_points)
    return empty_plugin_registry


def channel(registry: PluginRegistry, kind: str, **settings):
    return create_channel(registry, ChannelConfig(name=kind, type=kind, settings=settings))


def dispatcher(**channels) -> AlertDispatcher:
    return AlertDispatcher(channels=channels, retry_delay_seconds=0.0)


# -- registration ---------------------------------------------------------------------------


def test_core_declares_the_four_channels_as_plugins(alert_registry: PluginRegistry) -> None:
    assert alert_registry.names(Kind.ALERT_CHANNEL) == ["email", "slack", "telegram", "webhook"]


def test_a_setting_a_channel_does_not_take_is_a_config_error(
    alert_registry: PluginRegistry,
) -> None:
    with pytest.raises(
        ConfigError, match=r"^colour: unknown setting of alert channel 'webhook'; allowed: "
    ):
        channel(alert_registry, "webhook", url="http://127.0.0.1:9", colour="red")


# -- webhook, slack, telegram over a loopback HTTP server -----------------------------------


def test_webhook_posts_the_alert_signed_with_hmac_sha256(
    alert_registry: PluginRegistry, http_server: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUSTYBT_WEBHOOK_SECRET", SECRET)
    webhook = channel(
        alert_registry,
        "webhook",
        url=f"{http_server.url}/hooks/rustybt",
        secret_env="RUSTYBT_WEBHOOK_SECRET",
    )

    (result,) = dispatcher(webhook=webhook).send(ALERT)

    assert result.delivered and result.attempts == 1
    (request,) = http_server.received
    assert request.path == "/hooks/rustybt"
    assert json.loads(request.body) == {
        "severity": "critical",
        "title": "Engine stopped",
        "body": "The engine stopped with an error: BrokerError.",
        "dedupe_key": "engine-stopped",
    }
    # What a receiver does: recompute the HMAC of the raw body with the shared secret.
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected)
    forged = "sha256=" + hmac.new(b"other", request.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(request.headers[SIGNATURE_HEADER], forged)


def test_an_unsigned_webhook_sends_no_signature(
    alert_registry: PluginRegistry, http_server: LoopbackHttp
) -> None:
    webhook = channel(alert_registry, "webhook", url=f"{http_server.url}/hook")
    assert dispatcher(webhook=webhook).send(ALERT)[0].delivered
    assert SIGNATURE_HEADER not in http_server.received[0].headers


def test_slack_posts_text_to_the_incoming_webhook_named_by_env(
    alert_registry: PluginRegistry, http_server: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"{http_server.url}/services/T0/B0/xyz")
    slack = channel(alert_registry, "slack", url_env="SLACK_WEBHOOK_URL")

    assert dispatcher(slack=slack).send(ALERT)[0].delivered

    (request,) = http_server.received
    assert request.path == "/services/T0/B0/xyz"
    assert json.loads(request.body) == {
        "text": "[CRITICAL] Engine stopped\nThe engine stopped with an error: BrokerError."
    }


def test_telegram_calls_send_message_of_the_bot(
    alert_registry: PluginRegistry, http_server: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    telegram = channel(
        alert_registry,
        "telegram",
        token_env="TELEGRAM_BOT_TOKEN",
        chat_id=-100200300,
        base_url=http_server.url,
    )

    assert dispatcher(telegram=telegram).send(ALERT)[0].delivered

    (request,) = http_server.received
    assert request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert json.loads(request.body) == {
        "chat_id": -100200300,
        "text": "[CRITICAL] Engine stopped\nThe engine stopped with an error: BrokerError.",
    }


def test_a_telegram_refusal_fails_with_its_description_and_no_token(
    alert_registry: PluginRegistry, http_server: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    telegram = channel(
        alert_registry,
        "telegram",
        token_env="TELEGRAM_BOT_TOKEN",
        chat_id=1,
        base_url=f"{http_server.url}/refuse",
    )
    (result,) = AlertDispatcher(channels={"telegram": telegram}, retries=0).send(ALERT)
    assert result.status == "failed"
    assert result.error == "the Bot API refused the message: Bad Request: chat not found"


def test_a_failing_endpoint_is_retried_then_logged_and_never_raises(
    alert_registry: PluginRegistry,
    http_server: LoopbackHttp,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    telegram = channel(
        alert_registry,
        "telegram",
        token_env="TELEGRAM_BOT_TOKEN",
        chat_id=1,
        base_url=f"{http_server.url}/fail",
    )
    webhook = channel(alert_registry, "webhook", url=f"{http_server.url}/ok")
    replay = ReplayClock(0)
    alerts = AlertDispatcher(
        channels={"telegram": telegram, "webhook": webhook},
        retries=2,
        retry_delay_seconds=0.5,
        time=replay,
    )

    with caplog.at_level(logging.WARNING, logger="rustybt.alerts"):
        failed, delivered = alerts.send(ALERT)

    assert (failed.status, failed.attempts, failed.error) == (
        "failed",
        3,
        "HTTP 500 Internal Server Error",
    )
    assert delivered.delivered
    # 0.5 s then 1 s (the wait doubles after each failed attempt), each up to 25 % longer
    assert 1.5 <= replay.now_ns() / 1e9 <= 1.875
    assert caplog.text.count("alert delivery attempt") == 2
    assert len([r for r in http_server.received if r.path.startswith("/fail")]) == 3
    assert "not delivered through telegram after 3 attempt(s)" in caplog.text
    assert BOT_TOKEN not in caplog.text + str(failed)


def test_an_unreachable_endpoint_fails_with_the_network_reason(
    alert_registry: PluginRegistry,
) -> None:
    webhook = channel(alert_registry, "webhook", url=f"http://127.0.0.1:{free_port()}/", timeout=2)
    (result,) = AlertDispatcher(channels={"webhook": webhook}, retries=0).send(ALERT)
    assert result.status == "failed"
    assert result.error.startswith("cannot reach the endpoint")


def test_a_crashing_third_party_channel_is_reported_not_raised() -> None:
    class BuggyChannel:
        def send(self, alert: Alert) -> None:
            raise KeyError("chat")

    (result,) = AlertDispatcher(channels={"buggy": BuggyChannel()}, retries=0).send(ALERT)
    assert (result.status, result.error) == ("failed", "unexpected KeyError: 'chat'")


def test_one_alert_per_dedupe_key_per_rate_limit_period(
    alert_registry: PluginRegistry, http_server: LoopbackHttp
) -> None:
    replay = ReplayClock(1000 * SECOND)
    alerts = AlertDispatcher(
        channels={"webhook": channel(alert_registry, "webhook", url=f"{http_server.url}/h")},
        rate_limit_seconds=300,
        time=replay,
    )
    other_story = attrs.evolve(ALERT, dedupe_key="kill-switch")

    assert alerts.send(ALERT)[0].status == "delivered"
    replay.sleep_until(replay.now_ns() + 299 * SECOND)
    assert alerts.send(ALERT)[0].status == "rate limited"
    assert alerts.send(other_story)[0].status == "delivered"
    replay.sleep_until(replay.now_ns() + SECOND)
    assert alerts.send(ALERT)[0].status == "delivered"
    assert len(http_server.received) == 3


def test_a_missing_secret_names_the_variable_only(
    alert_registry: PluginRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    with pytest.raises(ConfigError) as error:
        channel(alert_registry, "webhook", url="http://127.0.0.1:9", secret_env="NO_SUCH_SECRET")
    assert str(error.value) == (
        "environment variable NO_SUCH_SECRET (webhook signing secret) is not set"
    )


# -- email over a real SMTP server -----------------------------------------------------------


def test_email_is_delivered_to_a_local_relay(
    alert_registry: PluginRegistry, smtp_server: Mailbox
) -> None:
    email = channel(
        alert_registry,
        "email",
        host="127.0.0.1",
        port=smtp_server.port,
        security="none",
        sender="bot@example.com",
        recipients=["ops@example.com", "lead@example.com"],
    )

    assert dispatcher(email=email).send(ALERT)[0].delivered

    (message,) = smtp_server.messages
    assert message["Subject"] == "[RustyBT CRITICAL] Engine stopped"
    assert message["From"] == "bot@example.com"
    assert message["To"] == "ops@example.com, lead@example.com"
    assert message["X-RustyBT-Dedupe-Key"] == "engine-stopped"
    assert message.get_payload().strip() == "The engine stopped with an error: BrokerError."


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_logs_in_over_tls_with_the_password_from_env(
    security: str,
    alert_registry: PluginRegistry,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    mailbox = Mailbox(port=free_port())
    tls = (
        {"tls_context": server_context, "require_starttls": True}
        if security == "starttls"
        # aiosmtpd only offers AUTH on implicit TLS when told the channel is already secure.
        else {"ssl_context": server_context, "auth_require_tls": False}
    )
    controller = start_smtp(mailbox, authenticator=mailbox.authenticate, **tls)
    monkeypatch.setenv("RUSTYBT_SMTP_PASSWORD", "smtp-pass")
    try:
        email = channel(
            alert_registry,
            "email",
            host="127.0.0.1",
            port=mailbox.port,
            security=security,
            ca_file=str(cert),
            username="bot@example.com",
            password_env="RUSTYBT_SMTP_PASSWORD",
            sender="bot@example.com",
            recipients="ops@example.com",
        )
        (result,) = dispatcher(email=email).send(ALERT)
    finally:
        controller.stop()

    assert result.delivered, result.error
    assert mailbox.logins == ["bot@example.com"]
    assert mailbox.messages[0]["Subject"] == "[RustyBT CRITICAL] Engine stopped"


def test_a_refused_smtp_login_fails_without_the_password(
    alert_registry: PluginRegistry,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    mailbox = Mailbox(port=free_port())
    controller = start_smtp(
        mailbox,
        authenticator=mailbox.authenticate,
        ssl_context=server_context,
        auth_require_tls=False,  # the connection is TLS from the start
    )
    monkeypatch.setenv("RUSTYBT_SMTP_PASSWORD", "wrong-password")
    try:
        email = channel(
            alert_registry,
            "email",
            host="127.0.0.1",
            port=mailbox.port,
            security="ssl",
            ca_file=str(cert),
            username="bot@example.com",
            password_env="RUSTYBT_SMTP_PASSWORD",
            sender="bot@example.com",
            recipients="ops@example.com",
        )
        (result,) = AlertDispatcher(channels={"email": email}, retries=0).send(ALERT)
    finally:
        controller.stop()

    assert (result.status, result.error) == ("failed", "SMTP login refused (535)")
    assert mailbox.messages == []


# -- configuration ---------------------------------------------------------------------------


def test_the_alerts_section_becomes_typed_config() -> None:
    config = alerts_config_from_dict(
        {
            "rate_limit_seconds": 60,
            "channels": [
                {"type": "webhook", "url": "https://ops.example.com", "secret_env": "S"},
                {"type": "webhook", "name": "backup", "url": "https://backup.example.com"},
            ],
        }
    )
    assert config == AlertsConfig(
        channels=(
            ChannelConfig(
                name="webhook",
                type="webhook",
                settings={"url": "https://ops.example.com", "secret_env": "S"},
            ),
            ChannelConfig(
                name="backup", type="webhook", settings={"url": "https://backup.example.com"}
            ),
        ),
        rate_limit_seconds=60.0,
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"channels": []}, "alerts.channels: must be a non-empty list"),
        ({"channels": [{"url": "x"}]}, r"alerts.channels\[0\].type: is missing"),
        (
            {"channels": [{"type": "slack"}], "retries": -1},
            "alerts.retries: must be a whole number ≥ 0 and ≤ 10, got -1",
        ),
        (
            {"channels": [{"type": "slack"}], "retries": 1000},
            "alerts.retries: must be a whole number ≥ 0 and ≤ 10, got 1000",
        ),
        (
            {"channels": [{"type": "slack"}], "retry_delay_seconds": float("nan")},
            "alerts.retry_delay_seconds: must be a number ≥ 0 and ≤ 60, got nan",
        ),
        (
            {"channels": [{"type": "slack"}], "rate_limt": 5},
            "alerts.rate_limt: unknown key; did you mean 'rate_limit_seconds'",
        ),
        ({"channels": [{"type": "slack"}, {"type": "slack"}]}, "slack used twice"),
    ],
)
def test_a_broken_alerts_section_names_the_key(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        alerts_config_from_dict(section)


def test_a_config_file_without_alerts_says_how_to_add_them(tmp_path: Path) -> None:
    path = tmp_path / "paper_trading.yaml"
    path.write_text("broker: paper\n")
    with pytest.raises(ConfigError, match="has no 'alerts' section"):
        load_alerts_config(path)


def test_a_test_alert_reports_each_channel_even_one_that_cannot_be_built(
    alert_registry: PluginRegistry, http_server: LoopbackHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISSING_SLACK_URL", raising=False)
    config = alerts_config_from_dict(
        {
            "retry_delay_seconds": 0,
            "channels": [
                {"type": "webhook", "url": f"{http_server.url}/h"},
                {"type": "slack", "url_env": "MISSING_SLACK_URL"},
                {"type": "pager", "name": "pager"},
            ],
        }
    )

    webhook, slack, pager = send_test_alert(config, alert_registry)

    assert webhook.delivered
    assert json.loads(http_server.received[0].body)["title"] == "RustyBT test alert"
    assert slack.error == (
        "environment variable MISSING_SLACK_URL (Slack incoming webhook URL) is not set"
    )
    assert pager.error.startswith("no alert channel named 'pager'")
    with pytest.raises(ConfigError, match="no alert channel named 'sms' is configured"):
        send_test_alert(config, alert_registry, ["sms"])
