"""The testbed's SQLite database: sites, jobs and the pilots that asked for work.

One connection, serialised by a lock (the server is one process); handing a job to a pilot is a
single critical section, so two pilots never get the same job. Time comes from ``clock`` (tests
pass their own), so heartbeat timeouts can be tested without waiting."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.testbed.heartbeat import Clock, HeartbeatPolicy, LostJob, lost_diag, sent_diag
from autopyfactory.testbed.identity import ANONYMOUS_GAP, Asker
from autopyfactory.testbed.labels import global_share
from autopyfactory.testbed.model import (
    ACTIVE_STATES,
    FINAL_STATES,
    HEARTBEAT_STATES,
    PILOT_REPORTABLE,
    SITE_STATUSES,
    SITE_TYPES,
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
CREATE TABLE IF NOT EXISTS pilots (
    pilot_id TEXT PRIMARY KEY, site TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
    jobs INTEGER NOT NULL DEFAULT 0, nojob INTEGER NOT NULL DEFAULT 0);
"""
# columns added since the first schema: an older database file is upgraded in place
ADDED_COLUMNS = {
    "sites": (
        ("type", "TEXT NOT NULL DEFAULT 'production'"),
        ("timefloor", "INTEGER NOT NULL DEFAULT 10"),
    ),
    "jobs": (
        ("modified", "REAL"),
        ("resource_type", "TEXT NOT NULL DEFAULT 'SCORE'"),
        ("gshare", "TEXT NOT NULL DEFAULT 'Production'"),
        ("retry_of", "INTEGER"),
    ),
    "pilots": (
        ("node", "TEXT NOT NULL DEFAULT ''"),
        ("anonymous", "INTEGER NOT NULL DEFAULT 0"),
    ),
}
INDEXES = """
CREATE INDEX IF NOT EXISTS jobs_site_status ON jobs (site, status);
CREATE INDEX IF NOT EXISTS jobs_pilot ON jobs (pilot_id);
"""
SITE_COLUMNS = "name, status, cloud, corecount, maxrss, maxtime, type, timefloor"
JOB_COLUMNS = (
    "panda_id, site, status, label, command, attempt, exit_code, pilot_id, error_diag, node, retry_of"
)


class UnknownSite(LookupError):
    """No such site."""


class UnknownJob(LookupError):
    """No such job."""


@dataclass(frozen=True, slots=True)
class CountRow:
    """Jobs of one (site, cloud, label, share, resource type, status) for the statistics."""

    site: str
    cloud: str
    label: str
    gshare: str
    resource_type: str
    status: str
    n: int


class JobStore:
    """The testbed's jobs and sites, in SQLite."""

    def __init__(
        self,
        path: Path | str = ":memory:",
        clock: Clock = time.time,
        heartbeat: HeartbeatPolicy | None = None,
    ) -> None:
        self.path = str(path)
        self.clock = clock
        self.heartbeat = heartbeat or HeartbeatPolicy()
        self._lock = threading.Lock()
        self._anon = itertools.count(1)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        for table, columns in ADDED_COLUMNS.items():
            have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            for name, decl in columns:
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        self._db.executescript(INDEXES)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- sites ----------------------------------------------------------------------------------
    def put_site(self, site: Site) -> None:
        _check_site(site)
        with self._lock:
            self._db.execute(
                f"INSERT INTO sites ({SITE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET"
                " status=excluded.status, cloud=excluded.cloud, corecount=excluded.corecount,"
                " maxrss=excluded.maxrss, maxtime=excluded.maxtime, type=excluded.type,"
                " timefloor=excluded.timefloor",
                (
                    site.name,
                    site.status,
                    site.cloud,
                    site.corecount,
                    site.maxrss,
                    site.maxtime,
                    site.type,
                    site.timefloor,
                ),
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
        with self._lock:
            r = self._db.execute(f"SELECT {SITE_COLUMNS} FROM sites WHERE name=?", (name,)).fetchone()
        return Site(*r) if r else None

    def sites(self) -> list[Site]:
        with self._lock:
            rows = self._db.execute(f"SELECT {SITE_COLUMNS} FROM sites ORDER BY name").fetchall()
        return [Site(*r) for r in rows]

    # -- jobs -----------------------------------------------------------------------------------
    def submit(self, site: str, n: int, command: str, label: str = "managed") -> list[int]:
        spec = self.site(site)
        if spec is None:
            raise UnknownSite(site)
        now = self.clock()
        with self._lock:
            self._db.execute("BEGIN")
            ids = [self._insert_job(site, label, command, 1, now, spec.resource_type, None) for _ in range(n)]
            self._db.execute("COMMIT")
        return ids

    def _insert_job(
        self, site: str, label: str, command: str, attempt: int, now: float, rtype: str, retry_of: int | None
    ) -> int:
        cur = self._db.execute(
            "INSERT INTO jobs (site, status, label, command, attempt, created, modified, resource_type,"
            " gshare, retry_of) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (site, "activated", label, command, attempt, now, now, rtype, global_share(label), retry_of),
        )
        return int(cur.lastrowid or 0)

    def acquire(
        self,
        site: str,
        pilot_id: str | Asker,
        node: str = "",
        n: int = 1,
        labels: frozenset[str] | None = None,
    ) -> list[Job]:
        """Up to ``n`` activated jobs of ``site`` (of ``labels`` when given) handed to the pilot
        (state 'sent'). None when the site is unknown or offline. The request is counted against
        the pilot either way: a named one by its name, an anonymous one as described in
        ``identity``."""
        asker = pilot_id if isinstance(pilot_id, Asker) else Asker(pilot_id, node)
        now = self.clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            status = self._db.execute("SELECT status FROM sites WHERE name=?", (site,)).fetchone()
            rows: list[tuple[int, str, str, str, int, int | None]] = []
            if status is not None and status[0] != "offline":
                where, args = "site=? AND status='activated'", [site]
                if labels is not None:
                    where += f" AND label IN ({','.join('?' * len(labels))})"
                    args += sorted(labels)
                rows = self._db.execute(
                    f"SELECT panda_id, site, label, command, attempt, retry_of FROM jobs WHERE {where}"
                    " ORDER BY panda_id LIMIT ?",
                    (*args, max(1, n)),
                ).fetchall()
            key = asker.key or self._anonymous_pilot(site, asker.node, now)
            self._db.executemany(
                "UPDATE jobs SET status='sent', sent=?, modified=?, pilot_id=?, node=? WHERE panda_id=?",
                [(now, now, key, asker.node, r[0]) for r in rows],
            )
            self._db.execute(
                "INSERT INTO pilots (pilot_id, site, first_seen, last_seen, jobs, nojob, node, anonymous)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(pilot_id) DO UPDATE SET last_seen=excluded.last_seen,"
                " jobs=jobs+excluded.jobs, nojob=nojob+excluded.nojob",
                (key, site, now, now, len(rows), 0 if rows else 1, asker.node, int(asker.anonymous)),
            )
            self._db.execute("COMMIT")
        return [Job(r[0], r[1], "sent", r[2], r[3], r[4], None, key, "", asker.node, r[5]) for r in rows]

    def _anonymous_pilot(self, site: str, node: str, now: float) -> str:
        """The pilot on ``node`` at ``site`` that is between jobs, else a new name."""
        row = self._db.execute(
            "SELECT p.pilot_id FROM pilots p WHERE p.anonymous=1 AND p.site=? AND p.node=? AND p.last_seen>=?"
            " AND NOT EXISTS"
            f" (SELECT 1 FROM jobs j WHERE j.pilot_id=p.pilot_id AND j.status IN ({_marks(ACTIVE_STATES)}))"
            " ORDER BY p.last_seen DESC LIMIT 1",
            (site, node, now - ANONYMOUS_GAP, *ACTIVE_STATES),
        ).fetchone()
        if row:
            return str(row[0])
        return f"anonymous:{node or 'unknown-node'}:{int(now)}:{next(self._anon)}"

    def update(
        self,
        panda_id: int,
        state: str,
        exit_code: int | None = None,
        diag: str = "",
        node: str = "",
        pilot: str = "",
    ) -> bool:
        """Record a pilot's report (a heartbeat). False (ignored) for a state pilots do not report;
        UnknownJob when no such job. A job already final is not changed (a late report is
        ignored). ``pilot`` is the name the report gives its pilot, if any (see ``identity``)."""
        if state not in PILOT_REPORTABLE:
            return False
        now = self.clock()
        final = state in FINAL_STATES
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT status, pilot_id FROM jobs WHERE panda_id=?", (panda_id,)
            ).fetchone()
            if row is None:
                self._db.execute("ROLLBACK")
                raise UnknownJob(str(panda_id))
            if row[0] in FINAL_STATES:
                self._db.execute("COMMIT")
                return True
            self._db.execute(
                "UPDATE jobs SET status=?, exit_code=COALESCE(?, exit_code), ended=?, modified=?, error_diag=?,"
                " node=CASE WHEN ?='' THEN node ELSE ? END WHERE panda_id=?",
                (state, exit_code, now if final else None, now, diag[:500], node, node, panda_id),
            )
            holder = str(row[1])
            if pilot and holder and pilot != holder:
                self._rename_pilot(holder, pilot)
                holder = pilot
            if holder:
                self._db.execute("UPDATE pilots SET last_seen=? WHERE pilot_id=?", (now, holder))
            self._db.execute("COMMIT")
        return True

    def _rename_pilot(self, old: str, new: str) -> None:
        """The pilot known as ``old`` named itself ``new``: merge its record into ``new``'s."""
        rec = self._db.execute(
            "SELECT site, first_seen, last_seen, jobs, nojob, node, anonymous FROM pilots WHERE pilot_id=?",
            (old,),
        ).fetchone()
        self._db.execute("UPDATE jobs SET pilot_id=? WHERE pilot_id=?", (new, old))
        if rec is None:
            return
        self._db.execute("DELETE FROM pilots WHERE pilot_id=?", (old,))
        self._db.execute(
            "INSERT INTO pilots (pilot_id, site, first_seen, last_seen, jobs, nojob, node, anonymous)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(pilot_id) DO UPDATE SET"
            " first_seen=MIN(first_seen, excluded.first_seen), last_seen=MAX(last_seen, excluded.last_seen),"
            " jobs=jobs+excluded.jobs, nojob=nojob+excluded.nojob, anonymous=MAX(anonymous, excluded.anonymous)",
            (new, *rec),
        )

    def job(self, panda_id: int) -> Job | None:
        with self._lock:
            r = self._db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE panda_id=?", (panda_id,)).fetchone()
        return Job(*r) if r else None

    def jobs_of(self, site: str) -> list[Job]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE site=? ORDER BY panda_id", (site,)
            ).fetchall()
        return [Job(*r) for r in rows]

    # -- lost heartbeats ------------------------------------------------------------------------
    def expire_lost(self) -> list[LostJob]:
        """Fail the jobs whose pilot went silent (see ``heartbeat``) and queue their retries."""
        policy, now = self.heartbeat, self.clock()
        lost: list[LostJob] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            rows = self._db.execute(
                "SELECT panda_id, site, status, label, command, attempt, resource_type, COALESCE(modified, created)"
                f" FROM jobs WHERE (status='sent' AND COALESCE(modified, created)<?) OR (status IN"
                f" ({_marks(HEARTBEAT_STATES)}) AND COALESCE(modified, created)<?) ORDER BY panda_id",
                (now - policy.sent_timeout, *HEARTBEAT_STATES, now - policy.heartbeat_timeout),
            ).fetchall()
            for pid, site, status, label, command, attempt, rtype, last in rows:
                diag = sent_diag(policy.sent_timeout) if status == "sent" else lost_diag(last)
                retry = None
                if attempt < policy.max_attempts:
                    retry = self._insert_job(site, label, command, attempt + 1, now, rtype, pid)
                self._db.execute(
                    "UPDATE jobs SET status='failed', ended=?, modified=?, error_diag=? WHERE panda_id=?",
                    (last, now, diag + (f"; retried as PandaID {retry}" if retry else ""), pid),
                )
                lost.append(LostJob(pid, status, diag, retry))
            self._db.execute("COMMIT")
        return lost

    # -- statistics -----------------------------------------------------------------------------
    def active_stats(self, labels: frozenset[str] | None = None) -> dict[str, dict[str, int]]:
        """``{site: {status: n}}`` over active jobs (of ``labels``); every listed site has assigned,
        activated and running (0 if none), as PanDA's active_job_stats_by_site does."""
        out: dict[str, dict[str, int]] = {}
        for r in self.counts(0.0):
            if r.status in FINAL_STATES or (labels is not None and r.label not in labels):
                continue
            d = out.setdefault(r.site, {"assigned": 0, "activated": 0, "running": 0})
            d[r.status] = d.get(r.status, 0) + r.n
        return out

    def stats_with_label(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{site: {label: {status: n}}}`` over active jobs, no zero-filling (getJobStatisticsWithLabel)."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for r in self.counts(0.0):
            if r.status not in FINAL_STATES:
                d = out.setdefault(r.site, {}).setdefault(r.label, {})
                d[r.status] = d.get(r.status, 0) + r.n
        return out

    def counts(self, final_window: float) -> list[CountRow]:
        """Active jobs, plus jobs that ended within the last ``final_window`` seconds."""
        since = self.clock() - final_window
        with self._lock:
            rows = self._db.execute(
                "SELECT j.site, COALESCE(s.cloud, ''), j.label, j.gshare, j.resource_type, j.status, COUNT(*)"
                " FROM jobs j LEFT JOIN sites s ON s.name=j.site"
                f" WHERE j.status IN ({_marks(ACTIVE_STATES)}) OR (j.status IN ({_marks(FINAL_STATES)})"
                " AND COALESCE(j.ended, j.modified, j.created)>=?)"
                " GROUP BY j.site, s.cloud, j.label, j.gshare, j.resource_type, j.status",
                (*ACTIVE_STATES, *FINAL_STATES, since),
            ).fetchall()
        return [CountRow(*r) for r in rows]

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


def _marks(values: Iterable[str]) -> str:
    return ",".join("?" * len(tuple(values)))


def _check_status(status: str) -> None:
    if status not in SITE_STATUSES:
        raise ValueError(f"site status {status!r}: expected one of {', '.join(SITE_STATUSES)}")


def _check_site(site: Site) -> None:
    _check_status(site.status)
    if site.type not in SITE_TYPES:
        raise ValueError(f"site type {site.type!r}: expected one of {', '.join(SITE_TYPES)}")
    if site.timefloor < 0:
        raise ValueError(f"site {site.name}: timefloor must not be negative")
