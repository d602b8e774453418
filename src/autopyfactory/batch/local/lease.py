"""The right to start, adopt and reap the pilots of one local registry: one process at a time.

An exclusive ``flock`` on ``local-pilots.lock`` in the state directory, held for the life of the
process that owns the registry (the factory). The kernel drops it when that process dies, however
it dies, so a restarted factory takes over at once; a second process (a second factory on the same
state directory, or an operator tool) never gets it while the first lives."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class OwnerLease:
    """An OS lock that makes one process the owner of a Local registry (the one that reaps and
    starts pilots)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lease if free (never waits); True when this object holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """Who holds it, as far as the lock file says (for messages)."""
        try:
            return self.path.read_text(encoding="ascii").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
