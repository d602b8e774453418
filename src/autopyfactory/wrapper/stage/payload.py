"""Starting payload processes and forwarding termination signals to them.

The stage installs one :class:`Forwarder`. While a payload runs, SIGTERM, SIGINT, SIGQUIT, SIGHUP,
SIGUSR1 and SIGUSR2 sent to the stage are passed on to it (the payload decides what to do). With no
payload running, a termination signal raises :class:`Interrupted` so the stage stops where it is."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
from collections.abc import Sequence

from .exitcodes import RUN_START, Interrupted, StageError

log = logging.getLogger("wrapper.payload")

FORWARDED = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2")
TERMINATING = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP")


def exit_status(returncode: int) -> int:
    """A Popen return code as a shell exit status (killed by signal n: 128 + n)."""
    return 128 - returncode if returncode < 0 else returncode


class Forwarder:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.received: list[int] = []

    def install(self) -> None:
        for name in FORWARDED:
            sig = getattr(signal, name, None)
            if sig is not None:
                signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        self.received.append(signum)
        live = [c for c in self.children if c.poll() is None]
        if live:
            name = signal.Signals(signum).name
            for child in live:
                log.info("forwarding %s to payload pid %d", name, child.pid)
                try:
                    child.send_signal(signum)
                except ProcessLookupError:
                    pass
            return
        if signal.Signals(signum).name in TERMINATING:
            raise Interrupted(signum)

    def start(
        self, argv: Sequence[str], cwd: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv``; signals are forwarded to it until :meth:`release`. Raises StageError."""
        log.info("starting payload: %s (in %s)", shlex.join(argv), cwd or os.getcwd())
        try:
            child = subprocess.Popen(list(argv), cwd=cwd, env=env)
        except OSError as exc:
            raise StageError(RUN_START, f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        self.children.append(child)
        return child

    def release(self, child: subprocess.Popen[bytes]) -> None:
        if child in self.children:
            self.children.remove(child)

    def run(self, argv: Sequence[str], cwd: str | None = None, env: dict[str, str] | None = None) -> int:
        """Run ``argv`` to its end; its exit status (128 + n when killed by signal n)."""
        child = self.start(argv, cwd, env)
        try:
            rc = child.wait()
        finally:
            self.release(child)
        status = exit_status(rc)
        log.info("payload pid %d exited with status %d", child.pid, status)
        return status


FORWARDER = Forwarder()
