"""Running the testbed server: in a thread of this process (tests), or as a child process (demo)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import uvicorn

from autopyfactory.testbed.client import TestbedClient
from autopyfactory.testbed.heartbeat import Clock, HeartbeatPolicy
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.server import create_app
from autopyfactory.testbed.store import JobStore


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def serve_forever(
    store: JobStore, host: str, port: int, storage: str | None = None, pilot3: bytes | None = None
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM."""
    sock = bind(host, port)
    app = create_app(store, storage, pilot3=pilot3)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


class ThreadedTestbed:
    """The server on a free port in a background thread; ``store`` is shared with the caller."""

    def __init__(
        self,
        sites: list[Site],
        db: Path | str = ":memory:",
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        heartbeat: HeartbeatPolicy | None = None,
        check_every: float = 30.0,
        pilot3: bytes | None = None,
    ) -> None:
        self.store = JobStore(db, clock, heartbeat) if clock else JobStore(db, heartbeat=heartbeat)
        for s in sites:
            self.store.put_site(s)
        self._sock = bind(host, 0)
        self.url = f"http://{host}:{self._sock.getsockname()[1]}"
        app = create_app(self.store, check_every=check_every, pilot3=pilot3)
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> ThreadedTestbed:
        self._thread.start()
        with TestbedClient(self.url) as c:
            c.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        self.store.close()


class TestbedProcess:
    """``autopyfactory testbed serve`` as a child process in its own session (so a Ctrl-C in the
    terminal reaches only the caller, which then stops it)."""

    def __init__(
        self, db: Path, sites: list[str], log_file: Path, host: str = "127.0.0.1", extra: tuple[str, ...] = ()
    ) -> None:
        with socket.socket() as s:
            s.bind((host, 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://{host}:{self.port}"
        self.cmd = [
            sys.executable, "-m", "autopyfactory", "testbed", "serve",
            "--host", host, "--port", str(self.port), "--db", str(db), *extra, "--sites", *sites,
        ]  # fmt: skip
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        with TestbedClient(self.url) as c:
            c.wait_ready(timeout)

    def stop(self) -> None:
        p = self.proc
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)
