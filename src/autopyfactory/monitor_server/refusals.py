"""Refused factory writes made visible: each is counted in the database (the dashboard's "Refused
writes" table, ``GET /api/refused``), in the metrics, and logged at WARNING with the fix.

The log names a refusal the first time it happens and then at most once per ``log_every`` seconds
for the same factory, action and subject (with the number refused since), so a factory refused
every cycle does not flood the log."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine

from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.metrics import Metrics
from autopyfactory.monitor_server.records import RefusedWrite
from autopyfactory.monitor_server.store.refused_writes import clear_refused, record_refused

log = logging.getLogger(__name__)

LOG_EVERY = 600.0
_LOG_KEYS = 4096  # refusals remembered for the log's rate limit (the oldest are forgotten)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused write: of ``factory`` (as named by the caller), ``action`` (e.g. ``register
    factory``), ``subject`` (a queue, or ""), with the reply's ``status``, ``reason`` and ``fix``."""

    factory: str
    action: str
    status: int
    reason: str
    fix: str = ""
    subject: str = ""

    def reply(self) -> str:
        return f"{self.reason}. Fix: {self.fix}" if self.fix else self.reason


class RefusalRecorder:
    """Records refused writes (counted per factory, action and subject) and logs them at a bounded rate."""

    def __init__(self, engine: Engine, clock: Clock, metrics: Metrics, log_every: float = LOG_EVERY) -> None:
        self.engine = engine
        self.clock = clock
        self.metrics = metrics
        self.log_every = log_every
        self._lock = threading.Lock()
        self._logged: OrderedDict[tuple[str, str, str], tuple[float, int]] = OrderedDict()

    def record(self, address: str, r: Refusal, count: int = 1) -> None:
        """Count (``count`` times), log and store ``r`` (from ``address``); a database error is
        logged, never raised: the caller's reply does not depend on it."""
        now = self.clock.now()
        self.metrics.refused_writes.labels(r.action, str(r.status)).inc(count)
        self._log(address, r, now)
        row = RefusedWrite(
            r.factory, r.action, r.subject, address, r.status, r.reason, r.fix, count, now, now
        )  # fmt: skip
        try:
            with writing(self.engine) as conn:
                record_refused(conn, row)
        except Exception:
            log.exception("cannot store a refused write of factory %r", r.factory)

    def admitted(self, factory: str) -> None:
        """``factory`` has just registered: its admission refusals (403, and 404: not registered)
        are history."""
        try:
            with writing(self.engine) as conn:
                clear_refused(conn, factory, (403, 404))
        except Exception:
            log.exception("cannot clear the refused writes of factory %r", factory)

    def _log(self, address: str, r: Refusal, now: float) -> None:
        key = (r.factory, r.action, r.subject)
        with self._lock:
            last, suppressed = self._logged.get(key, (None, 0))
            if last is not None and now - last < self.log_every:
                self._logged[key] = (last, suppressed + 1)
                return
            self._logged[key] = (now, 0)
            self._logged.move_to_end(key)
            while len(self._logged) > _LOG_KEYS:
                self._logged.popitem(last=False)
        since = f" ({suppressed} more since the last report)" if suppressed else ""
        what = f"{r.action} {r.subject}" if r.subject else r.action
        log.warning(
            "refused %s of factory %r from %s (%d): %s%s. Fix: %s",
            what, r.factory, address, r.status, r.reason, since, r.fix or "-",
        )  # fmt: skip
