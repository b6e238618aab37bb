"""Command-line options shared by every command that reads market data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SourceOption = Annotated[
    str,
    typer.Option(
        "--source",
        help="Registered data source name (see `rustybt plugins`): sample, files, ...",
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Directory of SYMBOL.csv / SYMBOL.parquet files (--source files)."
    ),
]
ExchangeOption = Annotated[
    str | None,
    typer.Option(
        "--exchange",
        help="Exchange id for --source ccxt / --broker ccxt: binance, kraken, okx, ...",
    ),
]
FrequencyOption = Annotated[
    str, typer.Option("--frequency", help="Bar frequency: 1m, 5m, 15m, 1h or 1d.")
]


def split_symbols(symbols: str | None) -> list[str]:
    """``"AAPL, MSFT"`` as ``["AAPL", "MSFT"]``; None as an empty list."""
    return [s.strip() for s in (symbols or "").split(",") if s.strip()]
