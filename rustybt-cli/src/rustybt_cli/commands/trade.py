"""``rustybt paper-trade`` and ``rustybt live-trade``: one strategy, executed through a broker.

Both run the same session (see :mod:`rustybt.live`); live trading only adds ``--confirm``
for brokers that move real money, and starts from the broker account as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rustybt.errors import ConfigError

from rustybt_cli.commands.run import DefineOption, ParamsFileOption
from rustybt_cli.output import OutputFormat, OutputOption, print_json, print_table, stdout
from rustybt_cli.sources import DataDirOption, ExchangeOption, split_symbols
from rustybt_cli.state import cli_state

if TYPE_CHECKING:
    from rustybt.live.config import TradingConfig


PAPER_EPILOG = """Examples:

  rustybt paper-trade --strategy examples/sma_crossover.py --broker paper --replay \\
      --start 2012-01-03 --end 2012-02-14 --state paper.sqlite --log-file paper.log

  rustybt paper-trade --strategy validation_strategy.py --broker paper --duration 30d \\
      --config paper_trading.yaml --log-file paper_trade.log

Run the same command again after a crash or Ctrl-C: it resumes from the --state file.
"""

LIVE_EPILOG = """Examples:

  rustybt live-trade --strategy strategy.py --broker ccxt --exchange binance --testnet \\
      --confirm --config live.yaml --log-file live.log
"""

Strategy = Annotated[
    Path | None, typer.Option(help="The strategy file (same as for rustybt run); required.")
]
LogFile = Annotated[
    Path | None, typer.Option(help="Write the JSON-lines event log here; required.")
]
LogLevel = Annotated[
    str | None, typer.Option(help="Lowest level logged: DEBUG, INFO, WARNING or ERROR.")
]
Stop = Annotated[
    bool,
    typer.Option(
        "--stop",
        help="Ask the session running with this --state (or config) to stop, then exit.",
    ),
]
Broker = Annotated[str | None, typer.Option(help="Broker name (default: the config's).")]
Config = Annotated[
    Path | None,
    typer.Option(help="Trading config YAML (broker, data, logging, risk, state, alerts)."),
]
Source = Annotated[
    str | None, typer.Option(help="Data source; overrides the config's data.source.")
]
Symbols = Annotated[str | None, typer.Option(help="Extra symbols to load, comma-separated.")]
Replay = Annotated[bool, typer.Option(help="Replay stored bars from --start to --end.")]
Start = Annotated[str | None, typer.Option(help="First session to replay (YYYY-MM-DD).")]
End = Annotated[str | None, typer.Option(help="Last session to replay (YYYY-MM-DD).")]
Speed = Annotated[
    float,
    typer.Option(min=0, help="Replay speed: 0 = as fast as possible, 3600 = an hour a second."),
]
Duration = Annotated[
    str | None, typer.Option(help="Stop after this much trading time: 30d, 24h, 90m.")
]
State = Annotated[Path | None, typer.Option(help="State file to resume from and checkpoint to.")]
Heartbeat = Annotated[float | None, typer.Option(help="Seconds between heartbeat events.")]
AcceptBrokerState = Annotated[
    bool, typer.Option(help="Trade from the broker's positions when they differ from the state.")
]


def register(app: typer.Typer) -> None:
    """Add ``paper-trade`` and ``live-trade`` to ``app``."""
    app.command("paper-trade", epilog=PAPER_EPILOG)(paper_trade)
    app.command("live-trade", epilog=LIVE_EPILOG)(live_trade)


def paper_trade(
    ctx: typer.Context,
    strategy: Strategy = None,
    log_file: LogFile = None,
    broker: Broker = None,
    config: Config = None,
    source: Source = None,
    exchange: ExchangeOption = None,
    data_dir: DataDirOption = None,
    symbols: Symbols = None,
    replay: Replay = False,
    start: Start = None,
    end: End = None,
    speed: Speed = 0.0,
    duration: Duration = None,
    state: State = None,
    heartbeat_interval: Heartbeat = None,
    log_level: LogLevel = None,
    stop: Stop = False,
    define: DefineOption = None,
    params_file: ParamsFileOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Paper-trade a strategy: the backtest's fills, journaled so a crash loses nothing.

    Without --replay the session trades live: each bar is fetched from the data source
    when it closes, for --duration (default 30d).
    """
    from rustybt.live import TradingOverrides, trading_settings

    overrides = TradingOverrides(
        broker=broker,
        source=source,
        data_dir=data_dir,
        exchange=exchange,
        heartbeat_interval=heartbeat_interval,
        log_level=log_level,
    )
    _run(
        ctx,
        "paper",
        trading_settings("paper", config=config, overrides=overrides),
        strategy=strategy,
        log_file=log_file,
        symbols=symbols,
        replay=replay,
        start=start,
        end=end,
        speed=speed,
        duration=duration,
        state=state,
        accept_broker_state=False,
        stop=stop,
        define=define or [],
        params_file=params_file,
        output=output,
    )


def live_trade(
    ctx: typer.Context,
    strategy: Strategy = None,
    log_file: LogFile = None,
    broker: Broker = None,
    exchange: ExchangeOption = None,
    testnet: Annotated[bool, typer.Option(help="Use the exchange's sandbox.")] = False,
    confirm: Annotated[bool, typer.Option(help="Required to trade with a real broker.")] = False,
    accept_broker_state: AcceptBrokerState = False,
    config: Config = None,
    source: Source = None,
    data_dir: DataDirOption = None,
    symbols: Symbols = None,
    replay: Replay = False,
    start: Start = None,
    end: End = None,
    speed: Speed = 0.0,
    duration: Duration = None,
    state: State = None,
    heartbeat_interval: Heartbeat = None,
    log_level: LogLevel = None,
    stop: Stop = False,
    define: DefineOption = None,
    params_file: ParamsFileOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Trade a strategy live through a broker (orders are real unless --testnet)."""
    from rustybt.live import TradingOverrides, trading_settings
    from rustybt.plugins import Kind

    overrides = TradingOverrides(
        broker=broker,
        source=source,
        data_dir=data_dir,
        exchange=exchange,
        testnet=testnet,
        heartbeat_interval=heartbeat_interval,
        log_level=log_level,
    )
    settings = trading_settings("live", config=config, overrides=overrides)
    cli_state(ctx).registry.registration(Kind.BROKER, settings.broker.type)
    if settings.broker.type != "paper" and not confirm:
        raise ConfigError(
            f"live trading through '{settings.broker.type}' places real orders; add --confirm"
        )
    _run(
        ctx,
        "live",
        settings,
        strategy=strategy,
        log_file=log_file,
        symbols=symbols,
        replay=replay,
        start=start,
        end=end,
        speed=speed,
        duration=duration,
        state=state,
        accept_broker_state=accept_broker_state,
        stop=stop,
        define=define or [],
        params_file=params_file,
        output=output,
    )


def _run(
    ctx: typer.Context,
    mode: str,
    settings: TradingConfig,
    *,
    strategy: Path | None,
    log_file: Path | None,
    symbols: str | None,
    replay: bool,
    start: str | None,
    end: str | None,
    speed: float,
    duration: str | None,
    state: Path | None,
    accept_broker_state: bool,
    stop: bool,
    define: list[str],
    params_file: Path | None,
    output: OutputFormat,
) -> None:
    from rustybt.live import request_stop, state_file_of, trade
    from rustybt.params import command_line_params, params_text

    state_file = state_file_of(mode, settings, state)
    if stop:
        switch = request_stop(settings, state_file)
        stdout.print(f"Stop requested ({switch}): the session stops before its next bar.")
        return
    summary = trade(
        mode,
        strategy=strategy,
        log_file=log_file,
        settings=settings,
        state_file=state_file,
        symbols=split_symbols(symbols),
        replay=replay,
        start=start,
        end=end,
        speed=speed,
        duration=duration,
        accept_broker_state=accept_broker_state,
        registry=cli_state(ctx).registry,
        params=command_line_params(define, params_file),
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
        ("parameters", params_text(summary.params)),
        ("state file", str(state_file)),
    ]
    print_table(f"{mode.capitalize()} trading session", ("", ""), rows)
