"""Marker files pilots write themselves (``tests/faults/fault_pilot.py``): the ground truth of which
pilot process really started, when, and under which launcher."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Marker:
    id: str  # APFCID: the pilot id the factory gave it
    pid: int
    ppid: int  # its launcher
    pgid: int
    queue: str
    factory: str  # APFFID it was started with
    started: float
    ended: float | None  # None: still running, or killed


def read_markers(directory: Path) -> list[Marker]:
    """Every pilot start seen in ``directory`` (one entry per started process)."""
    ends: dict[str, float] = {}
    for p in directory.glob("*.end"):
        try:
            ends[p.name[: -len(".end")]] = float(json.loads(p.read_text())["ended"])
        except (OSError, ValueError, KeyError):
            continue
    out: list[Marker] = []
    for p in sorted(directory.glob("*.start")):
        try:
            d = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        stem = p.name[: -len(".start")]
        out.append(
            Marker(
                str(d["id"]),
                int(d["pid"]),
                int(d["ppid"]),
                int(d["pgid"]),
                str(d["queue"]),
                str(d.get("factory", "")),
                float(d["started"]),
                ends.get(stem),
            )
        )
    return out


def by_pilot(markers: list[Marker]) -> dict[str, list[Marker]]:
    out: dict[str, list[Marker]] = defaultdict(list)
    for m in markers:
        out[m.id].append(m)
    return dict(out)


def started_twice(markers: list[Marker]) -> list[str]:
    """Violations: a pilot id whose process was started more than once."""
    return [
        f"pilot {pid} was started {len(ms)} times (pids {', '.join(str(m.pid) for m in ms)})"
        for pid, ms in sorted(by_pilot(markers).items())
        if len(ms) > 1
    ]
