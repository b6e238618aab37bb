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

Core code never calls pluggy hooks directly: it asks :class:`PluginRegistry`.
"""

from __future__ import annotations

import functools
import inspect
import os
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

PluginStatus = Literal["ok", "error", "blocked"]


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
    """What ``rustybt plugins`` reports about one plugin."""

    name: str
    distribution: str | None
    version: str | None
    status: PluginStatus
    provides: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with lists instead of tuples."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "provides": {key: list(names) for key, names in self.provides.items()},
            "error": self.error,
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


class PluginRegistry:
    """Every plugin RustyBT found, and everything they registered, by kind and name."""

    def __init__(self, *, strict: bool = False, disabled: Iterable[str] = ()) -> None:
        self.strict = strict
        self.disabled = frozenset(disabled)
        self._manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._manager.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}
        self._registrations: dict[Kind, dict[str, Registration]] = {kind: {} for kind in Kind}

    @classmethod
    def from_environment(cls) -> PluginRegistry:
        """A registry holding every installed plugin, honouring the environment settings."""
        registry = cls(strict=_env_flag(STRICT_ENV), disabled=_env_list(DISABLE_ENV))
        registry.load_entry_points()
        return registry

    # -- loading -------------------------------------------------------------------------

    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        """Import and register every entry point of the ``rustybt`` group, each in isolation.

        ``entry_points`` defaults to those of the installed distributions.
        """
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        seen: set[tuple[str, str, str | None]] = set()
        for entry_point in sorted(entry_points, key=lambda ep: ep.name):
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
        same code.
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
        info = PluginInfo(name=name, distribution=distribution, version=version, status="ok")
        if name in self.disabled:
            info = attrs.evolve(info, status="blocked", error=f"disabled by {DISABLE_ENV}")
        elif name in self._plugins:
            other = self._plugins[name]
            error = PluginError(
                f"plugin name '{name}' is provided by both {other.distribution or 'unknown'} "
                f"and {distribution or 'unknown'}"
            )
            info = self._failed(info, error)
        else:
            try:
                module = load()
                provides = self._register(name, module)
            except Exception as exc:  # a plugin's failure is recorded, never fatal
                info = self._failed(info, exc)
            else:
                info = attrs.evolve(info, provides=provides)
        self._plugins[name] = info
        return info

    def _failed(self, info: PluginInfo, exc: Exception) -> PluginInfo:
        if self.strict:
            raise exc
        return attrs.evolve(info, status="error", error=_describe(exc))

    def _register(self, plugin_name: str, module: object) -> dict[str, tuple[str, ...]]:
        self._manager.register(module, name=plugin_name)
        try:
            self._manager.check_pending()
            staged = self._collect_registrations(plugin_name, module)
        except Exception:
            self._manager.unregister(module)
            raise
        provides: dict[str, tuple[str, ...]] = {}
        for registration in staged:
            self._registrations[registration.kind][registration.name] = registration
            provides.setdefault(registration.kind.key, ())
            provides[registration.kind.key] += (registration.name,)
        if self._implementations("rustybt_register_commands", module):
            provides.setdefault("commands", ())
        return provides

    def _implementations(self, hook_name: str, plugin: object) -> list[pluggy.HookImpl]:
        caller = getattr(self._manager.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]

    def _collect_registrations(self, plugin_name: str, module: object) -> list[Registration]:
        staged: list[Registration] = []
        for kind in Kind:

            def register(name: str, factory: Callable[..., Any], kind: Kind = kind) -> None:
                if not isinstance(name, str) or not name:
                    raise PluginError(f"{kind.label} names must be non-empty strings, got {name!r}")
                if not callable(factory):
                    raise PluginError(f"{kind.label} '{name}' was registered with a non-callable")
                existing = self._registrations[kind].get(name) or next(
                    (r for r in staged if r.kind is kind and r.name == name), None
                )
                if existing is not None:
                    raise PluginError(
                        f"{kind.label} '{name}' is registered by both plugin "
                        f"'{existing.plugin}' and plugin '{plugin_name}'"
                    )
                staged.append(
                    Registration(kind=kind, name=name, factory=factory, plugin=plugin_name)
                )

            for impl in self._implementations(kind.hook_name, module):
                impl.function(register=register)
        return staged

    def register_commands(self, app: Any, command_names: Callable[[], set[str]]) -> None:
        """Let every working plugin add CLI commands to ``app``, each in isolation.

        ``command_names()`` returns the names currently on the app, so the commands each
        plugin added can be reported. A plugin that raises is marked ``error``.
        """
        for info in list(self._plugins.values()):
            if info.status != "ok":
                continue
            plugin = self._manager.get_plugin(info.name)
            impls = self._implementations("rustybt_register_commands", plugin)
            if not impls:
                continue
            before = command_names()
            try:
                for impl in impls:
                    impl.function(app=app)
            except Exception as exc:
                self._plugins[info.name] = self._failed(info, exc)
                continue
            added = tuple(sorted(command_names() - before))
            self._plugins[info.name] = attrs.evolve(
                info, provides={**info.provides, "commands": added}
            )

    # -- lookup --------------------------------------------------------------------------

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin found, in name order, whatever its status."""
        return [self._plugins[name] for name in sorted(self._plugins)]

    def names(self, kind: Kind) -> list[str]:
        """The registered names of one kind, sorted."""
        return sorted(self._registrations[kind])

    def registration(self, kind: Kind, name: str) -> Registration:
        """The registration of ``name``, or :class:`PluginNotFoundError` saying what exists."""
        try:
            return self._registrations[kind][name]
        except KeyError:
            raise PluginNotFoundError(self._not_found_message(kind, name)) from None

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
        config file that apply only to some plugins), left out.
        """
        factory = self.registration(kind, name).factory
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
        return factory(**given)

    def _not_found_message(self, kind: Kind, name: str) -> str:
        installed = ", ".join(self.names(kind)) or "none"
        message = f"no {kind.label} named '{name}' (installed: {installed})"
        hint = self._hint(kind, name)
        return f"{message}; {hint}" if hint else message

    def _hint(self, kind: Kind, name: str) -> str | None:
        lowered = name.lower()
        package = _PROVIDING_PACKAGE.get(kind, {}).get(lowered)
        if package:
            blocked = self._plugins.get(lowered)
            if blocked is not None and blocked.status != "ok":
                return f"plugin '{lowered}' is installed but {blocked.status}: {blocked.error}"
            return f"install it with: {install_command(package)}"
        for impl in self._manager.hook.rustybt_unknown_name_hint.get_hookimpls():
            try:
                hint = impl.function(kind=kind.label, name=name)
            except Exception:  # a plugin's broken hint must not hide the error itself
                continue
            if hint:
                return str(hint)
        return None

    def broker_credentials(self, broker: str, options: Mapping[str, Any]) -> list[str]:
        """The environment variables the plugins say broker ``broker`` configured with
        ``options`` reads its credentials from (empty when it needs none)."""
        named: list[str] = []
        for answer in self._manager.hook.rustybt_broker_credentials(
            broker=broker, options=dict(options)
        ):
            named.extend(answer)
        return list(dict.fromkeys(named))


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
