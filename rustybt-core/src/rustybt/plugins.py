"""The plugin registry: discovers plugins, isolates their failures, and looks up what they provide.

Plugins are modules named by entry points in the ``rustybt`` group; core's own built-ins
(the ``sample`` and ``files`` data sources, ...) are entry points of ``rustybt-core`` and load
through exactly the same path. Each plugin is imported and registered on its own: one that
fails to import, or raises while registering, is recorded with its error and skipped, and
every other plugin keeps working. Two settings change that, read from the environment:

``RUSTYBT_STRICT_PLUGINS=1``
    re-raise a plugin's error instead of recording it (the test suite runs this way).
``RUSTYBT_DISABLE_PLUGINS=a,b``
    never import the plugins named ``a`` and ``b``; they are listed with status ``blocked``.

Names are settled the same whatever order plugins load in. A built-in plugin (one shipped in
a package of :data:`BUILTIN_DISTRIBUTIONS`) keeps its names: another plugin registering one
is refused that name. Two other plugins registering one name both lose it, and asking for it
says why. Either way the losing plugins keep their other names and are listed with status
``conflict`` and one line per name they lost.

Core code never calls pluggy hooks directly: it asks :class:`PluginRegistry`.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from importlib import import_module, metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pluggy

from rustybt import hookspecs
from rustybt.errors import ConfigError, PluginError, PluginNotFoundError
from rustybt.install_hint import install_command

if TYPE_CHECKING:  # the registry stays light: every rustybt invocation imports it
    from rustybt.alerts.alert import AlertChannel
    from rustybt.benchmarks.measurement import Benchmark
    from rustybt.broker import AsyncBroker, Broker
    from rustybt.data.source import DataSource
    from rustybt.sweep.executor import Executor

ENTRY_POINT_GROUP = "rustybt"
STRICT_ENV = "RUSTYBT_STRICT_PLUGINS"
DISABLE_ENV = "RUSTYBT_DISABLE_PLUGINS"

PluginStatus = Literal["ok", "conflict", "error", "blocked"]

BUILTIN_DISTRIBUTIONS = frozenset(
    {
        "rustybt-core",
        "rustybt-cli",
        "rustybt-yfinance",
        "rustybt-ccxt",
        "rustybt-paper",
        "rustybt-ray",
    }
)
"""The packages whose plugins are built-in: their names cannot be taken by another plugin."""


def is_builtin(distribution: str | None) -> bool:
    """Whether a plugin of ``distribution`` is built-in (its names cannot be shadowed)."""
    if distribution is None:
        return False
    return re.sub(r"[-_.]+", "-", distribution).lower() in BUILTIN_DISTRIBUTIONS


def describe_plugin(plugin: str, distribution: str | None) -> str:
    """``plugin X (package Y)``, how every message names a plugin."""
    return f"plugin {plugin} (package {distribution})" if distribution else f"plugin {plugin}"


class Kind(Enum):
    """A kind of thing plugins provide, with the hook that registers it."""

    DATA_SOURCE = ("data source", "rustybt_register_data_sources")
    BROKER = ("broker", "rustybt_register_brokers")
    BENCHMARK = ("benchmark", "rustybt_register_benchmarks")
    ALERT_CHANNEL = ("alert channel", "rustybt_register_alert_channels")
    EXECUTOR = ("executor", "rustybt_register_executors")

    def __init__(self, label: str, hook_name: str) -> None:
        self.label = label
        self.hook_name = hook_name

    @property
    def key(self) -> str:
        """The plural name used in ``rustybt plugins --json`` (``data_sources``, ...)."""
        return self.name.lower() + "s"


@attrs.frozen(kw_only=True)
class PluginInfo:
    """What ``rustybt plugins`` reports about one plugin.

    ``name`` is the entry point's name; two distributions may both use one, so a row is
    identified by ``(name, distribution)``. ``provides`` holds the names the plugin really
    provides; ``conflicts`` says, one line each, why it lost the others (status
    ``conflict``).
    """

    name: str
    distribution: str | None
    version: str | None
    status: PluginStatus
    provides: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    error: str | None = None
    conflicts: tuple[str, ...] = ()

    @property
    def builtin(self) -> bool:
        """Whether this plugin ships in one of RustyBT's own packages."""
        return is_builtin(self.distribution)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with lists instead of tuples."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "status": self.status,
            "provides": {key: list(names) for key, names in self.provides.items()},
            "error": self.error,
            "conflicts": list(self.conflicts),
        }


@attrs.frozen(init=False)
class LazyFactory:
    """A factory named by import path (``"package.module:Class"``), imported only when
    something is built from it, so a plugin's hooks module stays cheap to load.

    Keyword arguments given here are fixed: ``LazyFactory("m:Source", adjusted=False)``.
    """

    target: str
    fixed: dict[str, Any]

    def __init__(self, target: str, **fixed: Any) -> None:
        self.__attrs_init__(target, fixed)

    def resolve(self) -> Callable[..., Any]:
        """Import the target and return it (with the fixed keywords applied)."""
        module_name, _, qualname = self.target.partition(":")
        factory: Any = import_module(module_name)
        for part in qualname.split("."):
            factory = getattr(factory, part)
        return functools.partial(factory, **self.fixed) if self.fixed else factory

    def __call__(self, **options: Any) -> Any:
        return self.resolve()(**options)


@attrs.frozen(kw_only=True)
class Registration:
    """One named thing a plugin registered."""

    kind: Kind
    name: str
    factory: Callable[..., Any]
    plugin: str
    distribution: str | None = None

    @property
    def builtin(self) -> bool:
        """Whether a built-in plugin registered it (so no other plugin can take the name)."""
        return is_builtin(self.distribution)

    @property
    def owner(self) -> str:
        """``plugin X (package Y)``."""
        return describe_plugin(self.plugin, self.distribution)


PluginKey = tuple[str, str | None]
"""A plugin's identity: its entry point's name and its distribution."""


def _names(claimants: list[Registration]) -> str:
    owners = [claimant.owner for claimant in claimants]
    listed = ", ".join(owners[:-1]) + " and " + owners[-1]
    return "both " + listed if len(owners) == 2 else listed


def _clash(kind: Kind, name: str, claimants: list[Registration]) -> str:
    return (
        f"{kind.label} '{name}' is registered by {_names(claimants)}, so it is disabled; "
        f"uninstall one, or block one with {DISABLE_ENV}"
    )


def _refusal(registration: Registration, builtin: Registration) -> str:
    return (
        f"{registration.kind.label} '{registration.name}' of {registration.owner} is refused: "
        f"the built-in {builtin.owner} provides it and cannot be shadowed; "
        "register it under another name"
    )


# Packages that provide well-known names, so an unknown-name error can say what to install.
_PROVIDING_PACKAGE: Mapping[Kind, Mapping[str, str]] = {
    Kind.DATA_SOURCE: {"yfinance": "rustybt-yfinance", "ccxt": "rustybt-ccxt"},
    Kind.BROKER: {"paper": "rustybt-paper", "ccxt": "rustybt-ccxt"},
    Kind.EXECUTOR: {"ray": "rustybt-ray"},
}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> frozenset[str]:
    return frozenset(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _load_order(entry_point: metadata.EntryPoint) -> tuple[bool, str, str]:
    # Built-ins first: the outcome does not depend on it, but in strict mode the error is
    # then raised by the plugin that lost the name, not by the built-in that keeps it.
    distribution = entry_point.dist.name if entry_point.dist else ""
    return (not is_builtin(distribution), entry_point.name, distribution)


class PluginRegistry:
    """Every plugin RustyBT found, and everything they registered, by kind and name."""

    def __init__(self, *, strict: bool = False, disabled: Iterable[str] = ()) -> None:
        self.strict = strict
        self.disabled = frozenset(disabled)
        self._manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._manager.add_hookspecs(hookspecs)
        self._plugins: dict[PluginKey, PluginInfo] = {}
        self._modules: dict[PluginKey, object] = {}
        # Every registration of each name, in load order; who gets the name is decided on
        # each lookup (see _winner), so it never depends on that order.
        self._claims: dict[Kind, dict[str, list[Registration]]] = {kind: {} for kind in Kind}

    @classmethod
    def from_environment(cls) -> PluginRegistry:
        """A registry holding every installed plugin, honouring the environment settings."""
        registry = cls(strict=_env_flag(STRICT_ENV), disabled=_env_list(DISABLE_ENV))
        registry.load_entry_points()
        return registry

    @classmethod
    def isolated(cls, *plugins: str | object, strict: bool = True) -> PluginRegistry:
        """A registry holding only the built-in plugins plus ``plugins``, so a plugin can be
        tested without any other installed plugin in the way.

        Each of ``plugins`` is either the name of an entry point in the ``rustybt`` group
        (every installed entry point of that name is loaded) or an already-imported plugin
        object (a module, or any object with hookimpls), registered under its ``__name__``
        or its class's name. The environment settings are ignored. A built-in that fails to
        load is recorded, never raised; with ``strict`` (the default) a failure of one of
        ``plugins``, a name it loses included, raises. An entry-point name that is not
        installed is a :class:`PluginNotFoundError`.
        """
        installed = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        wanted = {plugin for plugin in plugins if isinstance(plugin, str)}
        unknown = sorted(wanted - {entry_point.name for entry_point in installed})
        if unknown:
            raise PluginNotFoundError(
                f"no installed plugin named {', '.join(unknown)} (installed: "
                f"{', '.join(sorted({ep.name for ep in installed})) or 'none'})"
            )
        registry = cls(strict=False)
        registry.load_entry_points(
            ep for ep in installed if ep.dist is not None and is_builtin(ep.dist.name)
        )
        registry.strict = strict
        registry.load_entry_points(
            ep
            for ep in installed
            if ep.name in wanted and not (ep.dist is not None and is_builtin(ep.dist.name))
        )
        for plugin in plugins:
            if not isinstance(plugin, str):
                name = getattr(plugin, "__name__", None) or type(plugin).__name__
                registry.add_plugin(name, plugin)
        return registry

    # -- loading -------------------------------------------------------------------------

    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        """Import and register every entry point of the ``rustybt`` group, each in isolation.

        ``entry_points`` defaults to those of the installed distributions.
        """
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        seen: set[tuple[str, str, str | None]] = set()
        for entry_point in sorted(entry_points, key=_load_order):
            dist = entry_point.dist
            identity = (entry_point.name, entry_point.value, dist.name if dist else None)
            if identity in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(identity)
            self._load_one(
                entry_point.name,
                entry_point.load,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
            )

    def add_plugin(
        self,
        name: str,
        plugin: ModuleType | object,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginInfo:
        """Register an already-imported plugin object (a module or any object with hookimpls).

        Used by tests and by applications that embed RustyBT; entry points go through the
        same code. A plugin is built-in only when ``distribution`` is one of
        :data:`BUILTIN_DISTRIBUTIONS`.
        """
        return self._load_one(name, lambda: plugin, distribution=distribution, version=version)

    def _load_one(
        self,
        name: str,
        load: Callable[[], object],
        *,
        distribution: str | None,
        version: str | None,
    ) -> PluginInfo:
        key: PluginKey = (name, distribution)
        info = PluginInfo(name=name, distribution=distribution, version=version, status="ok")
        if name in self.disabled:
            info = attrs.evolve(info, status="blocked", error=f"disabled by {DISABLE_ENV}")
        elif key in self._plugins:
            error = PluginError(
                f"{describe_plugin(name, distribution)} is added twice; give each plugin "
                "its own name"
            )
            return self._failed(info, error)  # the row of the first one stays
        else:
            try:
                module = load()
                info = attrs.evolve(info, provides=self._register(key, module))
            except Exception as exc:  # a plugin's failure is recorded, never fatal
                info = self._failed(info, exc)
        self._plugins[key] = info
        return self._resolved(info)

    def _failed(self, info: PluginInfo, exc: Exception) -> PluginInfo:
        if self.strict:
            raise exc
        return attrs.evolve(info, status="error", error=_describe(exc))

    def _register(self, key: PluginKey, module: object) -> dict[str, tuple[str, ...]]:
        """Register ``module``'s hooks and claim its names; what it registered, by kind."""
        name, distribution = key
        self._manager.register(module, name=f"{name} ({distribution})" if distribution else name)
        try:
            self._manager.check_pending()
            staged = self._collect_registrations(key, module)
            if self.strict:
                self._raise_on_conflict(staged)
        except Exception:
            self._manager.unregister(module)
            raise
        provides: dict[str, tuple[str, ...]] = {}
        for registration in staged:
            self._claims[registration.kind].setdefault(registration.name, []).append(registration)
            provides.setdefault(registration.kind.key, ())
            provides[registration.kind.key] += (registration.name,)
        if self._implementations("rustybt_register_commands", module):
            provides.setdefault("commands", ())
        self._modules[key] = module
        return provides

    def _implementations(self, hook_name: str, plugin: object) -> list[pluggy.HookImpl]:
        caller = getattr(self._manager.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]

    def _collect_registrations(self, key: PluginKey, module: object) -> list[Registration]:
        plugin_name, distribution = key
        staged: list[Registration] = []
        for kind in Kind:

            def register(name: str, factory: Callable[..., Any], kind: Kind = kind) -> None:
                if not isinstance(name, str) or not name:
                    raise PluginError(f"{kind.label} names must be non-empty strings, got {name!r}")
                if not callable(factory):
                    raise PluginError(f"{kind.label} '{name}' was registered with a non-callable")
                if any(r.kind is kind and r.name == name for r in staged):
                    raise PluginError(
                        f"{kind.label} '{name}' is registered twice by "
                        f"{describe_plugin(plugin_name, distribution)}"
                    )
                staged.append(
                    Registration(
                        kind=kind,
                        name=name,
                        factory=factory,
                        plugin=plugin_name,
                        distribution=distribution,
                    )
                )

            for impl in self._implementations(kind.hook_name, module):
                impl.function(register=register)
        return staged

    def _raise_on_conflict(self, staged: list[Registration]) -> None:
        """Strict mode: a name that ``staged`` would take from, or lose to, another plugin."""
        for registration in staged:
            claimants = [*self._claims[registration.kind].get(registration.name, ()), registration]
            loser = next((c for c in claimants if _winner(claimants) is not c), None)
            if loser is not None:
                raise PluginError(_lost(loser, claimants))

    def register_commands(self, app: Any, command_names: Callable[[], set[str]]) -> None:
        """Let every working plugin add CLI commands to ``app``, each in isolation.

        ``command_names()`` returns the names currently on the app, so the commands each
        plugin added can be reported. A plugin that raises is marked ``error``.
        """
        for key, info in list(self._plugins.items()):
            if info.status != "ok":
                continue
            impls = self._implementations("rustybt_register_commands", self._modules[key])
            if not impls:
                continue
            before = command_names()
            try:
                for impl in impls:
                    impl.function(app=app)
            except Exception as exc:
                self._plugins[key] = self._failed(info, exc)
                continue
            added = tuple(sorted(command_names() - before))
            self._plugins[key] = attrs.evolve(info, provides={**info.provides, "commands": added})

    # -- lookup --------------------------------------------------------------------------

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin found, in name order then package order, whatever its status; two
        plugins with one entry-point name are both listed."""
        keys = sorted(self._plugins, key=lambda key: (key[0], key[1] or ""))
        return [self._resolved(self._plugins[key]) for key in keys]

    def _resolved(self, info: PluginInfo) -> PluginInfo:
        """``info`` with the names its plugin lost left out of ``provides`` and explained in
        ``conflicts`` (status ``conflict`` when there are any)."""
        if info.status != "ok":
            return info
        key = (info.name, info.distribution)
        provides = dict(info.provides)
        conflicts: list[str] = []
        for kind in Kind:
            for name, claimants in self._claims[kind].items():
                mine = [c for c in claimants if (c.plugin, c.distribution) == key]
                if mine and _winner(claimants) is not mine[0]:
                    conflicts.append(_lost(mine[0], claimants))
                    kept = tuple(n for n in provides.get(kind.key, ()) if n != name)
                    provides[kind.key] = kept
        if not conflicts:
            return info
        provides = {k: names for k, names in provides.items() if names or k == "commands"}
        return attrs.evolve(info, status="conflict", provides=provides, conflicts=tuple(conflicts))

    def names(self, kind: Kind) -> list[str]:
        """The usable names of one kind, sorted (a name disabled by a clash is left out)."""
        return sorted(name for name, claimants in self._claims[kind].items() if _winner(claimants))

    def registration(self, kind: Kind, name: str) -> Registration:
        """The registration of ``name``, or :class:`PluginNotFoundError` saying why there is
        none: what exists, what to install, which plugins failed to load or are blocked, or
        which plugins' clash disabled the name."""
        claimants = self._claims[kind].get(name)
        if claimants:
            winner = _winner(claimants)
            if winner is not None:
                return winner
            raise PluginNotFoundError(_clash(kind, name, claimants))
        raise PluginNotFoundError(self._not_found_message(kind, name))

    def data_source(self, name: str, *, lenient: bool = False, **options: Any) -> DataSource:
        """The data source registered as ``name``, built with ``options`` (see
        :meth:`create`)."""
        return self.create(Kind.DATA_SOURCE, name, lenient=lenient, **options)

    def broker(self, name: str, *, lenient: bool = False, **options: Any) -> Broker | AsyncBroker:
        """The broker registered as ``name``, built with ``options`` (see :meth:`create`);
        :func:`rustybt.broker.as_sync_broker` gives a :class:`~rustybt.broker.Broker` of
        either kind."""
        return self.create(Kind.BROKER, name, lenient=lenient, **options)

    def benchmark(self, name: str, *, scale: float = 1.0) -> Benchmark:
        """The benchmark registered as ``name``, its workload scaled by ``scale``."""
        return self.create(Kind.BENCHMARK, name, scale=scale)

    def alert_channel(self, name: str, **settings: Any) -> AlertChannel:
        """The alert channel registered as ``name``, configured with ``settings``."""
        return self.create(Kind.ALERT_CHANNEL, name, **settings)

    def executor(self, name: str, **options: Any) -> Executor:
        """The sweep executor registered as ``name``, built with ``options`` (see
        :meth:`create`)."""
        return self.create(Kind.EXECUTOR, name, **options)

    def create(self, kind: Kind, name: str, *, lenient: bool = False, **options: Any) -> Any:
        """Build the ``name`` of ``kind`` from its factory, passing the options it accepts.

        Options whose value is ``None`` count as not given. An option the factory does not
        accept is a :class:`ConfigError` naming it, or, with ``lenient`` (options from a
        config file that apply only to some plugins), left out. What the factory returns is
        checked against its kind's protocol (:func:`rustybt.plugin_checks.check_product`): a
        wrong object is a :class:`PluginError` naming the plugin and its package, and a
        third-party data source or broker comes back wrapped so its answers are checked too.
        """
        registration = self.registration(kind, name)
        factory = registration.factory
        if isinstance(factory, LazyFactory):
            factory = factory.resolve()
        given = {key: value for key, value in options.items() if value is not None}
        accepted = _keyword_parameters(factory)
        if accepted is not None:
            unknown = sorted(set(given) - accepted)
            if lenient:
                given = {key: value for key, value in given.items() if key in accepted}
            elif unknown:
                flags = ", ".join("--" + key.replace("_", "-") for key in unknown)
                raise ConfigError(f"{kind.label} '{name}' does not take {flags}")
        missing = sorted(_required_keywords(factory) - set(given))
        if missing:
            raise ConfigError(f"{kind.label} '{name}' needs {', '.join(missing)}")
        from rustybt.plugin_checks import check_product  # imports the protocols: only now

        return check_product(
            kind,
            name,
            factory(**given),
            plugin=registration.plugin,
            distribution=registration.distribution,
        )

    def _not_found_message(self, kind: Kind, name: str) -> str:
        installed = ", ".join(self.names(kind)) or "none"
        message = f"no {kind.label} named '{name}' (installed: {installed})"
        package = _PROVIDING_PACKAGE.get(kind, {}).get(name.lower())
        if package:
            hints = [self._first_party_hint(name.lower(), package)]
        else:
            hints = [hint for hint in (self._plugin_hint(kind, name), self._unloaded(name)) if hint]
        return "; ".join([message, *hints])

    def _first_party_hint(self, plugin: str, package: str) -> str:
        for info in self._plugins.values():
            if info.name == plugin and info.builtin and info.status in ("error", "blocked"):
                return f"plugin '{plugin}' is installed but {info.status}: {info.error}"
        return f"install it with: {install_command(package)}"

    def _plugin_hint(self, kind: Kind, name: str) -> str | None:
        for impl in self._manager.hook.rustybt_unknown_name_hint.get_hookimpls():
            try:
                hint = impl.function(kind=kind.label, name=name)
            except Exception:  # a plugin's broken hint must not hide the error itself
                continue
            if hint:
                return str(hint)
        return None

    def _unloaded(self, name: str) -> str | None:
        """The plugins that might have provided ``name`` but failed to load or are blocked:
        every such third-party plugin, and a built-in of that very name."""
        lowered = name.lower()
        suspects = sorted(
            (
                info
                for info in self._plugins.values()
                if info.status in ("error", "blocked")
                and (not info.builtin or info.name == lowered)
            ),
            key=lambda info: (info.name != lowered, info.name, info.distribution or ""),
        )
        if not suspects:
            return None
        clauses = [
            f"{describe_plugin(info.name, info.distribution)} failed to load: {info.error}"
            if info.status == "error"
            else f"{describe_plugin(info.name, info.distribution)} is blocked by {DISABLE_ENV}"
            for info in suspects
        ]
        ending = "it may provide it" if len(suspects) == 1 else "one of them may provide it"
        return "; ".join([*clauses, ending])

    def broker_credentials(self, broker: str, options: Mapping[str, Any]) -> list[str]:
        """The environment variables the plugins say broker ``broker`` configured with
        ``options`` reads its credentials from (empty when it needs none)."""
        named: list[str] = []
        for answer in self._manager.hook.rustybt_broker_credentials(
            broker=broker, options=dict(options)
        ):
            named.extend(answer)
        return list(dict.fromkeys(named))


def _winner(claimants: list[Registration]) -> Registration | None:
    """Who gets a name registered by ``claimants``: the one built-in among them, else the
    only claimant; None when two or more plugins of the same standing clash over it."""
    builtins = [claimant for claimant in claimants if claimant.builtin]
    if len(builtins) == 1:
        return builtins[0]
    if len(claimants) == 1:
        return claimants[0]
    return None


def _lost(loser: Registration, claimants: list[Registration]) -> str:
    """Why ``loser`` does not get the name that ``claimants`` registered."""
    winner = _winner(claimants)
    if winner is not None:
        return _refusal(loser, winner)
    return _clash(loser.kind, loser.name, claimants)


def _keyword_parameters(factory: Callable[..., Any]) -> set[str] | None:
    """The keyword names ``factory`` accepts, or None when it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }


def _required_keywords(factory: Callable[..., Any]) -> set[str]:
    """The keyword parameters ``factory`` cannot do without (empty when it cannot tell)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return set()
    return {
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and p.default is inspect.Parameter.empty
    }


def installed_distributions() -> dict[str, str]:
    """Name and version of every installed distribution whose name starts with ``rustybt``."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().startswith("rustybt"):
            found[name] = dist.version
    return dict(sorted(found.items()))
