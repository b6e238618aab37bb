"""``rustybt test-broker``: connect to a broker, show balances and latency, optionally trade.

Works with any registered broker (``paper``, ``ccxt``, ...): the options a broker does not
take (``--exchange``, ``--testnet``) are only passed when given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rustybt.plugins import PluginRegistry

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout, success
from rustybt_cli.sources import ExchangeOption
from rustybt_cli.state import cli_state

if TYPE_CHECKING:
    from rustybt.broker import Broker


EPILOG = """Examples:

  rustybt test-broker --broker ccxt --exchange binance --testnet

  rustybt test-broker --broker ccxt --exchange binance --testnet --place-test-order --output json

Credentials of --broker ccxt come from RUSTYBT_<EXCHANGE>_API_KEY and RUSTYBT_<EXCHANGE>_SECRET.
"""


def register(app: typer.Typer) -> None:
    """Add the ``test-broker`` command to ``app``."""
    app.command("test-broker", epilog=EPILOG)(test_broker)


@contextmanager
def connected_broker(
    registry: PluginRegistry, name: str, *, exchange: str | None, testnet: bool
) -> Iterator[Broker]:
    """The broker ``name``, connected, closed on exit; ``exchange``/``testnet`` if given."""
    from rustybt.broker import as_sync_broker

    broker = as_sync_broker(registry.broker(name, exchange=exchange, testnet=testnet or None))
    try:
        broker.connect()
        yield broker
    finally:
        broker.close()


def test_broker(
    ctx: typer.Context,
    broker: Annotated[str, typer.Option("--broker", help="Registered broker name.")],
    exchange: ExchangeOption = None,
    testnet: Annotated[
        bool, typer.Option("--testnet", help="Use the exchange's sandbox (test network).")
    ] = False,
    place_test_order: Annotated[
        bool,
        typer.Option(
            "--place-test-order",
            help="Also place a minimal limit order far from the market, then cancel it.",
        ),
    ] = False,
    symbol: Annotated[
        str | None,
        typer.Option(
            "--symbol", help="Market of the test order (default: BTC/USDT, or AAPL for paper)."
        ),
    ] = None,
    source: Annotated[
        str, typer.Option(help="Where a simulated broker (paper) gets the bar it fills against.")
    ] = "sample",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Connect to a broker, authenticate, and print balances and round-trip latency.

    A simulated broker (paper) always fills a one-share test order against the latest bar
    of --source. Exits 1 with a one-line reason: missing credentials (naming the variables
    to set), credentials rejected, or broker unreachable.
    """
    from rustybt.broker_check import check_broker
    from rustybt.engine import SimulatedExecution

    registry = cli_state(ctx).registry
    with connected_broker(registry, broker, exchange=exchange, testnet=testnet) as connected:
        simulated = isinstance(connected, SimulatedExecution)
        wanted = symbol or ("AAPL" if simulated else "BTC/USDT")
        check = check_broker(
            connected,
            test_order_symbol=wanted if (place_test_order or simulated) else None,
            quotes=registry.data_source(source) if simulated else None,
        )
    if output is OutputFormat.JSON:
        print_json(check.to_dict())
        return
    success(f"Connected to broker '{check.broker}'")
    print_table(
        "Balances",
        ("currency", "total", "free"),
        [(b.currency, b.total, b.free) for b in check.balances.values()],
    )
    stdout.print(f"Latency: {check.latency_seconds * 1000:.1f} ms", highlight=False)
    if check.placed is not None and check.final is not None:
        placed = check.placed
        price = "market" if placed.limit_price is None else f"limit {placed.limit_price}"
        stdout.print(
            f"Test order {placed.client_order_id}: {placed.amount} {placed.symbol} at {price}, "
            f"{check.final.status}",
            highlight=False,
        )
        for fill in check.fills:
            stdout.print(
                f"  filled {fill.amount} at {fill.price} (commission {fill.commission})",
                highlight=False,
            )
