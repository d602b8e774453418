"""The testbed's SQLite database: sites, jobs and the pilots that asked for work.

One connection, serialised by a lock (the server is one process); handing a job to a pilot is a
single critical section, so two pilots never get the same job."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from autopyfactory.testbed.model import (
    ACTIVE_STATES,
    FINAL_STATES,
    PILOT_REPORTABLE,
    SITE_STATUSES,
    Job,
    Site,
    SiteSummary,
    Summary,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (
    name TEXT PRIMARY KEY, status TEXT NOT NULL, cloud TEXT NOT NULL,
    corecount INTEGER NOT NULL, maxrss INTEGER NOT NULL, maxtime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    panda_id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, status TEXT NOT NULL,
    label TEXT NOT NULL, command TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL, sent REAL, ended REAL, exit_code INTEGER, pilot_id TEXT NOT NULL DEFAULT '',
    node TEXT NOT NULL DEFAULT '', error_diag TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_site_status ON jobs (site, status);
CREATE TABLE IF NOT EXISTS pilots (
    pilot_id TEXT PRIMARY KEY, site TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
    jobs INTEGER NOT NULL DEFAULT 0, nojob INTEGER NOT NULL DEFAULT 0);
"""


class UnknownSite(LookupError):
    pass


class UnknownJob(LookupError):
    pass


class JobStore:
    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- sites ----------------------------------------------------------------------------------
    def put_site(self, site: Site) -> None:
        _check_status(site.status)
        with self._lock:
            self._db.execute(
                "INSERT INTO sites VALUES (?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET status=excluded.status,"
                " cloud=excluded.cloud, corecount=excluded.corecount, maxrss=excluded.maxrss,"
                " maxtime=excluded.maxtime",
                (site.name, site.status, site.cloud, site.corecount, site.maxrss, site.maxtime),
            )

    def set_status(self, name: str, status: str) -> Site:
        _check_status(status)
        with self._lock:
            cur = self._db.execute("UPDATE sites SET status=? WHERE name=?", (status, name))
            if cur.rowcount == 0:
                raise UnknownSite(name)
        site = self.site(name)
        assert site is not None
        return site

    def site(self, name: str) -> Site | None:
        return next((s for s in self.sites() if s.name == name), None)

    def sites(self) -> list[Site]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, status, cloud, corecount, maxrss, maxtime FROM sites ORDER BY name"
            ).fetchall()
        return [Site(*r) for r in rows]

    # -- jobs -----------------------------------------------------------------------------------
    def submit(self, site: str, n: int, command: str, label: str = "managed") -> list[int]:
        if self.site(site) is None:
            raise UnknownSite(site)
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            ids = [
                int(
                    self._db.execute(
                        "INSERT INTO jobs (site, status, label, command, created) VALUES (?,?,?,?,?)",
                        (site, "activated", label, command, now),
                    ).lastrowid
                    or 0
                )
                for _ in range(n)
            ]
            self._db.execute("COMMIT")
        return ids

    def acquire(self, site: str, pilot_id: str, node: str = "", n: int = 1) -> list[Job]:
        """Up to ``n`` activated jobs of ``site`` handed to the pilot (state 'sent'). None when the
        site is unknown or offline. The pilot's request is counted either way."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            status = self._db.execute("SELECT status FROM sites WHERE name=?", (site,)).fetchone()
            rows: list[tuple[int, str, str, str, int]] = []
            if status is not None and status[0] != "offline":
                rows = self._db.execute(
                    "SELECT panda_id, site, label, command, attempt FROM jobs WHERE site=? AND status='activated'"
                    " ORDER BY panda_id LIMIT ?",
                    (site, max(1, n)),
                ).fetchall()
                self._db.executemany(
                    "UPDATE jobs SET status='sent', sent=?, pilot_id=?, node=? WHERE panda_id=?",
                    [(now, pilot_id, node, r[0]) for r in rows],
                )
            if pilot_id:
                self._db.execute(
                    "INSERT INTO pilots (pilot_id, site, first_seen, last_seen, jobs, nojob) VALUES (?,?,?,?,?,?)"
                    " ON CONFLICT(pilot_id) DO UPDATE SET last_seen=excluded.last_seen,"
                    " jobs=jobs+excluded.jobs, nojob=nojob+excluded.nojob",
                    (pilot_id, site, now, now, len(rows), 0 if rows else 1),
                )
            self._db.execute("COMMIT")
        return [Job(r[0], r[1], "sent", r[2], r[3], r[4], None, pilot_id) for r in rows]

    def update(
        self, panda_id: int, state: str, exit_code: int | None = None, diag: str = "", node: str = ""
    ) -> bool:
        """Record a pilot's report. False (ignored) for a state pilots do not report; UnknownJob when
        no such job. A job already final is not changed (a late report is ignored)."""
        if state not in PILOT_REPORTABLE:
            return False
        now = time.time()
        final = state in FINAL_STATES
        with self._lock:
            row = self._db.execute("SELECT status FROM jobs WHERE panda_id=?", (panda_id,)).fetchone()
            if row is None:
                raise UnknownJob(str(panda_id))
            if row[0] in FINAL_STATES:
                return True
            self._db.execute(
                "UPDATE jobs SET status=?, exit_code=COALESCE(?, exit_code), ended=?, error_diag=?,"
                " node=CASE WHEN ?='' THEN node ELSE ? END WHERE panda_id=?",
                (state, exit_code, now if final else None, diag[:500], node, node, panda_id),
            )
        return True

    def job(self, panda_id: int) -> Job | None:
        with self._lock:
            r = self._db.execute(
                "SELECT panda_id, site, status, label, command, attempt, exit_code, pilot_id FROM jobs"
                " WHERE panda_id=?",
                (panda_id,),
            ).fetchone()
        return Job(*r) if r else None

    # -- statistics -----------------------------------------------------------------------------
    def active_stats(self) -> dict[str, dict[str, int]]:
        """``{site: {status: n}}`` over active jobs; every listed site has assigned, activated and
        running (0 if none), as PanDA's active_job_stats_by_site does."""
        out: dict[str, dict[str, int]] = {}
        for site, _label, status, n in self._counts(ACTIVE_STATES):
            d = out.setdefault(site, {"assigned": 0, "activated": 0, "running": 0})
            d[status] = d.get(status, 0) + n
        return out

    def stats_with_label(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{site: {label: {status: n}}}`` over active jobs, no zero-filling (getJobStatisticsWithLabel)."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for site, label, status, n in self._counts(ACTIVE_STATES):
            out.setdefault(site, {}).setdefault(label, {})[status] = n
        return out

    def _counts(self, states: Iterable[str]) -> list[tuple[str, str, str, int]]:
        st = tuple(states)
        with self._lock:
            return self._db.execute(
                f"SELECT site, label, status, COUNT(*) FROM jobs WHERE status IN ({','.join('?' * len(st))})"
                " GROUP BY site, label, status",
                st,
            ).fetchall()

    def summary(self) -> Summary:
        with self._lock:
            jobs = self._db.execute(
                "SELECT site, status, COUNT(*) FROM jobs GROUP BY site, status"
            ).fetchall()
            pilots = self._db.execute(
                "SELECT site, COUNT(*), SUM(CASE WHEN jobs=0 THEN 1 ELSE 0 END) FROM pilots GROUP BY site"
            ).fetchall()
        by_site: dict[str, dict[str, int]] = {}
        for site, status, n in jobs:
            by_site.setdefault(site, {})[status] = n
        pil = {site: (n, int(nojob or 0)) for site, n, nojob in pilots}
        return Summary(
            tuple(
                SiteSummary(s.name, s.status, by_site.get(s.name, {}), *pil.get(s.name, (0, 0)))
                for s in self.sites()
            )
        )


def _check_status(status: str) -> None:
    if status not in SITE_STATUSES:
        raise ValueError(f"site status {status!r}: expected one of {', '.join(SITE_STATUSES)}")
