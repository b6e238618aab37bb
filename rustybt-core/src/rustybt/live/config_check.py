"""``verify-config``: everything that can be checked about a trading configuration before
trading, each problem with its key path and line, and the config shown with secrets hidden."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import attrs

from rustybt.alerts.config import channel_config
from rustybt.alerts.settings import check_settings, registered_settings
from rustybt.errors import ConfigError, PluginError, PluginNotFoundError, RustyBTError
from rustybt.live.config import ConfigProblem, ParsedConfig, line_of, parse_trading_config
from rustybt.plugins import Kind, PluginRegistry
from rustybt.redaction import redact


@attrs.frozen(kw_only=True)
class ConfigReport:
    """The verdict on one configuration file."""

    path: Path
    problems: tuple[ConfigProblem, ...]
    redacted: dict[str, Any]

    @property
    def valid(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with secrets already hidden."""
        return {
            "config": str(self.path),
            "valid": self.valid,
            "problems": [attrs.asdict(problem) for problem in self.problems],
            "config_redacted": self.redacted,
        }


def verify_trading_config(path: str | Path, registry: PluginRegistry) -> ConfigReport:
    """Check the schema, that the named data source, broker and alert channels are
    registered, that the credentials they need are set (never reading their values out),
    and that the log, state and kill-switch directories are writable."""
    parsed = parse_trading_config(path)
    problems = list(parsed.problems)
    problems += _plugin_problems(parsed, registry)
    problems += _credential_problems(parsed, registry)
    problems += _channel_problems(parsed, registry, problems)
    problems += _directory_problems(parsed)
    return ConfigReport(
        path=parsed.path, problems=tuple(problems), redacted=redact(parsed.document)
    )


def _section(parsed: ParsedConfig, name: str) -> dict[str, Any]:
    section = parsed.document.get(name)
    return section if isinstance(section, dict) else {}


def _problem(parsed: ParsedConfig, key_path: str, message: str) -> ConfigProblem:
    """A problem at ``key_path``'s line, else at the nearest line holding it."""
    return ConfigProblem(key_path=key_path, line=line_of(parsed.lines, key_path), message=message)


def _plugin_problems(parsed: ParsedConfig, registry: PluginRegistry) -> list[ConfigProblem]:
    wanted = [
        ("data.source", Kind.DATA_SOURCE, _section(parsed, "data").get("source", "sample")),
        ("broker.type", Kind.BROKER, _section(parsed, "broker").get("type", "paper")),
    ]
    channels = _section(parsed, "alerts").get("channels")
    if isinstance(channels, list):
        for index, channel in enumerate(channels):
            if isinstance(channel, dict) and "type" in channel:
                wanted.append(
                    (f"alerts.channels[{index}].type", Kind.ALERT_CHANNEL, channel["type"])
                )
    problems = []
    for key_path, kind, name in wanted:
        try:
            registry.registration(kind, str(name))
        except PluginNotFoundError as exc:
            line = parsed.lines.get(key_path) or parsed.lines.get(key_path.split("[")[0])
            problems.append(ConfigProblem(key_path=key_path, line=line, message=str(exc)))
    return problems


def _credential_problems(parsed: ParsedConfig, registry: PluginRegistry) -> list[ConfigProblem]:
    problems = []
    broker = _section(parsed, "broker")
    broker_type = broker.get("type")
    if isinstance(broker_type, str):
        for variable in registry.broker_credentials(broker_type, broker):
            if not os.environ.get(variable):
                problems.append(
                    _problem(
                        parsed,
                        "broker.exchange" if "exchange" in broker else "broker.type",
                        f"credential {variable} is not set in the environment",
                    )
                )
    return problems


def _channel_problems(
    parsed: ParsedConfig, registry: PluginRegistry, found: list[ConfigProblem]
) -> list[ConfigProblem]:
    """Every problem of each alert channel nothing was found wrong with yet, each at its
    own line: an item that is no channel, settings its channel's schema refuses, a secret's
    variable unset, and what building it refuses (a wrong scheme): a session would fail on
    it otherwise."""
    channels = _section(parsed, "alerts").get("channels")
    problems = []
    for index, raw in enumerate(channels if isinstance(channels, list) else []):
        where = f"alerts.channels[{index}]"
        if not any(p.key_path == where or p.key_path.startswith(where + ".") for p in found):
            problems += _problems_of_channel(parsed, registry, raw, where)
    return problems


def _problems_of_channel(
    parsed: ParsedConfig, registry: PluginRegistry, raw: Any, where: str
) -> list[ConfigProblem]:
    try:
        channel = channel_config(raw, where)
    except ConfigError as exc:
        key_path, _, reason = str(exc).partition(": ")
        return [_problem(parsed, key_path, reason)]
    try:
        schema = registered_settings(registry, channel.type)
    except PluginError as exc:
        return [_problem(parsed, f"{where}.type", str(exc))]
    problems = [
        _problem(parsed, f"{where}.{problem.key}" if problem.key else where, problem.message)
        for problem in check_settings(channel.type, schema, channel.settings)
    ]
    if problems:
        return problems
    for key, variable in channel.settings.items():
        setting = schema.get(key)
        secret = setting.secret if setting is not None else key.endswith("_env")
        if secret and isinstance(variable, str) and not os.environ.get(variable):
            problems.append(
                _problem(parsed, f"{where}.{key}", f"environment variable {variable} is not set")
            )
    if problems:
        return problems
    try:
        registry.alert_channel(channel.type, **channel.settings)
    except RustyBTError as exc:
        return [_problem(parsed, where, str(exc))]
    return []


def _directory_problems(parsed: ParsedConfig) -> list[ConfigProblem]:
    places = [
        ("logging.file", _section(parsed, "logging").get("file")),
        ("state.file", _section(parsed, "state").get("file")),
        ("risk.kill_switch", _section(parsed, "risk").get("kill_switch")),
    ]
    problems = []
    for key_path, value in places:
        if not isinstance(value, str) or not value:
            continue
        directory = Path(value).expanduser().parent
        if not _writable(directory):
            problems.append(
                _problem(parsed, key_path, f"directory {directory} is missing or not writable")
            )
    return problems


def _writable(directory: Path) -> bool:
    if not directory.is_dir():
        return False
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False
