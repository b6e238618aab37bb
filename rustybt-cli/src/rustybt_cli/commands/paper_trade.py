"""``rustybt paper-trade``: run a strategy against the paper broker, crash-safe and logged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import attrs
import pandas as pd
import typer
from rustybt.errors import ConfigError
from rustybt.live import parse_duration, run_trading_session
from rustybt.live.config import TradingConfig, load_trading_config

from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table
from rustybt_cli.sources import DataDirOption, split_symbols
from rustybt_cli.state import cli_state

EPILOG = """Examples:

  rustybt paper-trade --strategy examples/sma_crossover.py --broker paper --replay \\
      --start 2012-01-03 --end 2012-02-14 --state paper.sqlite --log-file paper.log

Run the same command again after a crash or Ctrl-C: it resumes from the --state file.
"""


def register(app: typer.Typer) -> None:
    """Add the ``paper-trade`` command to ``app``."""
    app.command("paper-trade", epilog=EPILOG)(paper_trade)


def paper_trade(
    ctx: typer.Context,
    strategy: Annotated[Path, typer.Option(help="The strategy file (same as for rustybt run).")],
    log_file: Annotated[Path, typer.Option(help="Write the JSON-lines event log here.")],
    broker: Annotated[
        str | None, typer.Option(help="Broker name (default: the config's, else paper).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="paper_trading.yaml (broker, data, logging, risk, state).")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Data source; overrides the config's data.source.")
    ] = None,
    data_dir: DataDirOption = None,
    symbols: Annotated[
        str | None, typer.Option(help="Extra symbols to load, comma-separated.")
    ] = None,
    replay: Annotated[bool, typer.Option(help="Replay stored bars from --start to --end.")] = False,
    start: Annotated[str | None, typer.Option(help="First session to replay (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last session to replay (YYYY-MM-DD).")] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0, help="Replay speed: 0 = as fast as possible, 3600 = an hour per second."
        ),
    ] = 0.0,
    duration: Annotated[
        str | None, typer.Option(help="Stop after this much trading time: 30d, 24h, 90m.")
    ] = None,
    state: Annotated[
        Path | None, typer.Option(help="State file to resume from and checkpoint to.")
    ] = None,
    heartbeat_interval: Annotated[
        float | None, typer.Option(help="Seconds between heartbeat events.")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Paper-trade a strategy: the backtest's fills, journaled so a crash loses nothing.

    Without --replay the session trades live: each bar is fetched from the data source
    when it closes, for --duration (default 30d).
    """
    settings = load_trading_config(config) if config else TradingConfig()
    settings = attrs.evolve(
        settings,
        broker=attrs.evolve(settings.broker, type=broker or settings.broker.type),
        data=attrs.evolve(
            settings.data,
            source=source or settings.data.source,
            data_dir=str(data_dir) if data_dir else settings.data.data_dir,
        ),
        logging=attrs.evolve(
            settings.logging,
            heartbeat_interval=heartbeat_interval or settings.logging.heartbeat_interval,
        ),
    )
    if replay and (start is None or end is None):
        raise ConfigError("--replay needs --start and --end")
    length = parse_duration(duration) if duration else None
    if not replay:
        if start is not None or end is not None:
            raise ConfigError("--start and --end go with --replay; a live session starts now")
        today = pd.Timestamp.now(tz="UTC").normalize()
        start, end = today, today + (length or pd.Timedelta(days=30))
    state_file = state or Path(settings.state.file or "paper_state.sqlite")
    summary = run_trading_session(
        strategy,
        config=settings,
        log_file=log_file,
        state_file=state_file,
        start=start,
        end=end,
        speed=speed,
        symbols=split_symbols(symbols),
        duration=length,
        feed="replay" if replay else "poll",
        registry=cli_state(ctx).registry,
    )
    if output is OutputFormat.JSON:
        print_json({**summary.to_dict(), "state_file": str(state_file), "log_file": str(log_file)})
        return
    rows = [
        ("stopped", summary.stopped),
        ("portfolio value", f"{summary.portfolio_value:,.2f}"),
        ("cash", f"{summary.cash:,.2f}"),
        ("positions", ", ".join(f"{s} {a}" for s, a in summary.positions.items()) or "none"),
        ("fills", str(summary.fills)),
        ("first bar", summary.first_bar or "-"),
        ("last bar", summary.last_bar or "-"),
        ("resumed from", summary.resumed_from or "-"),
        ("state file", str(state_file)),
    ]
    print_table("Paper trading session", ("", ""), rows)
