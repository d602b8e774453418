"""Starting payload processes and forwarding termination signals to them.

The stage installs one :class:`Forwarder`. While a payload runs, SIGTERM, SIGINT, SIGQUIT, SIGHUP,
SIGUSR1 and SIGUSR2 sent to the stage are passed on to it (the payload decides what to do). With no
payload running, a termination signal raises :class:`Interrupted` so the stage stops where it is."""

from __future__ import annotations

import logging
import os
import resource
import shlex
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .exitcodes import RUN_START, Interrupted, StageError

log = logging.getLogger("wrapper.payload")

FORWARDED = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2")
TERMINATING = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP")


@dataclass(frozen=True)
class Limit:
    """A resource limit of the payload, as ``ulimit -v`` / ``ulimit -f`` set it (soft and hard)."""

    name: str  # "vmem" or "fsize"
    kbytes: int

    @property
    def resource(self) -> int:
        return resource.RLIMIT_AS if self.name == "vmem" else resource.RLIMIT_FSIZE


def _limiter(limits: Sequence[Limit]) -> Callable[[], None]:
    """What the child runs before exec: lower each limit (never above the hard limit it has)."""
    wanted = [(lim.resource, lim.kbytes * 1024) for lim in limits]

    def apply() -> None:
        for res, value in wanted:
            hard = resource.getrlimit(res)[1]
            if hard != resource.RLIM_INFINITY and value > hard:
                value = hard
            try:
                resource.setrlimit(res, (value, value))
            except (ValueError, OSError):
                pass

    return apply


def exit_status(returncode: int) -> int:
    """A Popen return code as a shell exit status (killed by signal n: 128 + n)."""
    return 128 - returncode if returncode < 0 else returncode


class Forwarder:
    """Forwards the signals the wrapper gets to its payload's processes."""

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
        self,
        argv: Sequence[str],
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        limits: Sequence[Limit] = (),
    ) -> subprocess.Popen[bytes]:
        """Start ``argv``; signals are forwarded to it until :meth:`release`. Raises StageError."""
        log.info("starting payload: %s (in %s)", shlex.join(argv), cwd or os.getcwd())
        for lim in limits:
            log.info("payload limit: %s %d kB", lim.name, lim.kbytes)
        try:
            child = subprocess.Popen(
                list(argv), cwd=cwd, env=env, preexec_fn=_limiter(limits) if limits else None
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "strerror", None) or exc
            raise StageError(RUN_START, f"cannot start {argv[0]}: {detail}") from None
        self.children.append(child)
        return child

    def release(self, child: subprocess.Popen[bytes]) -> None:
        if child in self.children:
            self.children.remove(child)

    def run(
        self,
        argv: Sequence[str],
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        limits: Sequence[Limit] = (),
    ) -> int:
        """Run ``argv`` to its end; its exit status (128 + n when killed by signal n)."""
        child = self.start(argv, cwd, env, limits)
        try:
            rc = child.wait()
        finally:
            self.release(child)
        status = exit_status(rc)
        log.info("payload pid %d exited with status %d", child.pid, status)
        return status


FORWARDER = Forwarder()
