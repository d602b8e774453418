"""One factory per state directory: an OS lock on ``<statedir>/factory.lock``, held for the life of
the process.

The lock is a POSIX record lock (``fcntl.lockf``): the kernel drops it when the process ends,
however it ends (kill -9 included), so a stale lock file never blocks a restart. The file holds the
holder's pid, which the refusal names. Several factories in one process (tests, the demo) share
the lock; read-only tools (``queue-status`` ...) never take it."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from pathlib import Path

LOCK_NAME = "factory.lock"

_held: dict[Path, int] = {}  # lock file -> fd, never closed (closing any fd of it drops the lock)
_guard = threading.Lock()


class StateDirBusy(Exception):
    """Another factory process holds the state directory (the message names its pid)."""


def lock_state_dir(state_dir: Path) -> Path:
    """Take the state directory's lock for this process (again: a no-op); its lock file.
    Raises StateDirBusy when another process holds it, OSError when it cannot be created."""
    path = (state_dir / LOCK_NAME).absolute()
    with _guard:
        if path in _held:
            return path
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise StateDirBusy(
                f"state directory {state_dir} is in use by another factory ({_holder(path)}, lock "
                f"{path}): stop that factory first, or give this one its own [Factory] statedir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[path] = fd
        return path


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "pid unknown"
