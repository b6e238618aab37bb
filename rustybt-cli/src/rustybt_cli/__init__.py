"""The ``rustybt`` command line, built with Typer on top of ``rustybt-core``."""
