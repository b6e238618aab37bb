"""The plugin's hooks: registers the ``yfinance`` data source.

Kept light: yfinance itself is imported only when the source first talks to Yahoo.
"""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl

from rustybt_yfinance.source import YFinanceSource


@hookimpl
def rustybt_register_data_sources(register: Register) -> None:
    """Register the ``yfinance`` source."""
    register("yfinance", YFinanceSource)
