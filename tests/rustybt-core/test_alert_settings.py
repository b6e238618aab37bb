"""Each alert channel's settings schema, and `verify-config` checking channels against it."""

from __future__ import annotations

import types
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from rustybt import hookimpl
from rustybt.alerts import ChannelSettings, Setting
from rustybt.alerts.config import ChannelConfig
from rustybt.alerts.dispatch import create_channel
from rustybt.alerts.settings import check_settings, registered_settings
from rustybt.errors import ConfigError
from rustybt.live.config_check import verify_trading_config
from rustybt.plugins import ENTRY_POINT_GROUP, PluginRegistry


class Chat:
    """A third-party channel that declares no schema: its keyword parameters are one."""

    def __init__(self, *, token: str, room: str, port: int = 443) -> None:
        self.room = room

    def send(self, alert: Any) -> None:
        """Deliver nothing: these tests only build it."""


class Pager:
    """A third-party channel with a declared schema and a factory taking ``**settings``."""

    settings_schema = ChannelSettings(
        (
            Setting(name="number", types=(str,), required=True, doc="who is paged"),
            Setting(name="key_env", types=(str,), secret=True, doc="the API key's variable"),
        )
    )

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def send(self, alert: Any) -> None:
        """Deliver nothing: these tests only build it."""


def _plugin(**channels: Any) -> types.SimpleNamespace:
    @hookimpl
    def rustybt_register_alert_channels(register):
        for name, factory in channels.items():
            register(name, factory)

    return types.SimpleNamespace(rustybt_register_alert_channels=rustybt_register_alert_channels)


@pytest.fixture
def registry(empty_plugin_registry: PluginRegistry) -> PluginRegistry:
    """Core's plugins (its four channels, the sample source) and two third-party channels."""
    core = [
        ep
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if ep.dist is not None and ep.dist.name == "rustybt-core"
    ]
    empty_plugin_registry.load_entry_points(core)
    empty_plugin_registry.add_plugin("chat-rustybt", _plugin(chat=Chat, pager=Pager))
    return empty_plugin_registry


def alert_problems(registry: PluginRegistry, tmp_path: Path, channels: str) -> list[str]:
    """The problems `verify-config` finds in an ``alerts`` section listing ``channels``
    (the lines of a YAML list, indented four spaces); line 4 is the first item."""
    config = tmp_path / "live.yaml"
    config.write_text("data: {source: sample}\nalerts:\n  channels:\n" + channels)
    report = verify_trading_config(config, registry)
    return [str(problem) for problem in report.problems if problem.key_path.startswith("alerts")]


# -- the schemas -----------------------------------------------------------------------------


def test_the_built_in_channels_declare_their_settings(registry: PluginRegistry) -> None:
    webhook = registered_settings(registry, "webhook")
    assert webhook.names == ["secret_env", "timeout", "url"]
    url, secret = webhook.get("url"), webhook.get("secret_env")
    assert url is not None and url.required and url.types == (str,) and not url.secret
    assert secret is not None and secret.secret and not secret.required
    recipients = registered_settings(registry, "email").get("recipients")
    assert recipients is not None and recipients.types == (str, list)
    chat_id = registered_settings(registry, "telegram").get("chat_id")
    assert chat_id is not None and chat_id.type_label == "text or a whole number"
    assert [s.name for s in registered_settings(registry, "slack").settings if s.secret] == [
        "url_env"
    ]


def test_a_channel_declaring_no_schema_is_described_by_its_keyword_parameters(
    registry: PluginRegistry,
) -> None:
    schema = registered_settings(registry, "chat")
    assert schema.names == ["port", "room", "token"] and not schema.open
    assert [s.name for s in schema.settings if s.required] == ["token", "room"]
    port = schema.get("port")
    assert port is not None and port.types == (int,)


def test_a_declared_schema_wins_over_the_factorys_parameters(registry: PluginRegistry) -> None:
    assert registered_settings(registry, "pager").names == ["key_env", "number"]


def test_a_factory_taking_any_keyword_has_an_open_schema() -> None:
    def relay(*, host: str, **extra: Any) -> object:
        return object()

    schema = ChannelSettings.from_parameters(relay)
    assert schema.open
    assert check_settings("relay", schema, {"host": "h", "colour": "red"}) == []


def test_a_schema_that_is_not_channel_settings_is_the_plugins_error(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    class Broken(Pager):
        settings_schema = ("number", str)  # type: ignore[assignment]

    registry.add_plugin("broken-rustybt", _plugin(broken=Broken))
    assert alert_problems(registry, tmp_path, "    - {type: broken, number: '1'}\n") == [
        "alerts.channels[0].type: alert channel 'broken' declares a settings_schema of type "
        "tuple; it must be a rustybt.alerts.ChannelSettings (line 4)"
    ]


def test_a_whole_number_is_a_number_but_true_is_not() -> None:
    timeout = Setting(name="timeout", types=(float,))
    assert timeout.accepts(5) and timeout.accepts(2.5)
    assert not timeout.accepts(True) and not timeout.accepts("5")


# -- verify-config ---------------------------------------------------------------------------


def test_a_misspelt_key_is_reported_at_its_own_line_with_the_closest_setting(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    problems = alert_problems(
        registry,
        tmp_path,
        "    - type: webhook\n      url: https://ops.example.com/rustybt\n"
        "      urll: https://ops.example.com/rustybt\n",
    )
    assert problems == [
        "alerts.channels[0].urll: unknown setting of alert channel 'webhook'; "
        "did you mean 'url'? allowed: secret_env, timeout, url (line 6)"
    ]


def test_a_third_party_channel_is_checked_against_its_keyword_parameters(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    problems = alert_problems(
        registry,
        tmp_path,
        "    - {type: chat, name: a, token: t0,\n       rooom: ops}\n"
        "    - {type: chat, name: b, token: t1, room: ops,\n       port: https}\n"
        "    - {type: chat, name: c, token: t2, room: ops, port: 8443}\n",
    )
    assert problems == [
        "alerts.channels[0].rooom: unknown setting of alert channel 'chat'; "
        "did you mean 'room'? allowed: port, room, token (line 5)",
        "alerts.channels[0]: alert channel 'chat' needs room (line 4)",
        "alerts.channels[1].port: expected a whole number for alert channel 'chat', "
        "got text (line 7)",
    ]


def test_a_declared_secret_must_be_set_in_the_environment(
    registry: PluginRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAGER_TEST_KEY", raising=False)
    channels = "    - type: pager\n      number: '+100'\n      key_env: PAGER_TEST_KEY\n"
    assert alert_problems(registry, tmp_path, channels) == [
        "alerts.channels[0].key_env: environment variable PAGER_TEST_KEY is not set (line 6)"
    ]
    monkeypatch.setenv("PAGER_TEST_KEY", "k")
    assert alert_problems(registry, tmp_path, channels) == []


def test_every_bad_item_is_reported_at_its_own_line(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    problems = alert_problems(
        registry,
        tmp_path,
        "    - type: webhook\n      url: https://ops.example.com/rustybt\n"
        "    - just text\n"
        "    - name: nameless\n"
        "    - type: sms\n",
    )
    shown = [problem.split(" (installed: ")[0] for problem in problems]
    assert shown == [
        "alerts.channels[1]: must be a mapping with a 'type' (line 6)",
        "alerts.channels[3].type: no alert channel named 'sms'",
        "alerts.channels[2].type: is missing (webhook, slack, email, telegram, ...) (line 7)",
    ]


def test_a_named_channel_is_checked_without_passing_its_name_on(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    channels = "    - type: chat\n      name: ops-chat\n      token: t\n      room: ops\n"
    assert alert_problems(registry, tmp_path, channels) == []


# -- building a channel ----------------------------------------------------------------------


def test_building_a_channel_refuses_a_misspelt_key_the_same_way(registry: PluginRegistry) -> None:
    config = ChannelConfig(name="ops", type="chat", settings={"token": "t", "rom": "ops"})
    with pytest.raises(ConfigError, match=r"^rom: unknown setting of alert channel 'chat'; did"):
        create_channel(registry, config)
    built = create_channel(
        registry, ChannelConfig(name="ops", type="chat", settings={"token": "t", "room": "x"})
    )
    assert isinstance(built, Chat) and built.room == "x"
