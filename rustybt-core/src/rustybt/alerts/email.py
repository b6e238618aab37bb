"""The ``email`` alert channel: a plain-text mail through an SMTP server (stdlib smtplib).

``security`` is ``starttls`` (port 587, upgrade after connecting), ``ssl`` (port 465, TLS
from the start) or ``none`` (a local relay only). The login, when ``username`` is given,
uses the password in the environment variable named by ``password_env``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs

from rustybt.alerts.alert import Alert, AlertDeliveryError
from rustybt.alerts.env_secrets import secret_from_env
from rustybt.alerts.settings import declare_settings
from rustybt.errors import ConfigError
from rustybt.hookspecs import Register, hookimpl

if TYPE_CHECKING:  # imported when a mail is sent: every rustybt invocation loads this plugin
    from email.message import EmailMessage

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}


def _recipients(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@declare_settings
@attrs.define(kw_only=True)
class EmailChannel:
    """Mails the alert from ``sender`` to ``recipients`` through ``host``.

    ``ca_file`` adds a certificate authority to trust (a company's own, or a test's);
    ``timeout`` is in seconds.
    """

    host: str = attrs.field(metadata={"doc": "the SMTP server"})
    sender: str = attrs.field(metadata={"doc": "the From address"})
    recipients: tuple[str, ...] = attrs.field(
        converter=_recipients, metadata={"doc": "one address or a list of them"}
    )
    port: int | None = attrs.field(
        default=None,
        metadata={"doc": "the server's port", "default": "587 (starttls), 465 (ssl), 25 (none)"},
    )
    security: Security = attrs.field(
        default="starttls",
        metadata={"doc": "`starttls` (upgrade after connecting), `ssl` or `none` (local relay)"},
    )
    username: str | None = attrs.field(
        default=None, metadata={"doc": "login name", "default": "no login"}
    )
    password_env: str | None = attrs.field(
        default=None,
        metadata={
            "doc": "environment variable holding the login's password (with `username`)",
            "secret": True,
        },
    )
    ca_file: str | None = attrs.field(
        default=None, metadata={"doc": "an extra certificate authority to trust (PEM file)"}
    )
    timeout: float = attrs.field(default=10.0, metadata={"doc": "seconds to wait for the server"})
    _password: str | None = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.security not in DEFAULT_PORTS:
            raise ConfigError(
                f"email security must be starttls, ssl or none, got {self.security!r}"
            )
        if not self.recipients:
            raise ConfigError("email alerts need at least one recipient")
        if self.username and not self.password_env:
            raise ConfigError("email username is set but password_env is not")
        self._password = (
            secret_from_env(self.password_env, "SMTP password") if self.password_env else None
        )

    def message(self, alert: Alert) -> EmailMessage:
        """The mail sent for ``alert``."""
        from email.message import EmailMessage

        message = EmailMessage()
        message["Subject"] = f"[RustyBT {alert.severity.upper()}] {alert.title}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["X-RustyBT-Dedupe-Key"] = alert.dedupe_key
        message.set_content(alert.body)
        return message

    def send(self, alert: Alert) -> None:
        """Mail the alert once; SMTP and network errors become AlertDeliveryError."""
        import smtplib
        import ssl

        context = ssl.create_default_context(cafile=self.ca_file)
        port = self.port or DEFAULT_PORTS[self.security]
        try:
            client: smtplib.SMTP
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(self.host, port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.username and self._password:
                    client.login(self.username, self._password)
                client.send_message(self.message(alert))
        except smtplib.SMTPAuthenticationError as exc:
            raise AlertDeliveryError(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPException as exc:
            raise AlertDeliveryError(f"SMTP error: {exc}") from None
        except OSError as exc:  # includes ssl.SSLError and timeouts
            raise AlertDeliveryError(
                f"cannot reach SMTP server {self.host}:{port}: {exc.strerror or exc}"
            ) from None


@hookimpl
def rustybt_register_alert_channels(register: Register) -> None:
    """Register the ``email`` channel."""
    register("email", EmailChannel)
