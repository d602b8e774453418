"""Tell the service manager how the factory is doing: systemd's ``sd_notify`` protocol, standard
library only.

With ``Type=notify`` systemd passes ``$NOTIFY_SOCKET`` (a unix datagram socket path, or an
abstract one starting with ``@``); each state is one datagram of ``KEY=VALUE`` lines: ``READY=1``
once the configuration is loaded and the queues run, ``RELOADING=1`` (with ``MONOTONIC_USEC``)
while a SIGHUP reload runs, then ``READY=1`` again, ``STOPPING=1`` when the bounded stop begins,
and ``STATUS=`` lines ``systemctl status`` shows. Without ``$NOTIFY_SOCKET`` (run by hand, by
another service manager, in tests) every call does nothing. A failed send is logged once and never
raised: the factory does not stop because its service manager went away."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import MutableMapping

log = logging.getLogger("autopyfactory.factory")


def socket_address(value: str) -> str | None:
    """The address to send to: a path, or an abstract socket (``@name`` becomes ``\\0name``)."""
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    return value if value.startswith("/") else None


def send(address: str, state: str) -> None:
    """One datagram ``state`` to ``address``; raises OSError."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(state.encode("utf-8"))


class ServiceNotifier:
    """The daemon's messages to its service manager (a no-op without one)."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self._failed = False

    @classmethod
    def from_environment(cls, environ: MutableMapping[str, str] | None = None) -> ServiceNotifier:
        """The notifier for ``$NOTIFY_SOCKET``, which is then removed from the environment so the
        processes the factory starts (pilots, ``condor_submit``, ``sbatch``) do not inherit it."""
        env = os.environ if environ is None else environ
        return cls(socket_address(env.pop("NOTIFY_SOCKET", "")))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> bool:
        """Send ``lines`` as one message; False when there is no service manager or it failed."""
        if self.address is None:
            return False
        try:
            send(self.address, "\n".join(lines))
        except OSError as exc:
            if not self._failed:
                log.warning("cannot notify the service manager at %s: %s", self.address.lstrip("\0"), exc)
                self._failed = True
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def reloading(self) -> bool:
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}", "STATUS=reloading")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1", "STATUS=stopping")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")
