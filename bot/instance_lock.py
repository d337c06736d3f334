"""One server per SQLite file: docs/operations.md allows a single instance on SQLite, so a second `serve`,
`socket`, `teams` or `lineworks` on the same file is refused instead of taking over the first one's posts."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO

try:  # POSIX; on Windows msvcrt's byte lock does the same job
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class InstanceBusy(Exception):
    """Another server holds this SQLite file."""


def lock_path(database_url: str) -> Path | None:
    """The lock file beside an SQLite database file (None for PostgreSQL or an in-memory database)."""
    head, sep, rest = database_url.partition(":///")
    if not sep or not head.startswith("sqlite") or not rest or rest.startswith((":memory:", "file:")):
        return None
    return Path(rest).with_name(Path(rest).name + ".instance.lock")


def take(database_url: str) -> IO[str] | None:
    """Hold the server lock of an SQLite database until the returned file is closed (or the process ends);
    InstanceBusy when another process holds it. None when there is nothing to lock (PostgreSQL, or a folder the
    lock file cannot be written to: opening the database will say what is wrong)."""
    path = lock_path(database_url)
    if path is None:
        return None
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the life of the server
    except OSError:
        return None
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        handle.close()
        raise InstanceBusy(str(path)) from None
    return handle


def release(handle: IO[str] | None) -> None:
    """Give the lock back (closing the file releases it)."""
    if handle is not None:
        with contextlib.suppress(OSError):
            handle.close()
