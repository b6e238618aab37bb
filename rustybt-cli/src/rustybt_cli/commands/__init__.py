"""Core's commands. Each module has ``register(app)``; add a new command module here."""

from rustybt_cli.commands import benchmark, plugins, run, test_data

COMMAND_MODULES = (run, benchmark, test_data, plugins)
