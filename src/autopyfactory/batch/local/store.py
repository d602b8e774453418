"""The local pilot registry (SQLite): survives factory restarts, so no pilot is lost or counted twice."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS pilots (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    state TEXT NOT NULL,          -- pending, running, done, failed, killed
    submitted REAL NOT NULL,
    started REAL,
    ended REAL,
    pid INTEGER,
    pid_start INTEGER,            -- /proc start time, tells a live pilot from a reused pid
    rc INTEGER,
    logdir TEXT NOT NULL,
    argv TEXT NOT NULL,
    env TEXT NOT NULL,
    kill_requested REAL
);
CREATE INDEX IF NOT EXISTS pilots_state ON pilots(state, queue);
CREATE INDEX IF NOT EXISTS pilots_ended ON pilots(ended);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""

ACTIVE = ("pending", "running")


@dataclass(frozen=True, slots=True)
class LocalPilot:
    id: str
    queue: str
    state: str
    submitted: float
    started: float | None
    ended: float | None
    pid: int | None
    pid_start: int | None
    rc: int | None
    logdir: str
    argv: list[str]
    env: dict[str, str]
    kill_requested: float | None


_COLS = "id, queue, state, submitted, started, ended, pid, pid_start, rc, logdir, argv, env, kill_requested"


def _row(r: Sequence[object]) -> LocalPilot:
    return LocalPilot(
        str(r[0]), str(r[1]), str(r[2]), float(r[3]),  # type: ignore[arg-type]
        r[4], r[5], r[6], r[7], r[8], str(r[9]),  # type: ignore[arg-type]
        json.loads(str(r[10])), json.loads(str(r[11])), r[12],  # type: ignore[arg-type]
    )  # fmt: skip


class PilotStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any error, so the connection stays usable."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def next_cluster(self) -> int:
        with self._write() as db:
            row = db.execute("SELECT v FROM meta WHERE k='cluster'").fetchone()
            n = int(row[0]) + 1 if row else 1
            db.execute("INSERT OR REPLACE INTO meta(k, v) VALUES ('cluster', ?)", (str(n),))
        return n

    def add(self, pilots: Iterable[LocalPilot]) -> None:
        rows = [
            (p.id, p.queue, p.state, p.submitted, p.logdir, json.dumps(p.argv), json.dumps(p.env))
            for p in pilots
        ]
        with self._write() as db:
            db.executemany(
                "INSERT INTO pilots(id, queue, state, submitted, logdir, argv, env) VALUES (?,?,?,?,?,?,?)",
                rows,
            )

    def active(self, queue: str | None = None) -> list[LocalPilot]:
        q = f"SELECT {_COLS} FROM pilots WHERE state IN ('pending','running')"
        args: tuple[object, ...] = ()
        if queue is not None:
            q += " AND queue=?"
            args = (queue,)
        with self._lock:
            return [_row(r) for r in self._db.execute(q + " ORDER BY submitted, id", args)]

    def get(self, pilot_id: str) -> LocalPilot | None:
        with self._lock:
            r = self._db.execute(f"SELECT {_COLS} FROM pilots WHERE id=?", (pilot_id,)).fetchone()
        return _row(r) if r else None

    def claim_pending(self, pilot_id: str) -> bool:
        """pending -> starting (so two starters never start the same pilot)."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE pilots SET state='starting' WHERE id=? AND state='pending'", (pilot_id,)
            )
            return cur.rowcount == 1

    def started(self, pilot_id: str, pid: int, pid_start: int | None, started: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE pilots SET state='running', pid=?, pid_start=?, started=? WHERE id=?",
                (pid, pid_start, started, pilot_id),
            )

    def finish(
        self, pilot_id: str, state: str, rc: int | None, ended: float, started: float | None = None
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE pilots SET state=?, rc=?, ended=?, started=COALESCE(started, ?) WHERE id=? AND state IN ('pending','running','starting')",
                (state, rc, ended, started, pilot_id),
            )

    def request_kill(self, pilot_id: str, when: float) -> None:
        with self._lock:
            self._db.execute("UPDATE pilots SET kill_requested=? WHERE id=?", (when, pilot_id))

    def reset_starting(self) -> None:
        """Pilots a crashed factory claimed but never started go back to pending."""
        with self._lock:
            self._db.execute("UPDATE pilots SET state='pending' WHERE state='starting'")

    def counts(self, done_since: float) -> dict[str, dict[str, int]]:
        """{queue: {state: n}} for active pilots and those ended after ``done_since``."""
        out: dict[str, dict[str, int]] = {}
        with self._lock:
            rows = self._db.execute(
                "SELECT queue, state, COUNT(*) FROM pilots WHERE state IN ('pending','running','starting') "
                "OR ended >= ? GROUP BY queue, state",
                (done_since,),
            ).fetchall()
        for queue, state, n in rows:
            st = "pending" if state == "starting" else str(state)
            out.setdefault(str(queue), {})[st] = out.get(str(queue), {}).get(st, 0) + int(n)
        return out

    def finished_since(self, since: float) -> list[tuple[str, float, float]]:
        """(queue, started, wallclock) of pilots that ran and ended after ``since``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT queue, started, ended FROM pilots WHERE ended >= ? AND started IS NOT NULL", (since,)
            ).fetchall()
        return [(str(q), float(s), float(e) - float(s)) for q, s, e in rows]

    def count_running(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM pilots WHERE state IN ('running','starting')"
            ).fetchone()
        return int(row[0])
