"""Core's commands. Each module has ``register(app)``; add a new command module here."""

from rustybt_cli.commands import (
    alert_check,
    analyze_uptime,
    benchmark,
    broker_check,
    data,
    data_check,
    fetch_data,
    plugin,
    plugins,
    report,
    run,
    sweep,
    trade,
    verify_config,
)

COMMAND_MODULES = (
    run,
    sweep,
    report,
    trade,
    benchmark,
    data_check,
    fetch_data,
    data,
    plugins,
    plugin,
    analyze_uptime,
    alert_check,
    broker_check,
    verify_config,
)
