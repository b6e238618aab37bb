"""``rustybt test-broker``: connect to a broker, show balances and latency, optionally trade.

Works with any registered broker (``paper``, ``ccxt``, ...): the options a broker does not
take (``--exchange``, ``--testnet``) are only passed when given.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import attrs
import typer
from rustybt.broker import Balance, Broker, BrokerOrder, as_sync_broker
from rustybt.errors import BrokerError
from rustybt.plugins import Kind, PluginRegistry

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout, success
from rustybt_cli.sources import ExchangeOption
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt test-broker --broker ccxt --exchange binance --testnet

  rustybt test-broker --broker ccxt --exchange binance --testnet --place-test-order --output json

Credentials of --broker ccxt come from RUSTYBT_<EXCHANGE>_API_KEY and RUSTYBT_<EXCHANGE>_SECRET.
"""


def register(app: typer.Typer) -> None:
    """Add the ``test-broker`` command to ``app``."""
    app.command("test-broker", epilog=EPILOG)(test_broker)


@attrs.frozen(kw_only=True)
class BrokerCheck:
    """What a broker check found: balances, one request's round trip, the test order."""

    broker: str
    balances: dict[str, Balance]
    latency_seconds: float
    placed: BrokerOrder | None = None
    cancelled: BrokerOrder | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals as strings)."""
        return {
            "broker": self.broker,
            "connected": True,
            "latency_ms": round(self.latency_seconds * 1000, 3),
            "balances": {
                currency: {"total": str(b.total), "free": str(b.free)}
                for currency, b in self.balances.items()
            },
            "test_order": None
            if self.placed is None or self.cancelled is None
            else {
                "id": self.placed.id,
                "client_order_id": self.placed.client_order_id,
                "symbol": self.placed.symbol,
                "amount": str(self.placed.amount),
                "limit_price": str(self.placed.limit_price),
                "status": str(self.cancelled.status),
            },
        }


_test_order_ids = itertools.count(1)


@contextmanager
def connected_broker(
    registry: PluginRegistry, name: str, *, exchange: str | None, testnet: bool
) -> Iterator[Broker]:
    """The broker ``name``, connected, closed on exit; ``exchange``/``testnet`` if given."""
    broker = as_sync_broker(
        registry.create(Kind.BROKER, name, exchange=exchange, testnet=testnet or None)
    )
    try:
        broker.connect()
        yield broker
    finally:
        broker.close()


def check_broker(broker: Broker, *, test_order_symbol: str | None) -> BrokerCheck:
    """Time a balance request; with ``test_order_symbol``, place and cancel a resting order.

    The order comes from the broker's optional ``test_order_request``; a broker without it
    cannot place one (BrokerError).
    """
    began = time.perf_counter()
    balances = broker.balances()
    latency = time.perf_counter() - began
    placed = cancelled = None
    if test_order_symbol is not None:
        make_request = getattr(broker, "test_order_request", None)
        if make_request is None:
            raise BrokerError(f"broker '{broker.name}' cannot suggest a test order")
        client_order_id = f"rustybt-test-{int(time.time())}-{next(_test_order_ids)}"
        placed = broker.submit_order(make_request(test_order_symbol, client_order_id))
        cancelled = broker.cancel_order(placed.id)
    return BrokerCheck(
        broker=broker.name,
        balances=balances,
        latency_seconds=latency,
        placed=placed,
        cancelled=cancelled,
    )


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
    symbol: Annotated[str, typer.Option("--symbol", help="Market of the test order.")] = "BTC/USDT",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Connect to a broker, authenticate, and print balances and round-trip latency.

    Exits 1 with a one-line reason: missing credentials (naming the variables to set),
    credentials rejected, or broker unreachable.
    """
    registry = cli_state(ctx).registry
    with connected_broker(registry, broker, exchange=exchange, testnet=testnet) as connected:
        check = check_broker(connected, test_order_symbol=symbol if place_test_order else None)
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
    if check.placed is not None and check.cancelled is not None:
        stdout.print(
            f"Test order {check.placed.client_order_id}: {check.placed.amount} "
            f"{check.placed.symbol} at {check.placed.limit_price}, placed and "
            f"{check.cancelled.status}",
            highlight=False,
        )
