"""SQLite WAL checkpoints in a background thread.

The server's connections do not checkpoint on commit (that copies the WAL into the database file
and waits for the disk, which would stall the event loop that commits the state batches); this
thread runs a PASSIVE checkpoint every ``interval`` seconds instead: it never blocks writers, and
its disk waits happen outside the event loop."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Copies SQLite's write-ahead log back into the database in a background thread."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="apfmon-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.checkpoint()

    def checkpoint(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # busy or closing: the next one will do
            log.debug("WAL checkpoint skipped: %s", exc)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint()
