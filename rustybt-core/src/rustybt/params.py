"""Strategy parameters: what a strategy declares in its module-level ``PARAMS``, what a run
gives (``-D name=value``, ``--params file.yaml``, ``params=``), and ``context.params``, the
read-only, typed values the strategy reads.

A declaration maps each name to its default, whose type (int, float, bool, str or
``datetime.date``) is the parameter's type; a bare type (``"fast": int``) declares a
parameter without a default, which every run must give::

    PARAMS = {"fast": 20, "slow": 50, "long_only": True, "start_on": datetime.date(2006, 1, 3)}

Given values are converted to the declared types; without ``PARAMS`` each ``-D`` value is
read as a YAML scalar (``20`` an int, ``true`` a bool, ``2006-01-03`` a date, ``x`` a str).
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from rustybt.config_yaml import read_config_yaml
from rustybt.errors import ConfigError, StrategyError

if TYPE_CHECKING:
    from rustybt.algorithm import TradingAlgorithm

PARAM_TYPES: tuple[type, ...] = (bool, int, float, str, datetime.date)
"""The types a parameter may have, bool first: a bool is an int to Python but not to us."""

_TYPE_NAMES = {bool: "a bool", int: "an int", float: "a float", str: "a str"}
_TYPE_HINTS = {
    bool: "true or false",
    int: "a whole number such as 20",
    float: "a number such as 0.5",
    str: "text",
    datetime.date: "a date as YYYY-MM-DD",
}
_INTEGER = re.compile(r"[+-]?\d[\d_]*")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@attrs.frozen(kw_only=True)
class GivenParam:
    """One value a run gives a parameter: its ``text`` as written (None for a Python object
    passed as ``params=``), the ``value`` read without a declaration, and ``origin``, where
    it was given (``-D``, the params file's path, ``params=``)."""

    text: str | None
    value: Any
    origin: str


class StrategyParams(Mapping[str, Any]):
    """``context.params``: the run's parameters by name, read-only; ``params.fast`` reads
    ``params["fast"]`` too."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        """The parameters ``values`` (copied)."""
        object.__setattr__(self, "_values", dict(values or {}))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            known = ", ".join(self._values) or "none"
            raise AttributeError(f"no parameter {name!r}; the run's parameters: {known}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("context.params is read-only; give parameters with -D or --params")

    def __repr__(self) -> str:
        return f"StrategyParams({self._values!r})"

    def to_json(self) -> dict[str, Any]:
        """The parameters JSON-ready: dates in ISO form, everything else as it is."""
        return {
            name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in self._values.items()
        }


def params_text(params: Mapping[str, Any]) -> str:
    """``fast=10, slow=50``: parameters (JSON-ready values, as :meth:`StrategyParams.to_json`
    gives them) as they would be given on a command line; ``none`` when there are none."""
    return (
        ", ".join(
            f"{name}={str(value).lower() if isinstance(value, bool) else value}"
            for name, value in params.items()
        )
        or "none"
    )


def _yaml_scalar(text: str) -> Any:
    """``text`` read as a YAML scalar (``20`` an int, ``true`` a bool); ``text`` itself when
    it is no scalar (a list, a mapping, invalid YAML)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if not isinstance(node, yaml.ScalarNode):
            return text
        return yaml.SafeLoader("").construct_object(node)  # type: ignore[no-untyped-call]
    except (yaml.YAMLError, ValueError):  # ValueError: a date-shaped 2006-13-01
        return text


def parse_defines(defines: Sequence[str]) -> dict[str, GivenParam]:
    """The ``-D name=value`` options by name, the last one of a name winning.

    Raises:
        ConfigError: a define without ``=`` or without a name.
    """
    given: dict[str, GivenParam] = {}
    for define in defines:
        name, equals, text = define.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise ConfigError(
                f"-D {define}: a define is name=value with a Python name, such as -D fast=20"
            )
        given[name] = GivenParam(text=text, value=_yaml_scalar(text), origin="-D")
    return given


def read_params_file(path: Path) -> dict[str, GivenParam]:
    """The parameters in the YAML file at ``path``: one mapping of names to single values,
    read with the safe reader of configuration files (:func:`read_config_yaml`).

    Raises:
        ConfigError: the file cannot be read, is not YAML, is not a mapping, or gives a
            list or mapping as a value.
    """
    document, node = read_config_yaml(path)
    if document is None:
        return {}
    if not isinstance(document, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            f"{path}: a params file maps parameter names to values, one per line, such as fast: 20"
        )
    given: dict[str, GivenParam] = {}
    for key_node, value_node in node.value:
        name = str(_key(key_node))
        if not isinstance(value_node, yaml.ScalarNode):
            raise ConfigError(
                f"{path}: line {value_node.start_mark.line + 1}: parameter {name} is not a "
                "single value; give a number, true/false, a date or text"
            )
        value = document[_key(key_node)]
        text = value_node.value if value is not None else ""
        given[name] = GivenParam(text=text, value=value, origin=str(path))
    return given


def _key(node: yaml.Node) -> Any:
    """The Python key a YAML mapping's key node stands for (``1`` for ``1:``), as the
    document has it (the last of duplicate keys wins there)."""
    return yaml.SafeLoader("").construct_object(node)  # type: ignore[no-untyped-call]


def command_line_params(defines: Sequence[str], params_file: Path | None) -> dict[str, GivenParam]:
    """What ``--params FILE`` and the ``-D`` options give together, ``-D`` winning."""
    from_file = read_params_file(params_file) if params_file is not None else {}
    return {**from_file, **parse_defines(defines)}


def declared_params(algorithm: TradingAlgorithm) -> Mapping[str, Any] | None:
    """The strategy's ``PARAMS``: a class attribute of a TradingAlgorithm subclass, or a
    global of the module its ``initialize`` is written in; None when it declares none.

    Raises:
        StrategyError: ``PARAMS`` is not a mapping of names to defaults or types.
    """
    declared = getattr(type(algorithm), "PARAMS", None)
    if declared is None:
        initialize = algorithm.handler("initialize")
        declared = getattr(initialize, "__globals__", {}).get("PARAMS")
    if declared is None:
        return None
    where = f"{algorithm.source_path}: " if algorithm.source_path else ""
    if not isinstance(declared, Mapping):
        raise StrategyError(
            f"{where}PARAMS is a {type(declared).__name__}; declare a dict of names to defaults, "
            'such as PARAMS = {"fast": 20}'
        )
    for name, default in declared.items():
        if not isinstance(default, PARAM_TYPES) and default not in PARAM_TYPES:
            raise StrategyError(
                f"{where}PARAMS[{name!r}] = {default!r}: a parameter's default is an int, "
                "float, bool, str or datetime.date, or the type itself for one without a default"
            )
    return declared


def _declared_type(default: Any) -> type:
    if isinstance(default, type):
        return default
    return next(kind for kind in PARAM_TYPES if isinstance(default, kind))


def _convert(name: str, given: GivenParam, kind: type) -> Any:
    """``given`` as a ``kind``, or a ConfigError naming the value and what it should be."""
    value = given.value if given.text is None else _from_text(given.text, kind)
    if given.text is None:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif kind is datetime.date and isinstance(value, datetime.datetime):
            value = value.date()
    if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = given.text if given.text is not None else repr(given.value)
        what = _TYPE_NAMES.get(kind, "a date")
        raise ConfigError(
            f"parameter {name}={shown} (from {given.origin}) is not {what}; "
            f"give {_TYPE_HINTS[kind]}"
        )
    return value


def _from_text(text: str, kind: type) -> Any:
    """``text`` read as a ``kind``; None when it is not one."""
    text = text if kind is str else text.strip()
    if kind is str:
        return text
    if kind is bool:
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind is int:
        return int(text) if _INTEGER.fullmatch(text) else None
    try:
        return float(text) if kind is float else datetime.date.fromisoformat(text)
    except ValueError:
        return None


def as_given(params: Mapping[str, Any] | None) -> dict[str, GivenParam]:
    """``params`` as given values: the CLI's :class:`GivenParam` as they are, a library
    caller's Python values (``params={"fast": 20}``) with their origin ``params=``; a str
    value is text, read as the declared type."""
    given: dict[str, GivenParam] = {}
    for name, value in (params or {}).items():
        if isinstance(value, GivenParam):
            given[str(name)] = value
        else:
            text = value if isinstance(value, str) else None
            given[str(name)] = GivenParam(text=text, value=value, origin="params=")
    return given


def resolve_params(
    declared: Mapping[str, Any] | None, params: Mapping[str, Any] | None
) -> StrategyParams:
    """The run's parameters: with a declaration, every declared name with its given value
    converted to the declared type, or its default; without one, the given values as read.

    Raises:
        ConfigError: a name not declared (naming the declared ones), a value that is not of
            the declared type, or a declared parameter without a default that is not given.
    """
    given = as_given(params)
    if declared is None:
        return StrategyParams({name: value.value for name, value in given.items()})
    unknown = [name for name in given if name not in declared]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(declared), n=1)
        guess = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(
            f"unknown parameter {name} (from {given[name].origin}); {guess}the strategy's "
            f"PARAMS declares: {', '.join(declared) or 'none'}"
        )
    values: dict[str, Any] = {}
    for name, default in declared.items():
        if name in given:
            values[name] = _convert(name, given[name], _declared_type(default))
        elif isinstance(default, type):
            raise ConfigError(
                f"parameter {name} has no value: PARAMS declares it without a default; "
                f"give it with -D {name}=… or in the --params file"
            )
        else:
            values[name] = default
    return StrategyParams(values)


def bind_params(algorithm: TradingAlgorithm, params: Mapping[str, Any] | None) -> StrategyParams:
    """Resolve ``params`` against ``algorithm``'s declaration (:func:`resolve_params`) and
    make them its ``context.params``; returns them."""
    resolved = resolve_params(declared_params(algorithm), params)
    algorithm.params = resolved
    return resolved
