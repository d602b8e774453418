"""The demo's monitor: the APFMon-compatible service with its dashboard, served from a thread of the
demo's process on 127.0.0.1, its database (SQLite) in the demo directory.

The factory's ``APF`` monitor plugin reports to it; factories are admitted by address (the demo's
factory writes from 127.0.0.1), so no token is needed. Stopped with the demo; nothing is left behind."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import uvicorn

DEFAULT_PORT = 8080


class MonitorStartError(RuntimeError):
    """The demo's monitor could not start (its port is taken, the extra is missing ...)."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(wanted: int) -> int:
    """``wanted`` when it is free; any free port when it is 0 or taken."""
    if wanted and port_free(wanted):
        return wanted
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoMonitor:
    """The monitor service on ``127.0.0.1:port`` (``url`` the dashboard, ``api_url`` the
    factory's ``monitorURL``). ``stale_after_cycles`` and the activity window suit a demo that
    cycles every few seconds and lasts minutes."""

    def __init__(self, base: Path, port: int, activity_hours: float = 0.5) -> None:
        self.db = base / "monitor.sqlite"
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.activity_hours = activity_hours
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 60.0) -> None:
        from autopyfactory.extras import MissingExtra, require_extra

        try:
            require_extra("monitor")
        except MissingExtra as exc:
            raise MonitorStartError(str(exc)) from None
        import uvicorn

        from autopyfactory.monitor_server.app import create_app
        from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings

        for old in self.db.parent.glob(self.db.name + "*"):  # every demo run starts with an empty monitor
            old.unlink()
        settings = ServerSettings(
            db_url=f"sqlite:///{self.db}",
            host="127.0.0.1",
            port=self.port,
            activity_hours=self.activity_hours,
            auth=AuthSettings(AuthMode.ADDRESS),
        )
        app = create_app(settings)
        cfg = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on"
        )
        server = uvicorn.Server(cfg)
        self._server = server
        self._thread = threading.Thread(target=server.run, name="demo-monitor", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise MonitorStartError(
                    f"the monitor on port {self.port} stopped at once (is the port taken?)"
                )
            try:
                if httpx.get(self.api_url + "/factories", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise MonitorStartError(f"the monitor at {self.url} did not answer within {timeout:.0f}s")

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(15)
        self._server = self._thread = None
