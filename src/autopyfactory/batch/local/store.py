"""The local pilot registry (SQLite): survives factory restarts, so no pilot is lost or counted twice.

How it is opened decides what can be done with it: :class:`RegistryReader` opens the database
read-only (SQLite itself refuses any write, and a registry that does not exist yet is not created),
and has no method that writes; only :class:`PilotStore`, which the factory opens, writes."""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS pilots (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    state TEXT NOT NULL,          -- pending, starting, running, done, failed, killed
    submitted REAL NOT NULL,
    started REAL,
    ended REAL,
    pid INTEGER,                  -- the launcher, leader of the pilot's process group
    pid_start INTEGER,            -- its /proc start time: tells it from a reused pid
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
# columns added since the first registry format: (name, declaration)
ADDED_COLUMNS = (
    ("attempt", "INTEGER NOT NULL DEFAULT 0"),  # launch attempt; names the attempt's claim file
    ("pgid", "INTEGER"),  # the pilot's process group
    ("boot_id", "TEXT"),  # the boot it runs in
)

ACTIVE = ("pending", "starting", "running")
ENDED = ("done", "failed", "killed")


@dataclass(frozen=True, slots=True)
class LocalPilot:
    """One local pilot as the registry records it."""

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
    attempt: int = 0
    pgid: int | None = None
    boot_id: str | None = None

    @property
    def group(self) -> int | None:
        """The pilot's process group (its launcher leads it)."""
        return self.pgid if self.pgid is not None else self.pid


def _row(r: sqlite3.Row) -> LocalPilot:
    keys = r.keys()

    def opt(name: str) -> Any:
        return r[name] if name in keys else None

    return LocalPilot(
        str(r["id"]), str(r["queue"]), str(r["state"]), float(r["submitted"]),
        r["started"], r["ended"], r["pid"], r["pid_start"], r["rc"], str(r["logdir"]),
        json.loads(str(r["argv"])), json.loads(str(r["env"])), r["kill_requested"],
        int(opt("attempt") or 0), opt("pgid"), opt("boot_id"),
    )  # fmt: skip


class RegistryReader:
    """Queries of the registry. Opened by :meth:`open_read_only`, it cannot write."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._db.row_factory = sqlite3.Row
        self.path = path
        self._lock = threading.RLock()

    @classmethod
    def open_read_only(cls, path: Path) -> RegistryReader | None:
        """The registry at ``path`` opened read-only; None when there is none yet (nothing is created),
        also while a factory starting right now has created the file but not its tables yet."""
        if not path.is_file():
            return None
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30, isolation_level=None)
        db.execute("PRAGMA query_only=1")
        if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='pilots'").fetchone() is None:
            db.close()
            return None
        return cls(db, path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args))

    def active(self, queue: str | None = None) -> list[LocalPilot]:
        """Pilots not ended yet (pending, starting, running), oldest first."""
        q = "SELECT * FROM pilots WHERE state IN ('pending','starting','running')"
        args: tuple[object, ...] = ()
        if queue is not None:
            q += " AND queue=?"
            args = (queue,)
        return [_row(r) for r in self._query(q + " ORDER BY submitted, id", args)]

    def in_state(self, state: str) -> list[LocalPilot]:
        return [_row(r) for r in self._query("SELECT * FROM pilots WHERE state=? ORDER BY id", (state,))]

    def get(self, pilot_id: str) -> LocalPilot | None:
        rows = self._query("SELECT * FROM pilots WHERE id=?", (pilot_id,))
        return _row(rows[0]) if rows else None

    def counts(self, done_since: float) -> dict[str, dict[str, int]]:
        """{queue: {state: n}} for active pilots and those ended after ``done_since``; a launch
        under way counts as pending."""
        rows = self._query(
            "SELECT queue, state, COUNT(*) FROM pilots WHERE state IN ('pending','running','starting') "
            "OR ended >= ? GROUP BY queue, state",
            (done_since,),
        )
        out: dict[str, dict[str, int]] = {}
        for queue, state, n in rows:
            st = "pending" if state == "starting" else str(state)
            out.setdefault(str(queue), {})[st] = out.get(str(queue), {}).get(st, 0) + int(n)
        return out

    def finished_since(self, since: float) -> list[tuple[str, float, float]]:
        """(queue, started, wallclock) of pilots that ran and ended after ``since``."""
        rows = self._query(
            "SELECT queue, started, ended FROM pilots WHERE ended >= ? AND started IS NOT NULL", (since,)
        )
        return [(str(q), float(s), float(e) - float(s)) for q, s, e in rows]

    def lives(self, since: float) -> list[tuple[str, float, float | None, float | None]]:
        """(queue, submitted, started, ended) of pilots not ended yet and of those ended after
        ``since``, oldest submission first. A launch under way has not started; a pilot removed
        before it started never did."""
        rows = self._query(
            "SELECT queue, submitted, started, ended FROM pilots "
            "WHERE state IN ('pending','starting','running') OR ended >= ? ORDER BY submitted, id",
            (since,),
        )
        return [
            (str(q), float(sub), None if st is None else float(st), None if e is None else float(e))
            for q, sub, st, e in rows
        ]

    def count_running(self) -> int:
        rows = self._query("SELECT COUNT(*) FROM pilots WHERE state IN ('running','starting')")
        return int(rows[0][0])


class PilotStore(RegistryReader):
    """The registry opened for writing (created when missing): the factory's."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        super().__init__(db, path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        with self._write() as w:
            have = {r[1] for r in w.execute("PRAGMA table_info(pilots)")}
            for name, decl in ADDED_COLUMNS:
                if name not in have:
                    w.execute(f"ALTER TABLE pilots ADD COLUMN {name} {decl}")

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

    def claim_pending(self, pilot_id: str) -> int | None:
        """pending -> starting with a new launch attempt, committed before anything is launched (so
        two starters never start the same pilot, and a restart knows which launch to look for).
        The attempt number, or None when the pilot was not pending."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE pilots SET state='starting', attempt=attempt+1 WHERE id=? AND state='pending'",
                (pilot_id,),
            )
            if cur.rowcount != 1:
                return None
            return int(db.execute("SELECT attempt FROM pilots WHERE id=?", (pilot_id,)).fetchone()[0])

    def started(
        self,
        pilot_id: str,
        pid: int,
        pid_start: int | None,
        started: float,
        pgid: int | None = None,
        boot: str | None = None,
    ) -> float | None:
        """starting -> running with the launcher's identity. Returns the pilot's pending removal
        request, if any arrived meanwhile (the caller signals the pilot)."""
        with self._write() as db:
            db.execute(
                "UPDATE pilots SET state='running', pid=?, pid_start=?, started=?, pgid=?, boot_id=? "
                "WHERE id=? AND state='starting'",
                (pid, pid_start, started, pid if pgid is None else pgid, boot, pilot_id),
            )
            row = db.execute("SELECT kill_requested FROM pilots WHERE id=?", (pilot_id,)).fetchone()
        return None if row is None else row[0]

    def requeue(self, pilot_id: str) -> None:
        """starting -> pending: the launch attempt was given up (its claim is the factory's)."""
        with self._write() as db:
            db.execute("UPDATE pilots SET state='pending' WHERE id=? AND state='starting'", (pilot_id,))

    def finish(
        self, pilot_id: str, state: str, rc: int | None, ended: float, started: float | None = None
    ) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE pilots SET state=?, rc=?, ended=?, started=COALESCE(started, ?) "
                "WHERE id=? AND state IN ('pending','running','starting')",
                (state, rc, ended, started, pilot_id),
            )

    def remove_pending(self, pilot_id: str, ended: float) -> bool:
        """pending -> killed, only if still pending (never a pilot being started meanwhile)."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE pilots SET state='killed', ended=? WHERE id=? AND state='pending'", (ended, pilot_id)
            )
            return cur.rowcount == 1

    def request_kill(self, pilot_id: str, when: float) -> LocalPilot | None:
        """Record a removal request (the first one counts); the pilot as it is now."""
        with self._write() as db:
            db.execute(
                "UPDATE pilots SET kill_requested=COALESCE(kill_requested, ?) WHERE id=?", (when, pilot_id)
            )
            row = db.execute("SELECT * FROM pilots WHERE id=?", (pilot_id,)).fetchone()
        return _row(row) if row else None
