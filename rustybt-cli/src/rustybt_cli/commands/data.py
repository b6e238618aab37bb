"""``rustybt data list`` and ``rustybt data clean``: inspect and prune the bar store."""

from __future__ import annotations

from typing import Annotated

import typer

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout
from rustybt_cli.sources import split_symbols

EPILOG = """Examples:

  rustybt data list

  rustybt data clean --source yfinance --symbols AAPL
"""

data_app = typer.Typer(
    name="data",
    help="Inspect and prune the local bar store (filled by fetch-data and backtests).",
    epilog=EPILOG,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to ``app``."""
    app.add_typer(data_app)


@data_app.command("list", epilog="Example:\n\n  rustybt data list --output json\n")
def list_bars(output: OutputOption = OutputFormat.TABLE) -> None:
    """List every stored series: source, frequency, symbol, rows, dates and provenance."""
    from rustybt.data.store import BarStore

    store = BarStore()
    entries = store.entries()
    if output is OutputFormat.JSON:
        print_json({"store": str(store.root), "series": [e.to_dict() for e in entries]})
        return
    print_table(
        f"Bar store {store.root}",
        ("source", "frequency", "symbol", "rows", "first", "last", "fetched at", "sha256"),
        [
            (
                e.source,
                e.frequency,
                e.symbol,
                e.rows,
                e.first.isoformat(),
                e.last.isoformat(),
                e.fetched_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                e.sha256[:12],
            )
            for e in entries
        ],
    )


@data_app.command("clean", epilog="Example:\n\n  rustybt data clean --source yfinance\n")
def clean_bars(
    source: Annotated[str | None, typer.Option(help="Only this source's bars.")] = None,
    frequency: Annotated[str | None, typer.Option(help="Only bars of this frequency.")] = None,
    symbols: Annotated[
        str | None, typer.Option(help="Only these symbols, comma-separated.")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Delete stored bars (all of them unless filtered) and leftovers of interrupted writes."""
    from rustybt.data.store import BarStore

    removed = BarStore().clean(source=source, frequency=frequency, symbols=split_symbols(symbols))
    if output is OutputFormat.JSON:
        print_json({"removed": [e.to_dict() for e in removed]})
        return
    for entry in removed:
        stdout.print(f"removed {entry.source} {entry.frequency} {entry.symbol}", highlight=False)
    stdout.print(f"{len(removed)} stored series removed", highlight=False)
