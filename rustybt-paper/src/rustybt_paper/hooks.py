"""Registers the ``paper`` broker and its benchmarks: ``broker-paper-round-trip`` and
``paper-replay-w1-daily-1-asset-20y``."""

from __future__ import annotations

from typing import Any

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory


def paper_broker(*, initial_capital: Any = 100000, currency: str = "USD") -> Any:
    """A fresh simulated account holding ``initial_capital`` in ``currency``."""
    from rustybt_paper.broker import PaperBroker

    return PaperBroker(initial_capital=initial_capital, currency=currency)


@hookimpl
def rustybt_register_brokers(register: Register) -> None:
    """Register the ``paper`` broker."""
    register("paper", paper_broker)


@hookimpl
def rustybt_register_benchmarks(register: Register) -> None:
    """Register ``broker-paper-round-trip`` (submit-to-fill latency, p50 and p99) and
    ``paper-replay-w1-daily-1-asset-20y`` (a speed-0 paper replay against its backtest)."""
    register(
        "broker-paper-round-trip",
        LazyFactory("rustybt_paper.round_trip_benchmark:order_round_trip"),
    )
    register(
        "paper-replay-w1-daily-1-asset-20y",
        LazyFactory("rustybt_paper.replay_benchmark:paper_replay_w1"),
    )
