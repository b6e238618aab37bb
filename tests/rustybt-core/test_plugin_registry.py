"""The plugin registry: discovery, isolation of failures, duplicates, lookups and hints."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from types import SimpleNamespace

import pytest
from rustybt import hookimpl
from rustybt.data.source import NoBarsError, SourceCapabilities
from rustybt.errors import ConfigError, PluginError, PluginNotFoundError
from rustybt.install_hint import install_command
from rustybt.plugins import Kind, PluginRegistry


class ToySource:
    """Enough of a data source to pass the registry's check; it never has bars."""

    name = "toy"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",))

    def __init__(self, *, depth: int = 1) -> None:
        self.depth = depth

    def fetch_bars(self, symbols, start, end, frequency):
        raise NoBarsError("toy: no bars")

    def latest_bars(self, symbols, frequency):
        raise NoBarsError("toy: no bars")


def data_source_plugin(*names: str) -> object:
    """A plugin object registering a ToySource under each of ``names``."""

    class Plugin:
        @staticmethod
        @hookimpl
        def rustybt_register_data_sources(register):
            for name in names:
                register(name, ToySource)

    return Plugin()


def test_core_builtins_register_through_entry_points(plugin_registry: PluginRegistry) -> None:
    by_name = {info.name: info for info in plugin_registry.plugins}
    assert by_name["sample"].status == "ok"
    assert by_name["sample"].distribution == "rustybt-core"
    assert by_name["sample"].provides == {"data_sources": ("sample",)}
    assert {"files", "sample"} <= set(plugin_registry.names(Kind.DATA_SOURCE))


def test_a_registered_factory_is_built_with_the_options_it_accepts(
    empty_plugin_registry: PluginRegistry,
) -> None:
    empty_plugin_registry.add_plugin("toys", data_source_plugin("toy"))
    source = empty_plugin_registry.create(Kind.DATA_SOURCE, "toy", depth=3, data_dir=None)
    assert (source.name, source.depth) == ("toy", 3)


def test_an_option_the_factory_does_not_take_is_a_config_error_naming_the_flag(
    empty_plugin_registry: PluginRegistry,
) -> None:
    empty_plugin_registry.add_plugin("toys", data_source_plugin("toy"))
    with pytest.raises(ConfigError, match=r"data source 'toy' does not take --data-dir"):
        empty_plugin_registry.create(Kind.DATA_SOURCE, "toy", data_dir="/tmp")


def test_a_plugin_raising_while_registering_is_recorded_and_skipped() -> None:
    registry = PluginRegistry(strict=False)

    class Exploding:
        @staticmethod
        @hookimpl
        def rustybt_register_data_sources(register):
            register("half-done", ToySource)
            raise RuntimeError("database is down")

    registry.add_plugin("good", data_source_plugin("toy"))
    info = registry.add_plugin("exploding", Exploding())
    assert info.status == "error"
    assert info.error == "RuntimeError: database is down"
    assert registry.names(Kind.DATA_SOURCE) == ["toy"]  # nothing of the failed plugin stays


def test_strict_mode_re_raises_the_plugin_error() -> None:
    registry = PluginRegistry(strict=True)

    class Exploding:
        @staticmethod
        @hookimpl
        def rustybt_register_brokers(register):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        registry.add_plugin("exploding", Exploding())


def test_strict_mode_rejects_a_clash_naming_both_plugins() -> None:
    registry = PluginRegistry(strict=True)
    registry.add_plugin("first", data_source_plugin("prices"))
    with pytest.raises(
        PluginError,
        match=r"'prices' is registered by both plugin first and plugin second, so it is disabled",
    ):
        registry.add_plugin("second", data_source_plugin("prices"))
    assert registry.registration(Kind.DATA_SOURCE, "prices").plugin == "first"


def test_a_plugin_registering_one_name_twice_is_an_error() -> None:
    registry = PluginRegistry(strict=False)
    info = registry.add_plugin("stutter", data_source_plugin("prices", "prices"))
    assert info.status == "error"
    assert info.error == "PluginError: data source 'prices' is registered twice by plugin stutter"


def test_an_unknown_hook_name_is_a_plugin_error() -> None:
    registry = PluginRegistry(strict=False)

    class Misspelled:
        @staticmethod
        @hookimpl
        def rustybt_register_data_source(register):  # missing the final "s"
            register("x", ToySource)

    info = registry.add_plugin("misspelled", Misspelled())
    assert info.status == "error"
    assert "rustybt_register_data_source" in info.error
    assert registry.add_plugin("good", data_source_plugin("toy")).status == "ok"


def test_disabled_plugins_are_blocked_and_never_imported() -> None:
    registry = PluginRegistry(strict=True, disabled={"ghost"})
    registry.load_entry_points(
        [EntryPoint(name="ghost", value="no_such_module_anywhere", group="rustybt")]
    )
    [info] = registry.plugins
    assert info.status == "blocked"
    assert "RUSTYBT_DISABLE_PLUGINS" in info.error


def test_an_entry_point_that_fails_to_import_is_recorded() -> None:
    registry = PluginRegistry(strict=False)
    registry.load_entry_points(
        [EntryPoint(name="ghost", value="no_such_module_anywhere", group="rustybt")]
    )
    [info] = registry.plugins
    assert info.status == "error"
    assert "No module named 'no_such_module_anywhere'" in info.error


def test_environment_settings_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUSTYBT_DISABLE_PLUGINS", "files, sample")
    monkeypatch.setenv("RUSTYBT_STRICT_PLUGINS", "0")
    registry = PluginRegistry.from_environment()
    assert not registry.strict
    statuses = {info.name: info.status for info in registry.plugins}
    assert statuses["files"] == statuses["sample"] == "blocked"
    assert not {"files", "sample"} & set(registry.names(Kind.DATA_SOURCE))


def test_unknown_name_lists_what_is_installed_and_what_provides_it(
    plugin_registry: PluginRegistry,
) -> None:
    with pytest.raises(PluginNotFoundError) as caught:
        plugin_registry.registration(Kind.DATA_SOURCE, "binance")
    message = str(caught.value)
    assert message.startswith("no data source named 'binance' (installed: ")
    assert "files" in message and "sample" in message


class Aliases:
    """A plugin that reaches 'lse' through an option of its own source, and names the
    credentials of its broker."""

    @hookimpl
    def rustybt_unknown_name_hint(self, kind: str, name: str) -> str | None:
        return f"{name.upper()} {kind} is available through --source toy --market {name}"

    @hookimpl
    def rustybt_broker_credentials(self, broker: str, options) -> list[str] | None:
        if broker != "toy":
            return None
        return [f"TOY_{options['market'].upper()}_TOKEN"]


def test_plugins_add_hints_for_unknown_names_and_name_broker_credentials(
    empty_plugin_registry: PluginRegistry,
) -> None:
    empty_plugin_registry.add_plugin("aliases", Aliases())
    with pytest.raises(PluginNotFoundError) as caught:
        empty_plugin_registry.registration(Kind.DATA_SOURCE, "lse")
    assert str(caught.value) == (
        "no data source named 'lse' (installed: none); "
        "LSE data source is available through --source toy --market lse"
    )
    assert empty_plugin_registry.broker_credentials("toy", {"market": "lse"}) == ["TOY_LSE_TOKEN"]
    assert empty_plugin_registry.broker_credentials("paper", {}) == []


def test_unknown_broker_names_the_package_that_provides_it(
    empty_plugin_registry: PluginRegistry,
) -> None:
    with pytest.raises(PluginNotFoundError) as raised:
        empty_plugin_registry.registration(Kind.BROKER, "paper")

    assert str(raised.value) == (
        "no broker named 'paper' (installed: none); "
        f"install it with: {install_command('rustybt-paper')}"
    )


def test_commands_added_by_plugins_are_reported() -> None:
    registry = PluginRegistry(strict=False)
    app = SimpleNamespace(commands=set())

    class AddsCommand:
        @staticmethod
        @hookimpl
        def rustybt_register_commands(app):
            app.commands.add("hello")

    class BreaksCommands:
        @staticmethod
        @hookimpl
        def rustybt_register_commands(app):
            raise ValueError("bad command")

    registry.add_plugin("adds", AddsCommand())
    registry.add_plugin("breaks", BreaksCommands())
    registry.register_commands(app, lambda: set(app.commands))
    infos = {info.name: info for info in registry.plugins}
    assert infos["adds"].provides["commands"] == ("hello",)
    assert infos["breaks"].status == "error"
    assert infos["breaks"].error == "ValueError: bad command"
