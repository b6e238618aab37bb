"""What ``rustybt`` exits with, and the one line it prints on stderr when that is not 0.

:class:`ExitCode` holds every code the command can return; the "Exit codes" table of
docs/cli.md lists exactly these, each with an example line (a test holds the two together).
:func:`failure` turns whatever ended a command early into its code and its line.
"""

from __future__ import annotations

import errno
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from types import FrameType

import typer
from rustybt.errors import RustyBTError


class ExitCode(IntEnum):
    """Every code ``rustybt`` exits with. Each but :attr:`OK` comes with exactly one line on
    stderr, ``error: <message>`` (``--debug`` adds the traceback above it)."""

    OK = 0
    """The command did what it was asked (a trading session stopped by ``--stop``, its
    kill switch or a signal included)."""
    FAILED = 1
    """An error RustyBT reports on purpose, a check that failed (:class:`CheckFailed`), or
    a bug (its line says so)."""
    USAGE = 2
    """The command line is wrong: an unknown command or option, a missing or bad value."""
    CODE_EXITED = 3
    """Code the command ran, a strategy or a plugin, called ``sys.exit()``."""
    INTERRUPTED = 128 + signal.SIGINT
    """SIGINT (Ctrl-C) arrived outside a trading session's bars."""
    TERMINATED = 128 + signal.SIGTERM
    """SIGTERM arrived outside a trading session's bars."""


class CheckFailed(RustyBTError):
    """A check ran and what it checks did not pass: a config with problems, uptime below
    its target, an alert channel that did not deliver, a benchmark regression. The report
    is on stdout; the message sums it up."""


class Signalled(BaseException):
    """SIGINT or SIGTERM arrived while :func:`signals_end_the_command` held.

    A ``BaseException`` like ``KeyboardInterrupt``, so code that catches ``Exception`` (a
    strategy loader, a plugin) lets it through.
    """

    def __init__(self, signum: int) -> None:
        self.signal = signal.Signals(signum)
        super().__init__(self.signal.name)


@contextmanager
def signals_end_the_command() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise :class:`Signalled`, so either ends the command
    with one line instead of a traceback (SIGINT) or silence (SIGTERM). A trading session
    sets its own handlers while it trades, and stops cleanly. Off the main thread, where
    handlers cannot be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Signalled(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def failure(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and the one-line message (without ``error: ``) for ``exc``, which
    ended a command early."""
    code, message = _failure(exc)
    return code, " ".join(message.split())


def exited_with(code: int) -> tuple[ExitCode, str]:
    """The exit code and message for a command that raised ``typer.Exit(code)`` itself
    (core's commands raise :class:`CheckFailed` instead; a plugin's may not), or whose code
    raised ``KeyboardInterrupt``, which Typer turns into ``Exit(130)``."""
    if code == ExitCode.INTERRUPTED:
        return ExitCode.INTERRUPTED, "stopped by SIGINT"
    return ExitCode.FAILED, (
        f"the command ended with exit code {code} (a plugin command should raise a "
        "RustyBTError giving its reason, not typer.Exit)"
    )


def _failure(exc: BaseException) -> tuple[ExitCode, str]:
    if isinstance(exc, RustyBTError):
        return ExitCode.FAILED, str(exc)
    if isinstance(exc, typer.TyperException):  # Typer's usage errors (exit code 2) and others
        return _typer_error(exc)
    if isinstance(exc, Signalled):
        return ExitCode(128 + exc.signal), f"stopped by {exc.signal.name}"
    if isinstance(exc, KeyboardInterrupt):  # raised by hand, or before the handler was set
        return ExitCode.INTERRUPTED, "stopped by SIGINT"
    if isinstance(exc, SystemExit):
        return _system_exit(exc)
    if isinstance(exc, typer.Abort):
        return ExitCode.FAILED, "aborted"
    return ExitCode.FAILED, (
        f"unexpected {type(exc).__name__}: {exc} "
        "(this is a bug in RustyBT or a plugin; rerun with --debug for the traceback)"
    )


def _typer_error(exc: typer.TyperException) -> tuple[ExitCode, str]:
    code = ExitCode.USAGE if exc.exit_code == ExitCode.USAGE else ExitCode.FAILED
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return code, exc.format_message()
    message = exc.format_message().rstrip(".")
    # Typer's own test: `rustybt` alone raises this after printing the help on stdout.
    if type(exc).__name__ == "NoArgsIsHelpError":
        message = "no command given"
    return code, f"{message} (see '{ctx.command_path} {ctx.help_option_names[0]}')"


def _system_exit(exc: SystemExit) -> tuple[ExitCode, str]:
    # Typer ends with sys.exit(1) when stdout is a pipe closed early (`rustybt ... | head`).
    context = exc.__context__
    if isinstance(context, OSError) and context.errno == errno.EPIPE:
        return ExitCode.FAILED, "stdout was closed before the output was written (broken pipe)"
    where = "an unknown place"
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        where = f"{code.co_filename}:{tb.tb_lineno} in {code.co_name}"
        tb = tb.tb_next
    called = "sys.exit()" if exc.code is None else f"sys.exit({exc.code!r})"
    return ExitCode.CODE_EXITED, (
        f"{called} at {where} ended the command; a strategy or plugin must not exit the "
        "process (a strategy ends by returning; stop a session with --stop)"
    )
