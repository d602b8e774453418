"""Job ads as the factory reads them: ids, states, and the attributes the queries project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autopyfactory.batch.htcondor.description import classad_string
from autopyfactory.model.history import PilotTimes

QUEUE_ATTR = "MATCH_APF_QUEUE"

# HTCondor JobStatus values (proc.h); 6 is TRANSFERRING_OUTPUT (2.4's mappings.conf called it
# "submission_err").
JOB_STATUS_NAMES = {
    0: "unexpanded",
    1: "idle",
    2: "running",
    3: "removed",
    4: "completed",
    5: "held",
    6: "transferring_output",
    7: "suspended",
    8: "failed",
    9: "blocked",
    10: "preparing",
}
LIVE_STATUSES = (1, 2, 5, 6, 7)

STATUS_PROJECTION = [
    "ClusterId",
    "ProcId",
    QUEUE_ATTR,
    "JobStatus",
    "QDate",
    "EnteredCurrentStatus",
    "JobCurrentStartDate",
    "JobStartDate",
]
HISTORY_PROJECTION = [*STATUS_PROJECTION, "RemoteWallClockTime", "CompletionDate"]
RUNNING_STATUSES = (2, 6, 7)  # running, transferring output, suspended: the pilot has started
ENDED_STATUSES = (3, 4)


def status_code(text: str) -> int:
    """``idle``/``IDLE``/``1`` to 1; ValueError naming the accepted values otherwise."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    for code, name in JOB_STATUS_NAMES.items():
        if name == t or (name == "transferring_output" and t in ("transferring", "transferring-output")):
            return code
    raise ValueError(f"unknown job status {text!r} (one of {', '.join(JOB_STATUS_NAMES.values())} or 0-10)")


def _num(ad: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = ad.get(key)
    try:
        return float(v) if v is not None else default
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True, slots=True)
class JobAd:
    """The attributes of one pilot job the factory uses."""

    cluster: int
    proc: int
    queue: str
    status: int
    qdate: float
    entered: float
    started: float = 0.0
    wallclock: float = 0.0
    completed: float = 0.0

    @property
    def job_id(self) -> str:
        return f"{self.cluster}.{self.proc}"

    @property
    def status_name(self) -> str:
        return JOB_STATUS_NAMES.get(self.status, str(self.status))

    @classmethod
    def from_ad(cls, ad: Mapping[str, Any]) -> JobAd | None:
        """None for an ad without a cluster id or without ``MATCH_APF_QUEUE``."""
        queue = ad.get(QUEUE_ATTR)
        if ad.get("ClusterId") is None or not isinstance(queue, str):
            return None
        started = _num(ad, "JobCurrentStartDate") or _num(ad, "JobStartDate")
        return cls(
            cluster=int(_num(ad, "ClusterId")),
            proc=int(_num(ad, "ProcId")),
            queue=queue,
            status=int(_num(ad, "JobStatus", -1)),
            qdate=_num(ad, "QDate"),
            entered=_num(ad, "EnteredCurrentStatus"),
            started=started,
            wallclock=_num(ad, "RemoteWallClockTime"),
            completed=_num(ad, "CompletionDate"),
        )

    def lives(self) -> PilotTimes:
        """When the pilot was submitted, started (if it did) and ended (if it has). A pilot that
        ran has ``JobCurrentStartDate`` (or ``JobStartDate``; for an ended one, its end less its
        ``RemoteWallClockTime``; for a running grid job without either, when it entered that
        state); a pilot removed while idle never started."""
        ended: float | None = None
        if self.status in ENDED_STATUSES:
            ended = self.completed or self.entered or None
        started: float | None = self.started or None
        if started is None and ended is not None and self.wallclock > 0:
            started = ended - self.wallclock
        if started is None and self.status in RUNNING_STATUSES:
            started = self.entered or None
        return PilotTimes(self.qdate, started, ended)


def queue_constraint(apfqname: str, statuses: tuple[int, ...] = ()) -> str:
    """Jobs of one APF queue (optionally in some states), as a ClassAd constraint."""
    c = f"{QUEUE_ATTR} =?= {classad_string(apfqname)}"
    if statuses:
        c += " && (" + " || ".join(f"JobStatus == {s}" for s in statuses) + ")"
    return c
