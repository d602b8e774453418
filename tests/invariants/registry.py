"""The Local backend's pilot registry (``<statedir>/local-pilots.sqlite``), read without writing,
and its cross-checks against the process table and the pilots' own marker files.

"Counted exactly once" means: every pilot process that really runs has one registry record in an
active state; every pilot that really started maps to the record whose launcher started it; no
record stays active once its pilot is gone for good."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.invariants.markers import Marker
from tests.invariants.proctable import Proc

REGISTRY = "local-pilots.sqlite"
TERMINAL = frozenset({"done", "failed", "killed"})


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    queue: str
    state: str
    submitted: float
    started: float | None
    ended: float | None
    pid: int | None
    rc: int | None

    @property
    def active(self) -> bool:
        return self.state not in TERMINAL


def registry_path(statedir: Path) -> Path:
    return statedir / REGISTRY


def read_rows(statedir: Path, timeout: float = 10.0) -> list[Row]:
    """Every record (an empty list while there is no registry yet). Opened read-only, so a
    reader can never take the write lock from the factory; waits up to ``timeout`` seconds for a
    lock the factory holds (sqlite3.OperationalError after that)."""
    path = registry_path(statedir)
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    try:
        db.row_factory = sqlite3.Row
        try:
            raw = db.execute("SELECT * FROM pilots").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
    finally:
        db.close()
    out: list[Row] = []
    for r in raw:
        keys = r.keys()
        out.append(
            Row(
                str(r["id"]),
                str(r["queue"]),
                str(r["state"]),
                float(r["submitted"]),
                r["started"] if "started" in keys else None,
                r["ended"] if "ended" in keys else None,
                r["pid"] if "pid" in keys else None,
                r["rc"] if "rc" in keys else None,
            )
        )
    return out


def by_id(rows: Iterable[Row]) -> dict[str, Row]:
    return {r.id: r for r in rows}


def uncounted_live_pilots(rows: Iterable[Row], live: Mapping[str, list[Proc]]) -> list[str]:
    """Violations: a pilot process is alive but the registry has no active record of it.

    Read the registry *before* the process table: a pilot that starts in between is then still
    pending in the rows read, and a pilot that ends in between is simply not in ``live``."""
    known = by_id(rows)
    out: list[str] = []
    for cid, procs in sorted(live.items()):
        pids = ", ".join(str(p.pid) for p in procs)
        row = known.get(cid)
        if row is None:
            out.append(f"pilot {cid} (pid {pids}) is running but the registry has no record of it")
        elif not row.active:
            out.append(
                f"pilot {cid} (pid {pids}) is running but the registry says {row.state} rc={row.rc}: "
                "it is not counted"
            )
    return out


def starts_not_recorded(rows: Iterable[Row], markers: Iterable[Marker]) -> list[str]:
    """Violations: a pilot that really started is unknown to the registry, or the registry tracks
    a different process than the one that ran (the pilot's launcher is its parent and group leader)."""
    known = by_id(rows)
    out: list[str] = []
    for m in markers:
        row = known.get(m.id)
        if row is None:
            out.append(f"pilot {m.id} started (pid {m.pid}) but the registry has no record of it")
        elif row.pid is not None and row.pid not in (m.ppid, m.pgid, m.pid):
            out.append(
                f"pilot {m.id} ran as pid {m.pid} under launcher {m.ppid}, "
                f"but the registry tracks pid {row.pid}"
            )
    return out


def still_active(rows: Iterable[Row]) -> list[str]:
    """Violations (once every pilot is gone and a factory has looked): records left active."""
    return [f"pilot {r.id} of queue {r.queue} is still {r.state} in the registry" for r in rows if r.active]
