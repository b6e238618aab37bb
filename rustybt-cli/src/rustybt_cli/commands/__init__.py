"""Core's commands. Each module has ``register(app)``; add a new command module here."""

from rustybt_cli.commands import (
    analyze_uptime,
    benchmark,
    data,
    fetch_data,
    plugins,
    run,
    test_alerts,
    test_broker,
    test_data,
    trade,
    verify_config,
)

COMMAND_MODULES = (
    run,
    trade,
    benchmark,
    test_data,
    fetch_data,
    data,
    plugins,
    analyze_uptime,
    test_alerts,
    test_broker,
    verify_config,
)
