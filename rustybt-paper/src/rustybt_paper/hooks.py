"""Registers the ``paper`` broker."""

from __future__ import annotations

from typing import Any

from rustybt.hookspecs import Register, hookimpl


def paper_broker(*, initial_capital: Any = 100000, currency: str = "USD") -> Any:
    """A fresh simulated account holding ``initial_capital`` in ``currency``."""
    from rustybt_paper.broker import PaperBroker

    return PaperBroker(initial_capital=initial_capital, currency=currency)


@hookimpl
def rustybt_register_brokers(register: Register) -> None:
    """Register the ``paper`` broker."""
    register("paper", paper_broker)
