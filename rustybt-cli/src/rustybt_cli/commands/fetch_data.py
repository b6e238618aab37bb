"""``rustybt fetch-data``: fill the bar store from a data source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rustybt.errors import ConfigError

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table
from rustybt_cli.progress import progress_bar
from rustybt_cli.sources import (
    DataDirOption,
    ExchangeOption,
    FrequencyOption,
    SourceOption,
    split_symbols,
)
from rustybt_cli.state import cli_state

if TYPE_CHECKING:
    import pandas as pd


EPILOG = """Examples:

  rustybt fetch-data --source yfinance --symbols AAPL,MSFT --start 2024-01-01

  rustybt fetch-data --source yfinance --symbols SPY --start 2024-01-01 --end 2024-06-30 \\
      --output json
"""


def register(app: typer.Typer) -> None:
    """Add the ``fetch-data`` command to ``app``."""
    app.command("fetch-data", epilog=EPILOG)(fetch_data)


def fetch_data(
    ctx: typer.Context,
    symbols: Annotated[str, typer.Option(help="Symbols to fetch, comma-separated.")],
    start: Annotated[str, typer.Option(help="First date, YYYY-MM-DD.")],
    source: SourceOption = "yfinance",
    exchange: ExchangeOption = None,
    data_dir: DataDirOption = None,
    end: Annotated[str | None, typer.Option(help="Last date, YYYY-MM-DD; default: now.")] = None,
    frequency: FrequencyOption = "1d",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Download bars into the local bar store, so backtests never fetch them again.

    Only the dates not stored yet are requested; the table says per symbol whether the
    bars came from the store (cached) or the source (fetched). A source with corporate
    actions (yfinance) has its splits and dividends stored too; the table counts them.
    """
    import pandas as pd
    from rustybt.data.actions import has_actions
    from rustybt.data.schema import date_option
    from rustybt.data.store import BarStore, dataset_name

    wanted = split_symbols(symbols)
    if not wanted:
        raise ConfigError("--symbols needs at least one symbol, e.g. --symbols AAPL,MSFT")
    data_source = cli_state(ctx).registry.data_source(source, exchange=exchange, data_dir=data_dir)
    start_at = date_option("start", start)
    end_at = date_option("end", end) if end is not None else pd.Timestamp.now(tz="UTC")
    store = BarStore()
    with progress_bar(f"Fetching from {source}") as update:
        results = store.fill(data_source, wanted, start_at, end_at, frequency, progress=update)
    counts: dict[str, tuple[int, int]] = {}
    if has_actions(data_source):
        stored = store.load_actions(dataset_name(data_source), wanted, start_at, end_at)
        counts = {symbol: _counts(stored, symbol) for symbol in wanted}
    if output is OutputFormat.JSON:
        symbols = [result.to_dict() for result in results]
        for entry in symbols:
            splits, dividends = counts.get(entry["symbol"], (None, None))
            entry.update(splits=splits, dividends=dividends)
        print_json(
            {
                "source": source,
                "frequency": frequency,
                "store": str(store.dataset_dir(dataset_name(data_source), frequency)),
                "symbols": symbols,
            }
        )
        return
    columns: tuple[str, ...] = ("symbol", "rows", "first", "last", "status")
    rows: list[tuple[object, ...]] = [
        (r.symbol, r.rows, _day(r.first), _day(r.last), r.status) for r in results
    ]
    if counts:
        columns = (*columns, "splits", "dividends")
        rows = [(*row, *counts[result.symbol]) for row, result in zip(rows, results, strict=True)]
    print_table(
        f"{source} {frequency} bars in {store.dataset_dir(dataset_name(data_source), frequency)}",
        columns,
        rows,
    )


def _counts(actions: pd.DataFrame, symbol: str) -> tuple[int, int]:
    """How many splits and dividends of ``symbol`` ``actions`` hold."""
    from rustybt.data.actions import DIVIDEND, SPLIT

    kinds = actions.loc[actions["symbol"] == symbol, "kind"]
    return int((kinds == SPLIT).sum()), int((kinds == DIVIDEND).sum())


def _day(stamp: pd.Timestamp | None) -> str | None:
    if stamp is None:
        return None
    return str(stamp.date()) if stamp == stamp.normalize() else stamp.isoformat()
