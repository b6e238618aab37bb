"""What a plugin's product must be, one protocol per hook kind, in one public module.

A plugin registers ``register(name, factory)`` through a hook of :mod:`rustybt.hookspecs`;
the registry calls ``factory(**options)`` and checks what it returns against the kind's
protocol (:func:`rustybt.plugin_checks.check_product`). The protocols are defined beside
the code that uses them and re-exported here, so ``from rustybt.data.source import
DataSource`` keeps working. The reference, kind by kind (``docs/hooks.md`` follows it):

Data source (``rustybt_register_data_sources``): :class:`DataSource`
    ``name: str``; ``capabilities: SourceCapabilities`` (``asset_classes`` and
    ``frequencies``, tuples of str, frequencies from ``1m 5m 15m 1h 1d``; ``network=True``
    makes a backtest read it through the bar store). ``fetch_bars(symbols: Sequence[str],
    start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DataFrame``: every bar
    from ``start`` to ``end`` inclusive (UTC) in the bar schema (:data:`BAR_COLUMNS`:
    ``timestamp`` tz-aware UTC, ``symbol`` str, ``open high low close volume`` float64),
    sorted by symbol then time. ``latest_bars(symbols, frequency) -> pd.DataFrame``: the
    last complete bar of each symbol, same schema. Errors: :class:`NoBarsError` for a range
    without bars, :class:`~rustybt.errors.DataError` for an unknown symbol or frequency
    (say which, and what there is). Optional: ``has_symbol(symbol) -> bool`` and
    ``symbols`` (engines then refuse an unknown ``symbol()`` at once), ``fetch_actions(
    symbols, start, end) -> pd.DataFrame`` (splits and dividends in
    ``rustybt.data.actions.ACTIONS_SCHEMA``; its bars are then raw), ``dataset_name: str``
    (the bar store's dataset). Call order: none; the factory's object may be asked
    anything, any number of times.

Broker (``rustybt_register_brokers``): :class:`Broker`, or :class:`AsyncBroker` (the same
methods as coroutines)
    ``name: str``; ``connect()``, then any of ``balances() -> dict[str, Balance]``,
    ``positions() -> dict[str, Decimal]`` (non-zero, signed), ``submit_order(OrderRequest)
    -> BrokerOrder`` (echoing the request's ``client_order_id``, ``symbol`` and
    ``amount``; a ``client_order_id`` already placed never places a second order),
    ``cancel_order(order_id) -> BrokerOrder``, ``get_order(*, order_id=None,
    client_order_id=None, symbol=None) -> BrokerOrder | None``, ``open_orders() ->
    list[BrokerOrder]``, ``order_fills(order_id) -> list[BrokerFill]``; then ``close()``.
    ``connect`` and ``close`` may be called twice. Money and quantities are ``Decimal``;
    amounts are signed (positive buys), a fill's sign is its order's, prices are above 0,
    times are tz-aware. Errors: :class:`~rustybt.errors.BrokerError` for what the user can
    act on (refused order, unknown symbol, authentication), and
    :class:`~rustybt.errors.VenueUnavailable` when the venue cannot be reached or answers
    nonsense (the session waits that out). Optional: :class:`TradeHistory`
    (``fills_since``), ``test_order_request(symbol, client_order_id) -> OrderRequest``.

Benchmark (``rustybt_register_benchmarks``): :class:`Benchmark`
    The factory is called as ``factory(scale=1.0)``. ``description: str``;
    ``setup(workdir: Path) -> None`` (untimed), then ``run() -> dict[str, Metric]`` twice:
    a warm-up, then the measured run, so ``run`` leaves its inputs as it found them; each
    :class:`Metric` is ``Metric(value: float, unit: str, higher_is_better: bool)``, with
    the same names on every run. Every run is in a fresh process. Errors: raise any
    :class:`~rustybt.errors.RustyBTError` saying what is wrong.

Alert channel (``rustybt_register_alert_channels``): :class:`AlertChannel`
    The factory is called with the channel's settings from the configuration file (every
    key but ``type`` and ``name``). ``send(alert: Alert) -> None`` delivers one
    :class:`Alert` (``severity``, ``title``, ``body``, ``dedupe_key``), once per call;
    failure raises :class:`AlertDeliveryError` whose message holds no secret.

Executor (``rustybt_register_executors``): :class:`Executor`
    ``name: str``; ``open(task)``, then ``map_runs(runs) -> Iterator[RunOutcome]`` one or
    more times, yielding each run's outcome as it finishes (a strategy's error is that
    run's outcome; only the executor's own failure raises), then ``close()`` (also after an
    interruption; safe twice).

Command (``rustybt_register_commands``): :class:`CommandHook`
    The hook itself, called once with the root ``typer.Typer`` app; it adds commands. A
    command that fails raises :class:`~rustybt.errors.RustyBTError` (one line, exit 1),
    never ``typer.Exit``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from rustybt.alerts.alert import Alert, AlertChannel, AlertDeliveryError, Severity
from rustybt.benchmarks.measurement import Benchmark, Metric
from rustybt.broker import (
    AsyncBroker,
    Balance,
    Broker,
    BrokerFill,
    BrokerOrder,
    OrderRequest,
    TradeHistory,
)
from rustybt.data.schema import BAR_COLUMNS
from rustybt.data.source import DataSource, NoBarsError, SourceCapabilities
from rustybt.hookspecs import Register
from rustybt.sweep.executor import Executor


@runtime_checkable
class CommandHook(Protocol):
    """A plugin's ``rustybt_register_commands(app)``: called once when the CLI starts, with
    the root ``typer.Typer`` app, to which it adds commands (``@app.command()``) or groups
    (``app.add_typer``). If it raises, its commands are absent and ``rustybt plugins``
    reports the error; the CLI keeps working. A command it adds reports a failure by
    raising :class:`~rustybt.errors.RustyBTError`, which the CLI prints on one line and
    exits 1."""

    def __call__(self, app: Any) -> None:
        """Add this plugin's commands to ``app``."""
        ...


__all__ = [
    "BAR_COLUMNS",
    "Alert",
    "AlertChannel",
    "AlertDeliveryError",
    "AsyncBroker",
    "Balance",
    "Benchmark",
    "Broker",
    "BrokerFill",
    "BrokerOrder",
    "CommandHook",
    "DataSource",
    "Executor",
    "Metric",
    "NoBarsError",
    "OrderRequest",
    "Register",
    "Severity",
    "SourceCapabilities",
    "TradeHistory",
]
