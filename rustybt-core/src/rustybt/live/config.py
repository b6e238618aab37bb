"""The trading configuration file (``paper_trading.yaml``), loaded into typed attrs classes.

The seed's format, extended with ``risk`` and ``state`` sections::

    broker:
      type: paper
      initial_capital: 100000.0
      commission: {type: per_share, cost: 0.001}
      slippage: {type: volume_share, volume_limit: 0.025, price_impact: 0.1}
    data: {source: yfinance, frequency: daily}
    logging: {level: INFO, structured: true, heartbeat_interval: 3600}
    risk: {max_order_value: 50000, max_position_fraction: 0.5, max_daily_loss: 5000,
           kill_switch: /tmp/rustybt.stop}
    state: {file: paper_state.sqlite}

Unknown keys and wrong types are :class:`ConfigError`\\ s naming the key path and line.
Money is read exactly (``100000.0`` becomes ``Decimal("100000.0")``).
"""

from __future__ import annotations

import os
import re
import typing
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import attrs
import cattrs
import yaml

from rustybt.alerts.config import AlertsConfig, alerts_config_from_dict
from rustybt.config_yaml import read_config_yaml, unknown_key
from rustybt.errors import ConfigError
from rustybt.finance import commission as commission_models
from rustybt.finance import slippage as slippage_models
from rustybt.frequencies import run_frequency

MAX_MONEY = Decimal("1e12")
"""The largest amount of money a configuration may name (capital, limits, fees)."""
A_YEAR = Decimal(366 * 86_400)
"""The longest interval, in seconds, a configuration may name."""


def _plain(number: Decimal) -> str:
    return f"{number:,f}" if number == number.to_integral_value() else str(number)


@attrs.frozen
class Bounds:
    """A validator: the value (unless None) is a finite number above ``low`` (or equal to
    it when ``inclusive``) and at most ``high``. Its text is the range as the configuration
    reference and the error messages state it."""

    low: Decimal
    high: Decimal
    inclusive: bool = False

    def __call__(self, instance: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value is not None:
            self.check(attribute.name, value)

    def check(self, name: str, value: float | Decimal) -> None:
        """Raise :class:`ValueError` saying ``name must be <range>`` when ``value`` is not
        in the range."""
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or not (
            (number >= self.low if self.inclusive else number > self.low) and number <= self.high
        ):
            raise ValueError(f"{name} must be {self}, got {value}")

    def __str__(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {_plain(self.low)} and ≤ {_plain(self.high)}"


_MONEY = Bounds(Decimal(0), MAX_MONEY)
_FEE = Bounds(Decimal(0), MAX_MONEY, inclusive=True)
_FRACTION = Bounds(Decimal(0), Decimal(1), inclusive=True)
INTERVAL = Bounds(Decimal(0), A_YEAR)
"""The range of a number of seconds: a heartbeat interval, an outage budget."""


def _doc(text: str, default: str | None = None) -> dict[str, str]:
    """Field metadata for the configuration reference: the key's meaning, and its default
    when that is not the field's own (computed from other keys, say)."""
    return {"doc": text} if default is None else {"doc": text, "default": default}


@attrs.frozen(kw_only=True)
class CommissionConfig:
    """``type``: per_share (cost, min_trade_cost), per_trade (cost), per_dollar (cost),
    maker_taker (maker, taker) or none."""

    type: Literal["per_share", "per_trade", "per_dollar", "maker_taker", "none"] = attrs.field(
        default="per_share", metadata=_doc("the commission model")
    )
    cost: Decimal | None = attrs.field(
        default=None,
        validator=_FEE,
        metadata=_doc(
            "per share (`per_share`), per order (`per_trade`) or per unit of traded value "
            "(`per_dollar`)",
            default="`0.001` per share, `0` per trade, `0.0015` per dollar",
        ),
    )
    min_trade_cost: Decimal = attrs.field(
        default=Decimal(0),
        validator=_FEE,
        metadata=_doc("the least an order pays in total (`per_share`)"),
    )
    maker: Decimal | None = attrs.field(
        default=None,
        validator=_FRACTION,
        metadata=_doc("fee as a fraction of value for limit fills (`maker_taker`)", "`0.001`"),
    )
    taker: Decimal | None = attrs.field(
        default=None,
        validator=_FRACTION,
        metadata=_doc("fee as a fraction of value for other fills (`maker_taker`)", "`0.001`"),
    )

    def model(self) -> commission_models.CommissionModel:
        """The commission model this describes."""
        if self.type == "per_share":
            return commission_models.PerShare(
                cost=Decimal("0.001") if self.cost is None else self.cost,
                min_trade_cost=self.min_trade_cost,
            )
        if self.type == "per_trade":
            return commission_models.PerTrade(cost=self.cost or 0)
        if self.type == "per_dollar":
            return commission_models.PerDollar(
                cost=Decimal("0.0015") if self.cost is None else self.cost
            )
        if self.type == "maker_taker":
            return commission_models.MakerTaker(
                maker=Decimal("0.001") if self.maker is None else self.maker,
                taker=Decimal("0.001") if self.taker is None else self.taker,
            )
        return commission_models.NoCommission()


@attrs.frozen(kw_only=True)
class SlippageConfig:
    """``type``: volume_share (volume_limit, price_impact), fixed_basis_points
    (basis_points, volume_limit), fixed (spread) or none."""

    type: Literal["volume_share", "fixed_basis_points", "fixed", "none"] = attrs.field(
        default="fixed_basis_points", metadata=_doc("the slippage model")
    )
    volume_limit: Decimal | None = attrs.field(
        default=None,
        validator=Bounds(Decimal(0), Decimal(1)),
        metadata=_doc(
            "largest share of a bar's volume one order may fill (`volume_share`, "
            "`fixed_basis_points`)",
            default="`0.025` (volume share), `0.1` (basis points)",
        ),
    )
    price_impact: Decimal | None = attrs.field(
        default=None,
        validator=Bounds(Decimal(0), Decimal(1000), inclusive=True),
        metadata=_doc(
            "price impact coefficient, times the square of the volume share taken (`volume_share`)",
            "`0.1`",
        ),
    )
    basis_points: Decimal | None = attrs.field(
        default=None,
        validator=Bounds(Decimal(0), Decimal(10_000), inclusive=True),
        metadata=_doc("cost in basis points of the close (`fixed_basis_points`)", "`5`"),
    )
    spread: Decimal | None = attrs.field(
        default=None,
        validator=_FEE,
        metadata=_doc(
            "full bid-ask spread: buys pay half of it over the close, sells get half under "
            "(`fixed`)",
            "`0`",
        ),
    )

    def model(self) -> slippage_models.SlippageModel:
        """The slippage model this describes."""
        if self.type == "volume_share":
            return slippage_models.VolumeShareSlippage(
                volume_limit=self.volume_limit or Decimal("0.025"),
                price_impact=Decimal("0.1") if self.price_impact is None else self.price_impact,
            )
        if self.type == "fixed_basis_points":
            return slippage_models.FixedBasisPointsSlippage(
                basis_points=Decimal(5) if self.basis_points is None else self.basis_points,
                volume_limit=self.volume_limit or Decimal("0.1"),
            )
        if self.type == "fixed":
            return slippage_models.FixedSlippage(spread=self.spread or 0)
        return slippage_models.NoSlippage()


@attrs.frozen(kw_only=True)
class BrokerConfig:
    """Which broker, with how much money (paper) and which cost models (simulated fills)."""

    type: str = attrs.field(
        default="paper", metadata=_doc("registered broker name (`paper`, `ccxt`, ...)")
    )
    initial_capital: Decimal = attrs.field(
        default=Decimal(100000),
        validator=_MONEY,
        metadata=_doc("starting cash of a simulated account (`paper`)"),
    )
    commission: CommissionConfig | None = attrs.field(
        default=None,
        metadata=_doc("commission of simulated fills", "the backtest's: `per_share`, `0.001`"),
    )
    slippage: SlippageConfig | None = attrs.field(
        default=None,
        metadata=_doc("slippage of simulated fills", "the backtest's: `fixed_basis_points`, 5 bp"),
    )
    exchange: str | None = attrs.field(
        default=None, metadata=_doc("ccxt exchange id of `ccxt` (`binance`, `kraken`, ...)")
    )
    testnet: bool = attrs.field(default=False, metadata=_doc("use the exchange's sandbox"))
    currency: str = attrs.field(
        default="USD", metadata=_doc("quote currency whose balance is the session's cash")
    )
    reconcile_tolerance: Decimal = attrs.field(
        default=Decimal("0.001"),
        validator=_FRACTION,
        metadata=_doc(
            "how far a traded asset's position or the cash may differ from the account "
            "(a fraction of the larger amount) before a live session refuses to trade"
        ),
    )
    outage_budget: float = attrs.field(
        default=300.0,
        validator=INTERVAL,
        metadata=_doc(
            "seconds a live session waits out an unreachable broker (degraded) before it stops"
        ),
    )


@attrs.frozen(kw_only=True)
class DataConfig:
    """Where bars come from: a registered source, its frequency and options."""

    source: str = attrs.field(
        default="sample", metadata=_doc("registered data source (`sample`, `yfinance`, ...)")
    )
    frequency: Literal["daily", "minute", "1d", "1m"] = attrs.field(
        default="daily", metadata=_doc("bar frequency (`1d` is `daily`, `1m` is `minute`)")
    )
    data_dir: str | None = attrs.field(
        default=None, metadata=_doc("directory of SYMBOL.csv / SYMBOL.parquet files (`files`)")
    )
    exchange: str | None = attrs.field(
        default=None, metadata=_doc("ccxt exchange id of the `ccxt` source")
    )
    calendar: str = attrs.field(
        default="XNYS",
        metadata=_doc("trading calendar: an exchange-calendars name, or `24/7` for crypto"),
    )

    @property
    def bar_frequency(self) -> str:
        """The run frequency, ``daily`` or ``minute`` (see :mod:`rustybt.frequencies`)."""
        return run_frequency(self.frequency)


@attrs.frozen(kw_only=True)
class LoggingConfig:
    """The structured event log."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = attrs.field(
        default="INFO", metadata=_doc("lowest level written to the event log")
    )
    structured: bool = attrs.field(
        default=True, metadata=_doc("accepted for the seed's configs; the log is always JSON lines")
    )
    heartbeat_interval: float = attrs.field(
        default=3600.0, validator=INTERVAL, metadata=_doc("seconds between `heartbeat` events")
    )
    file: str | None = attrs.field(
        default=None,
        metadata=_doc(
            "event log file, whose directory `verify-config` checks (sessions take --log-file)"
        ),
    )


@attrs.frozen(kw_only=True)
class RiskConfig:
    """Limits that block orders, and the kill-switch file that stops trading."""

    max_order_value: Decimal | None = attrs.field(
        default=None,
        validator=_MONEY,
        metadata=_doc("largest value of one order; a larger one is rejected", "no limit"),
    )
    max_position_fraction: Decimal | None = attrs.field(
        default=None,
        validator=Bounds(Decimal(0), Decimal(100)),
        metadata=_doc(
            "largest value of one position as a fraction of the portfolio; an order that "
            "would pass it is rejected",
            "no limit",
        ),
    )
    max_daily_loss: Decimal | None = attrs.field(
        default=None,
        validator=_MONEY,
        metadata=_doc(
            "loss since the start of the day that rejects every new order for the rest of it",
            "no limit",
        ),
    )
    kill_switch: str | None = attrs.field(
        default=None,
        metadata=_doc(
            "file whose existence stops the session before its next bar",
            "`<state file>.stop`",
        ),
    )


@attrs.frozen(kw_only=True)
class StateConfig:
    """Where the session's crash-safe state lives."""

    file: str | None = attrs.field(
        default=None,
        metadata=_doc(
            "SQLite journal the session resumes from (--state wins)",
            "`paper_state.sqlite` or `live_state.sqlite`",
        ),
    )


@attrs.frozen(kw_only=True)
class TradingConfig:
    """A whole ``paper_trading.yaml`` (the ``alerts`` section: :mod:`rustybt.alerts.config`)."""

    broker: BrokerConfig = attrs.field(
        default=BrokerConfig(), metadata=_doc("the broker, its money and its simulated costs")
    )
    data: DataConfig = attrs.field(default=DataConfig(), metadata=_doc("where bars come from"))
    logging: LoggingConfig = attrs.field(
        default=LoggingConfig(), metadata=_doc("the JSON-lines event log")
    )
    risk: RiskConfig = attrs.field(
        default=RiskConfig(), metadata=_doc("limits that reject orders, and the kill switch")
    )
    state: StateConfig = attrs.field(
        default=StateConfig(), metadata=_doc("the session's crash-safe journal")
    )
    alerts: AlertsConfig | None = attrs.field(
        default=None, metadata=_doc("where alerts go; no alerts without this section")
    )


_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(Decimal, lambda value, _: _decimal(value))
_converter.register_structure_hook(float, lambda value, _: float(_decimal(value)))


def _decimal(value: Any) -> Decimal:
    """A finite number read exactly: a float through its shortest representation, a
    numeric string (YAML reads ``1e5`` as one) as written."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


_UNKNOWN_KEYS = "unknown keys"


def _describe(exc: BaseException, expected: Any) -> str:
    if isinstance(exc, KeyError):
        return "required"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return _UNKNOWN_KEYS
    text = str(exc)
    if " not in literal " in text:
        allowed = ", ".join(str(a) for a in getattr(expected, "__args__", ()))
        return f"must be one of {allowed}, got {text.split(' not in literal ')[0]!r}"
    if isinstance(exc, ValueError | TypeError) and text:
        return text
    return f"expected {getattr(expected, '__name__', expected)}"


@attrs.frozen(kw_only=True)
class ConfigProblem:
    """One thing wrong in a configuration file, and where."""

    key_path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.key_path or 'config'}: {self.message}{where}"


@attrs.frozen(kw_only=True)
class ParsedConfig:
    """A configuration file read as far as it could be: the raw document, the line of every
    key, the typed config when the schema held, and every schema problem found."""

    path: Path
    document: dict[str, Any]
    lines: dict[str, int]
    config: TradingConfig | None
    problems: tuple[ConfigProblem, ...]


def parse_trading_config(path: str | Path) -> ParsedConfig:
    """Read ``path`` and check it against the schema, collecting every problem.

    An unreadable file or invalid YAML is a :class:`ConfigError` at once (nothing else can
    be checked then).
    """
    path = Path(path)
    document, node = read_config_yaml(path)
    lines = _key_lines(node) if node is not None else {}
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (broker, data, ...)")
    problems: list[ConfigProblem] = []
    sections = {}
    for name, section in document.items():
        if isinstance(section, dict):
            sections[name] = section
            continue
        message = "section is empty" if section is None else "must be a mapping of keys"
        problems.append(
            ConfigProblem(key_path=str(name), line=lines.get(str(name)), message=message)
        )
    alerts = None
    if "alerts" in sections:
        try:
            alerts = alerts_config_from_dict(sections.pop("alerts"))
        except ConfigError as exc:
            key_path, _, reason = str(exc).partition(": ")
            problems.append(
                ConfigProblem(key_path=key_path, line=line_of(lines, key_path), message=reason)
            )
    config = None
    try:
        config = attrs.evolve(_converter.structure(sections, TradingConfig), alerts=alerts)
    except Exception as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            messages = cattrs.transform_error(exc, format_exception=_describe)
        else:
            messages = [str(exc)]
        for message in messages:
            problems.extend(_problems(message, lines, sections))
    return ParsedConfig(
        path=path,
        document=document,
        lines=lines,
        config=config if not problems else None,
        problems=tuple(problems),
    )


def _problems(message: str, lines: dict[str, int], document: dict[str, Any]) -> list[ConfigProblem]:
    key_path = message.rsplit(" @ $", 1)[1].lstrip(".") if " @ $" in message else ""
    reason = message.rsplit(" @ $", 1)[0]
    if reason == _UNKNOWN_KEYS:
        allowed = _keys_at(key_path)
        found = _value_at(document, key_path)
        extras = [key for key in found if str(key) not in allowed] if found else []
        return [
            ConfigProblem(
                key_path=f"{key_path}.{key}" if key_path else str(key),
                line=line_of(lines, f"{key_path}.{key}" if key_path else str(key)),
                message=unknown_key(key, allowed),
            )
            for key in extras
        ]
    field, _, rest = reason.partition(" must ")
    if rest and field.isidentifier():  # a validator's message names its own field
        key_path = f"{key_path}.{field}" if key_path else field
        reason = f"must {rest}"
    return [ConfigProblem(key_path=key_path, line=line_of(lines, key_path), message=reason)]


def _keys_at(key_path: str) -> list[str]:
    """The keys the section at ``key_path`` (``broker.commission``) takes."""
    cls: Any = TradingConfig
    for name in filter(None, key_path.split(".")):
        hint = typing.get_type_hints(cls)[name]
        cls = next(arg for arg in (hint, *typing.get_args(hint)) if attrs.has(arg))
    return [field.name for field in attrs.fields(cls)]


def _value_at(document: dict[str, Any], key_path: str) -> Any:
    value: Any = document
    for name in filter(None, key_path.split(".")):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def default_config_path(mode: str) -> Path | None:
    """The config a ``paper``/``live`` session uses when none is given: ``RUSTYBT_CONFIG``,
    else ``~/.rustybt/<mode>_trading.yaml`` when that file exists."""
    named = os.environ.get("RUSTYBT_CONFIG")
    if named:
        return Path(named)
    path = Path.home() / ".rustybt" / f"{mode}_trading.yaml"
    return path if path.is_file() else None


def load_trading_config(path: str | Path) -> TradingConfig:
    """Read and check a trading configuration file; the first problem is a one-line
    :class:`ConfigError` naming the file, the key path and its line."""
    parsed = parse_trading_config(path)
    if parsed.problems:
        first = parsed.problems[0]
        more = f" (+{len(parsed.problems) - 1} more)" if len(parsed.problems) > 1 else ""
        raise ConfigError(f"{parsed.path}: {first}{more}")
    assert parsed.config is not None
    return parsed.config


def _key_lines(node: Any, prefix: str = "") -> dict[str, int]:
    """``{"broker.commission.cost": line, "alerts.channels[0]": line}`` for every mapping
    key and list item in a composed YAML node."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines[path] = key.start_mark.line + 1
            lines.update(_key_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            lines[path] = item.start_mark.line + 1
            lines.update(_key_lines(item, path))
    return lines


_LAST_PART = re.compile(r"(\.[^.\[]+|\[\d+\])$")


def line_of(lines: dict[str, int], key_path: str) -> int | None:
    """The line of ``key_path``, else of the nearest section holding it (None: unknown)."""
    while key_path not in lines:
        shorter = _LAST_PART.sub("", key_path)
        if shorter == key_path:
            return None
        key_path = shorter
    return lines[key_path]
