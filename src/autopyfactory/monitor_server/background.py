"""The expiry task: a thread that applies the expiry rules every ``interval`` seconds.

Several server processes may run it; a database lease lets one of them act at a time."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from sqlalchemy import Engine

from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.expiry import ExpiryReport, run_expiry
from autopyfactory.monitor_server.metrics import Metrics
from autopyfactory.monitor_server.settings import ExpirySettings
from autopyfactory.monitor_server.store.leases import acquire

log = logging.getLogger(__name__)
LEASE = "expiry"


class ExpiryTask:
    """Runs the expiry rules periodically in the background."""

    def __init__(self, engine: Engine, clock: Clock, rules: ExpirySettings, metrics: Metrics) -> None:
        self.engine = engine
        self.clock = clock
        self.rules = rules
        self.metrics = metrics
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, use_lease: bool = True) -> ExpiryReport | None:
        """Apply the rules now; None when another process holds the lease."""
        now = self.clock.now()
        with writing(self.engine) as conn:
            if use_lease and not acquire(conn, LEASE, self.holder, now, max(3 * self.rules.interval, 60.0)):
                return None
            report = run_expiry(conn, self.rules, now)
        for action, n in report.items():
            if n:
                self.metrics.expiry.labels(action).inc(n)
        if report.changed:
            log.info("expiry: %s", ", ".join(f"{k}={v}" for k, v in report.items() if v))
        return report

    def start(self) -> None:
        """Start the thread; again after :meth:`stop` (the app's lifespan may run more than once)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="apfmon-expiry", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self.rules.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("expiry task failed; retrying in %.0fs", self.rules.interval)
