"""``rustybt test-data``: check that a data source delivers valid bars for a symbol."""

from __future__ import annotations

from typing import Annotated

import typer

from rustybt_cli.output import OutputFormat, OutputOption, print_json, stdout, success
from rustybt_cli.sources import DataDirOption, ExchangeOption, FrequencyOption, SourceOption
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt test-data --source sample --symbol AAPL

  rustybt test-data --source sample --symbol MSFT --start 2010-01-04 --end 2010-12-31 --output json

  rustybt test-data --source files --data-dir tests/data/bars --symbol SPY

  rustybt test-data --source ccxt --exchange binance --symbol BTC/USDT
"""


def register(app: typer.Typer) -> None:
    """Add the ``test-data`` command to ``app``."""
    app.command("test-data", epilog=EPILOG)(test_data)


def test_data(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="The symbol to fetch.")],
    source: SourceOption = "sample",
    start: Annotated[
        str | None, typer.Option(help="First date (YYYY-MM-DD); default: the latest bar only.")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last date (YYYY-MM-DD); default: now.")] = None,
    frequency: FrequencyOption = "1d",
    data_dir: DataDirOption = None,
    exchange: ExchangeOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Fetch bars of one symbol from a data source, validate them and report the latest close.

    Exits 1 with a one-line reason when the source is unknown, unreachable, or returns no
    or invalid bars.
    """
    from rustybt.data.probe import probe_source

    registry = cli_state(ctx).registry
    data_source = registry.data_source(source, data_dir=data_dir, exchange=exchange)
    result = probe_source(data_source, symbol, frequency=frequency, start=start, end=end)
    if output is OutputFormat.JSON:
        print_json(result.to_dict())
        return
    success("Data fetched successfully")
    stdout.print(
        f"Source: {result.source}  Symbol: {result.symbol}  Frequency: {result.frequency}\n"
        f"Bars: {result.rows} ({result.first.date()} to {result.last.date()})\n"
        f"Latest close: ${result.latest_close:,.2f} ({result.last.date()})\n"
        f"Latency: {result.latency_seconds * 1000:.1f} ms",
        highlight=False,
    )
