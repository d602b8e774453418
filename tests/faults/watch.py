"""A watcher thread that samples the process table and the registry all through a scenario: every
live pilot must be counted by the registry, and no queue (nor the host) may run more pilots at once
than its limits allow. Violations are kept per phase, so a report can say which step broke what."""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from tests.faults.confs import PILOT
from tests.invariants.proctable import Proc, processes
from tests.invariants.registry import read_rows, uncounted_live_pilots


def is_pilot(p: Proc) -> bool:
    """The pilot itself (``python -I -S fault_pilot.py ...``), not its launcher (whose command line
    carries the pilot's after its own)."""
    return len(p.cmdline) > 3 and p.cmdline[3] == str(PILOT)


def live_pilots(markers: Path) -> dict[str, list[Proc]]:
    """Live pilot processes writing to ``markers``, by pilot id (APFCID), whatever factory
    identity they were started under."""
    out: dict[str, list[Proc]] = defaultdict(list)
    for p in processes(cmd_contains=str(markers), env={}):
        if is_pilot(p):
            out[p.env.get("APFCID", "?")].append(p)
    return dict(out)


def per_queue(live: Mapping[str, list[Proc]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for procs in live.values():
        out[procs[0].env.get("FACTORYQUEUE", "?")] += 1
    return dict(out)


class PilotWatch:
    def __init__(
        self,
        factory_id: str,
        markers: Path,
        statedir: Path,
        limits: Mapping[str, int],
        slots: int | None,
        interval: float = 0.05,
    ) -> None:
        self.factory_id, self.markers, self.statedir = factory_id, markers, statedir
        self.limits, self.slots, self.interval = dict(limits), slots, interval
        self.phase = "start"
        self.samples = 0
        self.seen: set[str] = set()
        self.max_live: dict[str, int] = defaultdict(int)
        self._violations: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
        self._worst: dict[tuple[str, str], int] = defaultdict(int)
        self._strangers: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="pilot-watch", daemon=True)

    def __enter__(self) -> PilotWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def set_phase(self, phase: str) -> None:
        with self._lock:
            self.phase = phase

    def sample(self) -> list[str]:
        """One look: registry first, then the process table (see uncounted_live_pilots)."""
        try:
            rows = read_rows(self.statedir)
        except sqlite3.Error:
            return []
        live = live_pilots(self.markers)
        counts = per_queue(live)
        mine = {cid: ps for cid, ps in live.items() if ps[0].env.get("APFFID") == self.factory_id}
        found: dict[tuple[str, str], str] = {("pilot", v): v for v in uncounted_live_pilots(rows, mine)}
        strangers: dict[str, set[str]] = defaultdict(set)
        for cid, ps in live.items():
            if cid not in mine:
                strangers[ps[0].env.get("APFFID", "?")].add(cid)
        with self._lock:
            self.samples += 1
            self.seen.update(live)
            seen_here = self._violations[self.phase]
            for fid, ids in strangers.items():
                key = ("identity", fid)
                self._strangers[(self.phase, fid)] |= ids
                n = len(self._strangers[(self.phase, fid)])
                found[key] = f"{n} pilot(s) run under factory identity {fid!r}, not {self.factory_id!r}"
            for q, n in counts.items():
                self.max_live[q] = max(self.max_live[q], n)
                limit = self.limits.get(q)
                if limit is not None and n > limit:
                    worst = self._worst[(self.phase, q)] = max(self._worst[(self.phase, q)], n)
                    found[("limit", q)] = f"queue {q}: {worst} pilots running at once, MaxToRun is {limit}"
            total = sum(counts.values())
            if self.slots and total > self.slots:
                worst = self._worst[(self.phase, "")] = max(self._worst[(self.phase, "")], total)
                found[("limit", "")] = (
                    f"{worst} pilots running at once on a host with batch.local.slots = {self.slots}"
                )
            seen_here.update(found)
        return list(found.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def violations(self, phase: str | None = None) -> list[str]:
        with self._lock:
            if phase is not None:
                return list(self._violations.get(phase, {}).values())
            return [v for vs in self._violations.values() for v in vs.values()]
