"""The settings an alert channel takes, and the check of a configured channel against them.

A channel's factory describes its settings in one of two ways:

- it carries a ``settings_schema`` attribute, a :class:`ChannelSettings` (core's channels
  get theirs from their attrs fields through :func:`declare_settings`);
- otherwise its keyword parameters are its settings: a parameter without a default is
  required, its annotation gives the accepted type, a name ending in ``_env`` names the
  environment variable of a secret, and ``**settings`` accepts any other key.

``rustybt verify-config`` and the building of a channel both check the configured keys
against that description, so a misspelt key is reported before any alert is sent.
"""

from __future__ import annotations

import collections.abc
import difflib
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath
from types import NoneType, UnionType
from typing import Any, Literal, TypeVar

import attrs

from rustybt.errors import PluginError
from rustybt.plugins import Kind, LazyFactory, PluginRegistry

SCHEMA_ATTRIBUTE = "settings_schema"
"""The attribute of a channel factory that holds its :class:`ChannelSettings`."""

_LABELS: dict[type, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "`true` or `false`",
    list: "a list",
    dict: "a mapping",
}


@attrs.frozen(kw_only=True)
class Setting:
    """One key an alert channel takes.

    ``types`` are the YAML value types it accepts (``str``, ``int``, ``float``, ``bool``,
    ``list``, ``dict``; empty: any value). ``secret`` marks a key whose value names the
    environment variable holding a secret, which ``verify-config`` checks is set.
    """

    name: str
    types: tuple[type, ...] = attrs.field(default=(), converter=lambda kinds: tuple(kinds))
    required: bool = False
    secret: bool = False
    doc: str = ""

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (as YAML reads it) has a type this setting takes."""
        if not self.types:
            return True
        if isinstance(value, bool):  # a bool is an int to Python, never to a config
            return bool in self.types
        if isinstance(value, int) and float in self.types:
            return True
        return any(isinstance(value, wanted) for wanted in self.types if wanted is not bool)

    @property
    def type_label(self) -> str:
        """The accepted types in words: ``text or a whole number``."""
        return " or ".join(_LABELS.get(wanted, wanted.__name__) for wanted in self.types) or "any"


@attrs.frozen
class ChannelSettings:
    """The settings schema of one alert channel type.

    ``open`` says the channel also takes keys it does not list (its factory takes
    ``**settings``), so no key is reported as unknown.
    """

    settings: tuple[Setting, ...] = attrs.field(converter=lambda found: tuple(found))
    open: bool = attrs.field(default=False, kw_only=True)

    @property
    def names(self) -> list[str]:
        """The listed settings' names, sorted."""
        return sorted(setting.name for setting in self.settings)

    def get(self, name: str) -> Setting | None:
        """The setting called ``name``, or None when the channel does not list it."""
        return next((setting for setting in self.settings if setting.name == name), None)

    @classmethod
    def from_attrs(cls, channel: type) -> ChannelSettings:
        """The settings of an attrs channel class: every field its ``__init__`` takes, typed
        by the field (or by its converter's argument), required when it has no default, a
        secret when its metadata says ``"secret": True``, documented by metadata ``doc``."""
        hints = typing.get_type_hints(channel)
        settings = []
        for field in attrs.fields(channel):
            if not field.init:
                continue
            hint = _converter_argument(field.converter)
            settings.append(
                Setting(
                    name=field.alias,
                    types=_yaml_types(hints[field.name] if hint is None else hint),
                    required=field.default is attrs.NOTHING,
                    secret=bool(field.metadata.get("secret", False)),
                    doc=field.metadata.get("doc", ""),
                )
            )
        return cls(settings)

    @classmethod
    def from_parameters(cls, factory: Callable[..., Any]) -> ChannelSettings:
        """The settings a factory's keyword parameters describe (see the module's docstring);
        an open schema when its signature cannot be read."""
        try:
            parameters = list(inspect.signature(factory).parameters.values())
        except (TypeError, ValueError):
            return cls((), open=True)
        hints = _hints(factory)
        keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        settings = [
            Setting(
                name=parameter.name,
                types=_yaml_types(hints.get(parameter.name, parameter.annotation)),
                required=parameter.default is inspect.Parameter.empty,
                secret=parameter.name.endswith("_env"),
            )
            for parameter in parameters
            if parameter.kind in keyword
        ]
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
        return cls(settings, open=takes_any)


Channel = TypeVar("Channel", bound=type)


def declare_settings(channel: Channel) -> Channel:
    """Class decorator: give an attrs channel class the ``settings_schema`` its fields
    describe (:meth:`ChannelSettings.from_attrs`)."""
    setattr(channel, SCHEMA_ATTRIBUTE, ChannelSettings.from_attrs(channel))
    return channel


def channel_settings(name: str, factory: Callable[..., Any]) -> ChannelSettings:
    """The settings schema of the channel registered as ``name`` with ``factory``: its
    declared ``settings_schema``, else its keyword parameters.

    A ``settings_schema`` that is not a :class:`ChannelSettings` is a :class:`PluginError`.
    """
    declared = getattr(factory, SCHEMA_ATTRIBUTE, None)
    if declared is None:
        return ChannelSettings.from_parameters(factory)
    if not isinstance(declared, ChannelSettings):
        raise PluginError(
            f"alert channel '{name}' declares a {SCHEMA_ATTRIBUTE} of type "
            f"{type(declared).__name__}; it must be a rustybt.alerts.ChannelSettings"
        )
    return declared


def registered_settings(registry: PluginRegistry, name: str) -> ChannelSettings:
    """The settings schema of the alert channel registered in ``registry`` as ``name``
    (:class:`~rustybt.errors.PluginNotFoundError` when none is)."""
    factory = registry.registration(Kind.ALERT_CHANNEL, name).factory
    if isinstance(factory, LazyFactory):
        factory = factory.resolve()
    return channel_settings(name, factory)


@attrs.frozen(kw_only=True)
class SettingProblem:
    """One thing wrong with a configured channel's settings: ``key`` is the setting at
    fault, or None when the channel as a whole is (a required setting is missing)."""

    key: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


def check_settings(
    channel: str, schema: ChannelSettings, settings: Mapping[str, Any]
) -> list[SettingProblem]:
    """Every problem of ``settings`` (the channel's keys other than ``type`` and ``name``)
    against the ``schema`` of channel type ``channel``: unknown keys, values of the wrong
    type, missing required settings. A value of None counts as not given."""
    given = {str(key): value for key, value in settings.items() if value is not None}
    problems = []
    for key, value in given.items():
        setting = schema.get(key)
        if setting is None:
            if not schema.open:
                problems.append(SettingProblem(key=key, message=_unknown(channel, key, schema)))
        elif not setting.accepts(value):
            problems.append(
                SettingProblem(
                    key=key,
                    message=f"expected {setting.type_label} for alert channel '{channel}', "
                    f"got {_kind_of(value)}",
                )
            )
    missing = [s.name for s in schema.settings if s.required and s.name not in given]
    if missing:
        problems.append(
            SettingProblem(
                key=None, message=f"alert channel '{channel}' needs {', '.join(missing)}"
            )
        )
    return problems


def _unknown(channel: str, key: str, schema: ChannelSettings) -> str:
    names = schema.names
    close = difflib.get_close_matches(key, names, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown setting of alert channel '{channel}'; {guess}allowed: {', '.join(names)}"


def _kind_of(value: Any) -> str:
    """The value's type in words; never the value, which may be a secret written inline."""
    if isinstance(value, bool):
        return _LABELS[bool]
    for kind in (str, int, float, list, dict):
        if isinstance(value, kind):
            return _LABELS[kind]
    return type(value).__name__


def _hints(factory: Callable[..., Any]) -> dict[str, Any]:
    """The resolved annotations of the factory's parameters (empty when unresolvable)."""
    # A class's parameters are its __init__'s; an attrs class's generated __init__ may not
    # resolve, and then the class's own annotations (its fields) stand in.
    targets: Iterable[Any] = (
        (typing.cast(Any, factory).__init__, factory) if isinstance(factory, type) else (factory,)
    )
    for target in targets:
        try:
            return typing.get_type_hints(target)
        except Exception:  # a plugin's forward reference we cannot resolve: types unchecked
            continue
    return {}


def _converter_argument(converter: Any) -> Any:
    """The annotation of a converter's argument (what the config may give), else None."""
    if converter is None:
        return None
    try:
        first = next(iter(inspect.signature(converter).parameters))
        return typing.get_type_hints(converter).get(first)
    except Exception:  # a converter without a readable signature: the field's type rules
        return None


def _yaml_types(hint: Any) -> tuple[type, ...]:
    """The YAML value types an annotation allows; empty for any (or unknown) type."""
    if hint is inspect.Parameter.empty or hint is Any or isinstance(hint, str):
        return ()
    origin = typing.get_origin(hint)
    if origin in (UnionType, typing.Union):
        members = [_yaml_types(arg) for arg in typing.get_args(hint) if arg is not NoneType]
        if any(not member for member in members):
            return ()
        return tuple(dict.fromkeys(kind for member in members for kind in member))
    if origin is Literal:
        return tuple(dict.fromkeys(type(value) for value in typing.get_args(hint)))
    base = origin or hint
    if base in _LABELS:
        return (base,)
    if isinstance(base, type):
        if issubclass(base, PurePath):
            return (str,)
        if issubclass(base, collections.abc.Mapping):
            return (dict,)
        if issubclass(base, collections.abc.Sequence) and not issubclass(base, str | bytes):
            return (list,)
    return ()
