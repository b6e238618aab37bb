"""Who gets a name: built-ins keep theirs, two other plugins clashing both lose it, and the
outcome is the same in any load order; `rustybt plugins` rows and lookups say why."""

from __future__ import annotations

import itertools

import pytest
from rustybt import hookimpl
from rustybt.data.source import NoBarsError, SourceCapabilities
from rustybt.errors import PluginError, PluginNotFoundError
from rustybt.plugins import BUILTIN_DISTRIBUTIONS, Kind, PluginRegistry, is_builtin


class ToySource:
    """Enough of a data source to pass the registry's check, labelled by its plugin."""

    name = "toy"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",))

    def __init__(self, label: str) -> None:
        self.label = label

    def fetch_bars(self, symbols, start, end, frequency):
        raise NoBarsError("toy: no bars")

    def latest_bars(self, symbols, frequency):
        raise NoBarsError("toy: no bars")


def source_plugin(*names: str, label: str) -> object:
    """A plugin registering a ToySource labelled ``label`` under each of ``names``."""

    class Plugin:
        @staticmethod
        @hookimpl
        def rustybt_register_data_sources(register):
            for name in names:
                register(name, lambda label=label: ToySource(label))

    return Plugin()


BUILTIN = ("sample", "rustybt-core", source_plugin("sample", label="built-in"))
EVIL = ("evil", "evil-sample", source_plugin("sample", "evil", label="evil"))


def rows(registry: PluginRegistry) -> dict[tuple[str, str | None], object]:
    return {(info.name, info.distribution): info for info in registry.plugins}


def test_the_built_in_packages_are_exactly_ours() -> None:
    assert {
        "rustybt-core",
        "rustybt-cli",
        "rustybt-yfinance",
        "rustybt-ccxt",
        "rustybt-paper",
        "rustybt-ray",
    } == BUILTIN_DISTRIBUTIONS
    assert is_builtin("rustybt_core") and is_builtin("RustyBT-Paper")
    assert not is_builtin("rustybt-evil") and not is_builtin(None)


@pytest.mark.parametrize("order", [(BUILTIN, EVIL), (EVIL, BUILTIN)], ids=["after", "before"])
def test_a_built_in_name_cannot_be_shadowed_in_any_load_order(order) -> None:
    registry = PluginRegistry(strict=False)
    for name, distribution, plugin in order:
        registry.add_plugin(name, plugin, distribution=distribution)

    assert registry.data_source("sample").label == "built-in"
    assert registry.data_source("evil").label == "evil"  # its other names still work
    infos = rows(registry)
    assert infos[("sample", "rustybt-core")].status == "ok"
    evil = infos[("evil", "evil-sample")]
    assert evil.status == "conflict"
    assert evil.provides == {"data_sources": ("evil",)}
    assert evil.conflicts == (
        "data source 'sample' of plugin evil (package evil-sample) is refused: the built-in "
        "plugin sample (package rustybt-core) provides it and cannot be shadowed; "
        "register it under another name",
    )
    assert evil.to_dict()["conflicts"] == list(evil.conflicts)
    assert evil.to_dict()["builtin"] is False


def test_strict_mode_raises_the_refusal() -> None:
    registry = PluginRegistry(strict=True)
    registry.add_plugin("sample", BUILTIN[2], distribution="rustybt-core")
    with pytest.raises(PluginError, match=r"refused: the built-in plugin sample"):
        registry.add_plugin("evil", EVIL[2], distribution="evil-sample")
    assert registry.data_source("sample").label == "built-in"
    assert registry.names(Kind.DATA_SOURCE) == ["sample"]


def test_a_clash_between_two_other_plugins_disables_the_name_for_both() -> None:
    for order in itertools.permutations(["one", "two"]):
        registry = PluginRegistry(strict=False)
        for name in order:
            registry.add_plugin(
                name, source_plugin("prices", name, label=name), distribution=f"prices-{name}"
            )
        first, second = (f"plugin {name} (package prices-{name})" for name in order)
        why = (
            f"data source 'prices' is registered by both {first} and {second}, so it is "
            "disabled; uninstall one, or block one with RUSTYBT_DISABLE_PLUGINS"
        )

        assert registry.names(Kind.DATA_SOURCE) == ["one", "two"]
        with pytest.raises(PluginNotFoundError) as asked:
            registry.data_source("prices")
        assert str(asked.value) == why
        for name in order:
            info = rows(registry)[(name, f"prices-{name}")]
            assert (info.status, info.conflicts) == ("conflict", (why,))
            assert info.provides == {"data_sources": (name,)}


def test_two_plugins_with_one_entry_point_name_are_both_listed() -> None:
    registry = PluginRegistry(strict=False)
    registry.add_plugin("sample", BUILTIN[2], distribution="rustybt-core", version="1.0")
    registry.add_plugin("sample", source_plugin("sample", label="x"), distribution="evil-sample")
    listed = [(info.name, info.distribution, info.status) for info in registry.plugins]
    assert listed == [
        ("sample", "evil-sample", "conflict"),
        ("sample", "rustybt-core", "ok"),
    ]


def test_the_same_plugin_added_twice_keeps_the_first_row() -> None:
    registry = PluginRegistry(strict=False)
    registry.add_plugin("toys", source_plugin("toy", label="first"))
    again = registry.add_plugin("toys", source_plugin("other", label="second"))
    assert again.error == "PluginError: plugin toys is added twice; give each plugin its own name"
    assert [info.status for info in registry.plugins] == ["ok"]
    assert registry.names(Kind.DATA_SOURCE) == ["toy"]


class BrokenImport:
    @staticmethod
    @hookimpl
    def rustybt_register_data_sources(register):
        raise ImportError("No module named 'mycsv_engine'")


def test_an_unknown_name_names_the_plugins_that_failed_to_load_or_are_blocked() -> None:
    registry = PluginRegistry(strict=False, disabled={"quiet"})
    registry.add_plugin("sample", BUILTIN[2], distribution="rustybt-core")
    registry.add_plugin("mycsv", BrokenImport(), distribution="mycsv-rustybt")
    registry.add_plugin("quiet", source_plugin("quiet", label="q"), distribution="quiet-rustybt")

    with pytest.raises(PluginNotFoundError) as asked:
        registry.data_source("mycsv")
    assert str(asked.value) == (
        "no data source named 'mycsv' (installed: sample); plugin mycsv (package "
        "mycsv-rustybt) failed to load: ImportError: No module named 'mycsv_engine'; "
        "plugin quiet (package quiet-rustybt) is blocked by RUSTYBT_DISABLE_PLUGINS; "
        "one of them may provide it"
    )


def test_a_blocked_built_in_is_named_when_its_own_name_is_asked_for() -> None:
    registry = PluginRegistry(strict=False, disabled={"sample"})
    registry.add_plugin("sample", BUILTIN[2], distribution="rustybt-core")
    registry.add_plugin("files", source_plugin("files", label="f"), distribution="rustybt-core")
    with pytest.raises(PluginNotFoundError) as asked:
        registry.broker("sample")
    assert str(asked.value) == (
        "no broker named 'sample' (installed: none); plugin sample (package rustybt-core) "
        "is blocked by RUSTYBT_DISABLE_PLUGINS; it may provide it"
    )
    with pytest.raises(PluginNotFoundError, match=r"\(installed: files\)$"):
        registry.data_source("elsewhere")  # a blocked built-in of another name is not suspect


def test_an_isolated_registry_holds_the_built_ins_and_the_plugin_under_test() -> None:
    registry = PluginRegistry.isolated(source_plugin("evil", label="evil"))
    others = [info for info in registry.plugins if not info.builtin]
    assert [(info.name, info.distribution, info.status) for info in others] == [
        ("Plugin", None, "ok")
    ]
    assert {"sample", "files", "evil"} <= set(registry.names(Kind.DATA_SOURCE))
    with pytest.raises(PluginError, match="refused"):
        PluginRegistry.isolated(source_plugin("files", label="mine"))


def test_an_isolated_registry_of_an_uninstalled_entry_point_says_what_is_installed() -> None:
    with pytest.raises(PluginNotFoundError, match=r"no installed plugin named nowhere \("):
        PluginRegistry.isolated("nowhere")
