"""Writing files so that readers see the old file or the new one, never half of one.

A file is written to a temporary sibling, ``.<name>.<pid>.<random>.tmp``, and renamed over
its target when complete. A process killed mid-write cannot remove its temporary file, so
each write first sweeps the siblings of its target left by processes that no longer run:
the process id in the name tells a dead writer's leftovers from a live writer's work.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.errors import ConfigError


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    The temporary file lives in the same directory (so the rename is atomic), carries this
    process's id, and is removed if the block raises. Temporary files of ``path`` left by
    dead processes (a kill during an earlier write) are removed first. A missing parent
    directory is a :class:`ConfigError`.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise ConfigError(f"cannot write {target}: directory {target.parent} does not exist")
    sweep_leftovers(target)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
    os.close(descriptor)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def sweep_leftovers(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` whose writing process no longer runs; return
    them. Files of running processes, and names not of :func:`atomic_path`'s form, stay."""
    removed = []
    for candidate in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        writer = candidate.name[len(target.name) + 2 :].split(".", 1)[0]
        if writer.isdigit() and not _process_runs(int(writer)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True
