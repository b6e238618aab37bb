"""The configuration reference is generated from the trading config's attrs classes."""

from __future__ import annotations

import types

import attrs
import pytest
from rustybt import hookimpl
from rustybt.alerts import webhook
from rustybt.live.config_reference import config_reference
from rustybt.plugins import PluginRegistry


def _channel_plugin(channel: type) -> types.SimpleNamespace:
    @hookimpl
    def rustybt_register_alert_channels(register):
        register("pager", channel)

    return types.SimpleNamespace(rustybt_register_alert_channels=rustybt_register_alert_channels)


def test_keys_show_type_constraint_default_and_meaning(
    empty_plugin_registry: PluginRegistry,
) -> None:
    text = config_reference(empty_plugin_registry)
    assert (
        "| `broker.initial_capital` | decimal > 0 and ≤ 1,000,000,000,000 | `100000` | "
        "starting cash of a simulated account (`paper`) |" in text
    )
    assert (
        "| `broker.commission.cost` | decimal ≥ 0 and ≤ 1,000,000,000,000 | `0.001` per share,"
        in text
    )
    assert "| `data.frequency` | one of `daily`, `minute`, `1d`, `1m` | `daily` |" in text
    assert "| `alerts.channels[].type` | text | required |" in text
    assert "\n### broker.commission\n" in text and "\n### alerts.channels[]\n" in text


def test_each_registered_alert_channel_lists_its_settings(
    empty_plugin_registry: PluginRegistry,
) -> None:
    empty_plugin_registry.add_plugin("webhook", webhook)
    text = config_reference(empty_plugin_registry)
    assert "\n### webhook\n" in text
    assert (
        "| `alerts.channels[].url` | text | required | where the alert is POSTed as JSON |" in text
    )
    assert "_secret" not in text


def test_a_setting_without_a_meaning_is_refused(empty_plugin_registry: PluginRegistry) -> None:
    @attrs.define(kw_only=True)
    class Pager:
        number: str

    empty_plugin_registry.add_plugin("pager", _channel_plugin(Pager))
    with pytest.raises(ValueError, match="'number' has no metadata 'doc'"):
        config_reference(empty_plugin_registry)
