"""Job traces: CSV files of ``arrival_s,wmsqueue,duration_s`` (an optional header line names them)."""

from __future__ import annotations

import csv
import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("arrival_s", "wmsqueue", "duration_s")


@dataclass(frozen=True, slots=True)
class TracedJob:
    """One line of a job trace: the job's arrival, WMS queue and duration, in seconds."""

    arrival: float
    wmsqueue: str
    duration: float


class TraceError(ValueError):
    """A trace line that cannot be used: ``file:line: problem``."""


def read_trace(path: Path, wmsqueues: Collection[str]) -> list[TracedJob]:
    """Every job of the trace, sorted by arrival (stable for equal times)."""
    out: list[TracedJob] = []
    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise TraceError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    first = True
    with f:
        for lineno, row in enumerate(csv.reader(f), start=1):
            if not row or (len(row) == 1 and not row[0].strip()) or row[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in row]
            if first:
                first = False
                if tuple(cells) == COLUMNS:
                    continue
            if len(cells) != 3:
                raise TraceError(f"{path}:{lineno}: expected 3 columns {','.join(COLUMNS)}, got {len(cells)}")
            try:
                arrival, duration = float(cells[0]), float(cells[2])
            except ValueError:
                raise TraceError(
                    f"{path}:{lineno}: arrival_s and duration_s must be numbers (seconds), got {row!r}"
                ) from None
            if not (math.isfinite(arrival) and math.isfinite(duration)) or arrival < 0 or duration <= 0:
                raise TraceError(f"{path}:{lineno}: arrival_s must be >= 0 and duration_s > 0")
            if cells[1] not in wmsqueues:
                raise TraceError(
                    f"{path}:{lineno}: no [[wmsqueue]] named {cells[1]!r} in the scenario "
                    f"(WMS queues: {', '.join(sorted(wmsqueues))})"
                )
            out.append(TracedJob(arrival, cells[1], duration))
    out.sort(key=lambda j: j.arrival)
    return out
