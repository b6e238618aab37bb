"""One writer per state file: an operating-system lock held for a whole session.

Two sessions on one state file would each place every order. A session takes an exclusive,
non-blocking lock on ``<state file>.lock`` (created with mode 0600, holding the owner's
process id) before it opens the state file, and keeps it until it ends; the operating
system releases it when the process dies, so a killed session never leaves it stuck.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.errors import ConfigError

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class StateFileInUse(ConfigError):
    """Another process holds the state file's lock."""


def lock_path(state_file: str | Path) -> Path:
    """The lock file that guards ``state_file``."""
    return Path(f"{state_file}.lock")


@contextmanager
def exclusive_state_file(state_file: str | Path) -> Iterator[None]:
    """Hold the lock on ``state_file`` while inside; raise :class:`StateFileInUse`, naming
    the holder's process id, when another process holds it."""
    path = lock_path(state_file)
    if not path.parent.is_dir():
        raise ConfigError(
            f"cannot use state file {state_file}: directory {path.parent} does not exist"
        )
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot lock state file {state_file}: {exc.strerror or exc}") from None
    try:
        try:
            _try_lock(fd)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise StateFileInUse(
                f"state file {state_file} is in use by process {holder}; stop that session "
                f"first (--stop with the same --state) or use another --state"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)
